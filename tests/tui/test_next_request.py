"""What the screen says is what is sent (issue 18 §1): the gauge, the status line and
the next request's body come from one object, `Session.next_request`, and agree after
leaving turns out, reopening from ^l, a model switch (^o) and a Settings save."""

from __future__ import annotations

from deepseek_tui.config import Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.screens.chat import ChatScreen
from deepseek_tui.tui.screens.context_full import ContextFull
from deepseek_tui.tui.screens.model_picker import ModelPicker
from deepseek_tui.tui.screens.preset_picker import PresetPicker
from deepseek_tui.tui.screens.settings import SettingsScreen
from deepseek_tui.tui.widgets.saved_entries import LeftOut
from tests.helpers import answered, chat_requests, highlight_in_sidebar, send, wait_for


async def sends_what_it_shows(pilot, emulator: Emulator, text: str) -> dict:
    """Type `text`; the status line shows the next request's gauge, JSON mode and
    turns left out; ⏎ sends exactly that request's body. Returns the body."""
    screen = pilot.app.screen
    screen.composer.insert(text)
    shown = screen.session.next_request(text)
    status = screen.status
    await wait_for(pilot, lambda: status.context == shown.gauge.label, lambda: f"{status.context=}")
    assert shown.gauge.fits  # (the test's own figures leave room)
    assert status.context_warning == shown.gauge.warning
    assert (status.left_out, status.json_mode) == (shown.left_out, shown.json_mode)
    before = len(chat_requests(emulator))
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: len(chat_requests(emulator)) > before or isinstance(pilot.app.screen, ContextFull),
        "the request",
    )
    assert not isinstance(pilot.app.screen, ContextFull), "refused what the gauge let through"
    await answered(pilot)
    body = chat_requests(emulator)[-1].body
    assert body == shown.request.body(stream=True)
    return body


async def test_leaving_turns_out_holds_through_reopen_model_switch_and_settings_save(
    make_app, emulator: Emulator
) -> None:
    """Seen 1: "leave out the oldest turns" was forgotten on reopen (the gauge read
    the cut, the next question sent everything: HTTP 400), and nothing marked it."""
    emulator.context_window = 2000
    settings = Settings(max_tokens=100, providers={"deepseek": {"context_window": 2000}})
    app = make_app(settings=settings)
    async with app.run_test(size=(100, 30)) as pilot:
        for index in range(3):  # ~500 tokens a turn (answers cut at max_tokens)
            await send(pilot, f"echo: turn {index} " + "words and more words " * 75)
            await answered(pilot)
        opened = app.session.conversation.id
        await send(pilot, "echo: now " + "z" * 1800)  # does not fit with all three turns
        await wait_for(pilot, lambda: isinstance(app.screen, ContextFull), "the choices")
        drop = app.screen.drop
        await pilot.press("d")
        await wait_for(pilot, lambda: len(app.session.messages) == 8, "the answer")
        await answered(pilot)
        assert app.session.omitted_turns == drop
        screen = app.screen
        marks = list(screen.conversation.query_children(LeftOut))
        assert len(marks) == 1 and "left out" in str(marks[0].render())
        body = await sends_what_it_shows(pilot, emulator, "echo: after leaving out")
        assert body["messages"][0]["content"].startswith(f"echo: turn {drop}")

        # Reopened from ^l (after another conversation): the same turns are left out.
        await pilot.press("ctrl+n")  # the preset picker: its first row is blank
        await wait_for(pilot, lambda: isinstance(app.screen, PresetPicker), "the presets")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.session.messages, "a new conversation")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: screen.query("#conversations"), "the list")
        highlight_in_sidebar(app, opened)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.session.messages) == 10, "the conversation")
        assert app.session.omitted_turns == drop
        assert screen.status.left_out == drop
        view = screen.conversation
        while view.first_shown:  # the earlier pages, as scrolling up brings them
            view.load_earlier()
            await pilot.pause()
        marks = list(view.query_children(LeftOut))
        assert len(marks) == 1
        after = view.children[view.children.index(marks[0]) + 1]
        assert after.text.startswith(f"echo: turn {drop}")  # the first question sent
        body = await sends_what_it_shows(pilot, emulator, "echo: after reopening")
        assert body["messages"][0]["content"].startswith(f"echo: turn {drop}")

        # ^o to another model, then a Settings save without a change.
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker), "the picker")
        await pilot.press(*"deepseek-v4-flash", "enter")
        await wait_for(pilot, lambda: app.session.model == "deepseek-v4-flash", "the model")
        await sends_what_it_shows(pilot, emulator, "echo: after the model switch")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "back in the chat")
        assert app.session.omitted_turns == drop
        body = await sends_what_it_shows(pilot, emulator, "echo: after a settings save")
        assert body["messages"][0]["content"].startswith(f"echo: turn {drop}")


async def test_the_gauge_keeps_the_max_tokens_the_model_takes(make_app, emulator: Emulator) -> None:
    """Seen 2: max_tokens 99,999 in Settings, ^o from v4-flash to deepseek-chat (which
    takes 8,192): the gauge let the message through and ⏎ refused it ("97.6k kept for
    the answer"), while the body would have carried 8,192."""
    emulator.context_window = 30_000
    settings = Settings(
        model="deepseek-v4-flash",
        max_tokens=99_999,
        providers={"deepseek": {"context_window": 30_000}},
    )
    app = make_app(settings=settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker), "the picker")
        await pilot.press(*"deepseek-chat", "enter")
        await wait_for(pilot, lambda: app.session.model == "deepseek-chat", "the model")
        body = await sends_what_it_shows(pilot, emulator, "echo: " + "w" * 40_000)
        assert body["max_tokens"] == 8192
        assert app.session.next_request().gauge.answer_room == 8192


# The emulator answers in JSON mode with {"answer": "<the echo>"}: one line whose
# `**1 words**` Markdown made bold and whose ```python … ``` a code span (fences gone).
QUESTION = "echo: **1 words** and ```python print(1) ``` in JSON"
ANSWER = '{"answer": "**1 words** and ```python print(1) ``` in JSON"}'


def answer_lines(app) -> str:
    """The lines the last answer's view draws (not the question's)."""
    view = list(app.screen.query(".answer"))[-1]
    return "\n".join(view.render_line(y).text for y in range(view.size.height))


async def test_a_json_mode_answer_is_shown_as_it_came(make_app, emulator: Emulator) -> None:
    """Seen 5: a JSON-mode answer was drawn as Markdown (`**1 words**` bold, a
    ```python fence gone) and nothing said the chat was in JSON mode. Now verbatim,
    live and reopened, and "JSON mode" on the status line."""
    from deepseek_tui.tui.widgets.verbatim import VerbatimView

    app = make_app(settings=Settings(json_mode=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.session_made, "the session")
        screen = app.screen
        await wait_for(pilot, lambda: "JSON mode" in str(screen.status.render()), "JSON mode")
        await send(pilot, QUESTION)
        await answered(pilot)
        assert chat_requests(emulator)[-1].body["response_format"] == {"type": "json_object"}
        assert app.session.messages[-1].content == ANSWER
        assert ANSWER in answer_lines(app)
        assert isinstance(screen.conversation.query_one(".answer"), VerbatimView)

        opened = app.session.conversation.id
        screen.action_new_conversation()
        await wait_for(pilot, lambda: not app.session.messages, "a new conversation")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: screen.query("#conversations"), "the list")
        highlight_in_sidebar(app, opened)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.session.messages) == 2, "the conversation")
        await answered(pilot)
        assert ANSWER in answer_lines(app)
        assert "JSON mode" in str(screen.status.render())
