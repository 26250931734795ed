"""Between Enter and the first token the answer says what the app waits for."""

from __future__ import annotations

from textual.widgets import Static

from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.tui.widgets.messages import AssistantMessage
from tests.helpers import answered, screen_text, send, wait_for


def waiting_line(app) -> Static:
    return app.screen.query_one(AssistantMessage).query_one(".waiting", Static)


async def test_a_slow_model_shows_a_live_waiting_line_until_stopped(
    make_app, emulator: Emulator
) -> None:
    emulator.faults = Faults(keepalive_before=60)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await wait_for(
            pilot,
            lambda: "waiting for the model" in screen_text(app),
            lambda: screen_text(app),
        )
        line = waiting_line(app)
        assert line.display
        first = str(line.render())
        # It is live: the spinner turns while nothing arrives.
        await wait_for(pilot, lambda: str(line.render()) != first, "the waiting line moves")
        await pilot.press("escape")
        await answered(pilot)
        assert not line.display
        assert "waiting for the model" not in screen_text(app)
        assert "stopped" in app.screen.query_one(AssistantMessage).status


async def test_a_rate_limit_shows_the_retry_then_the_answer(make_app, emulator: Emulator) -> None:
    emulator.faults = Faults(error_status=429, error_count=1, retry_after="2")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: after the retry")
        await wait_for(
            pilot,
            lambda: "rate limited: retrying 2/3 in" in screen_text(app),
            lambda: screen_text(app),
        )
        await answered(pilot)
        answer = app.screen.query_one(AssistantMessage)
        assert answer.content == "after the retry"
        assert not waiting_line(app).display
        assert "retrying" not in screen_text(app)


async def test_text_that_came_before_a_stall_is_shown_during_it(
    make_app, emulator: Emulator
) -> None:
    # Twelve chunks in one burst, then only keep-alives: nothing new to flush on.
    emulator.faults = Faults(stall_after=12, stall_seconds=60)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: " + " ".join(f"w{i}" for i in range(40)))
        await wait_for(
            pilot,
            lambda: (
                "w5" in app.screen.query_one(AssistantMessage).content and "w5" in screen_text(app)
            ),
            lambda: screen_text(app),
        )
        assert app.screen.streaming  # still inside the stall
        await pilot.press("escape")
        await answered(pilot)


async def test_a_model_that_pauses_mid_thought_still_looks_alive(
    make_app, emulator: Emulator
) -> None:
    from textual.widgets import Collapsible

    from deepseek_tui.config import Settings

    emulator.faults = Faults(stall_after=8, stall_seconds=60)
    app = make_app(settings=Settings(model="deepseek-reasoner"))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "Why is the sky blue?")

        def title() -> str:
            answers = list(app.screen.query(AssistantMessage))
            return answers[0].query_one(".reasoning", Collapsible).title if answers else ""

        await wait_for(pilot, lambda: "Thinking…" in title() and title()[0] != "T", title)
        first = title()
        await wait_for(pilot, lambda: title() != first, "the title moves during the stall")
        assert title().endswith(" s")
        await pilot.press("escape")
        await answered(pilot)
        assert "Thinking" not in title()
