"""A failed request is the app's notice, said once, the same live and reopened."""

from __future__ import annotations

from textual.widgets import Static

from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.tui.widgets.messages import AssistantMessage
from tests.helpers import answered, screen_text, send, wait_for


def notice(app) -> Static:
    return app.screen.query_one(AssistantMessage).query_one(".error", Static)


async def test_a_rate_limit_is_one_notice_not_the_models_words(
    make_app, emulator: Emulator
) -> None:
    emulator.faults = Faults(error_status=429)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await answered(pilot)
        answer = app.screen.query_one(AssistantMessage)
        said = str(notice(app).render())
        assert "HTTP 429" in said
        # The emulator's "Rate Limit Reached" only repeats our sentence: said once.
        assert said.lower().count("limit") == 1, said
        assert notice(app).border_title == "request failed"
        # Not under the model's name: nothing of the model was said.
        assert not answer.query_one(".badge").display
        assert "deepseek-chat\n" not in screen_text(app)
        # The next step once, in the line under the notice.
        assert answer.status.startswith("^r retries")
        assert (said + answer.status).lower().count("retr") == 1
        live = screen_text(app)
        conversation_id = app.session.conversation.id

    reopened = make_app(conversation_id=conversation_id)
    async with reopened.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: reopened.screen.query(AssistantMessage), "the answer shows")
        await pilot.pause()
        assert str(notice(reopened).render()) == said
        assert reopened.screen.query_one(AssistantMessage).status.startswith("^r retries")
        assert _answer_part(screen_text(reopened)) == _answer_part(live)


def _answer_part(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "request failed" in line)
    return [line.rstrip() for line in lines[start : start + 4]]


async def test_a_bad_key_says_where_to_set_it_once(make_app, emulator: Emulator) -> None:
    emulator.faults = Faults(error_status=401)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hello")
        await answered(pilot)
        said = str(notice(app).render())
        assert said.count("Settings") == 1 and "(^s)" in said
        # The line under it: what helps with a key, not only "retry".
        assert app.screen.query_one(AssistantMessage).status == "^s sets the key, then ^r retries"


async def test_continuing_on_a_server_without_beta_says_it_cannot(
    make_app, emulator: Emulator
) -> None:
    emulator.faults = Faults(finish_length=True)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: " + "word " * 40)
        await answered(pilot)
        cut = app.screen.query_one(AssistantMessage).content
        emulator.faults = Faults(no_beta=True)
        await pilot.press("ctrl+f")
        await answered(pilot)
        said = str(notice(app).render())
        assert "does not support continuing" in said
        # What was there is still there.
        assert app.screen.query_one(AssistantMessage).content.startswith(cut)


async def test_a_base_url_that_cannot_work_is_a_notice_not_a_crash(make_app) -> None:
    app = make_app(base_url="http://127.0.0.1:99999")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hello")
        await answered(pilot)
        said = str(notice(app).render())
        assert "127.0.0.1:99999" in said and "Port out of range" in said
        answer = app.screen.query_one(AssistantMessage)
        assert "stopped" not in answer.status
        stored = app.store.messages(app.session.conversation.id)
        assert stored[-1].finish_reason == "error" and "99999" in (stored[-1].error or "")


async def test_a_notice_is_never_drawn_over_a_dialog(make_app) -> None:
    """A notice raised while a dialog is open (an answer failing under the picker)
    waits for the dialog to close, with its full time then; it was drawn over the
    dialog's top rows."""
    from deepseek_tui.tui.screens.chat import ChatScreen
    from deepseek_tui.tui.screens.model_picker import ModelPicker

    app = make_app()
    async with app.run_test(size=(60, 20), notifications=True) as pilot:

        def toasts() -> list[str]:
            return [str(t.render()) for t in app.screen.query("Toast") if t.region.height]

        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker), "the picker")
        app.notify("The answer failed.", timeout=5)
        seen: list[str] = []  # any notice drawn on the dialog, even for a frame

        def none_drawn() -> bool:
            seen.extend(toasts())
            return not seen

        await wait_for(pilot, none_drawn, lambda: f"drawn over the dialog: {set(seen)}", steady=1.0)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        await wait_for(pilot, lambda: any("answer failed" in t for t in toasts()), "shown now")
