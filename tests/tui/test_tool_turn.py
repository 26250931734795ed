"""The answer widget through a turn with tool calls (the tools' own rows are issue 21):
it ignores the events it does not know, shows each answer's text and ends once."""

from __future__ import annotations

from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.widgets.messages import AssistantMessage
from tests.helpers import answered, box, screen_text, send


async def test_a_turn_stopped_at_its_round_limit_ends_the_answer_widget(
    make_app, emulator: Emulator
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tools = box()
        tools.rounds = 1
        app.session.tools = tools
        await send(pilot, 'call tool demo__time {"zone": "UTC"}')
        await answered(pilot)
        (answer,) = app.screen.query(AssistantMessage)
        assert answer.finished and tools.calls == [("demo__time", {"zone": "UTC"})]
        assert answer.status == "stopped after 1 round of tool calls (tool_rounds) · ^f goes on"
        assert "Traceback" not in screen_text(app)


async def test_the_answer_after_the_results_streams_into_the_same_widget(
    make_app, emulator: Emulator
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.tools = box()
        await send(pilot, "call tool demo__time")
        await answered(pilot)
        (answer,) = app.screen.query(AssistantMessage)
        assert answer.finished and answer.status.endswith("out · <$0.01")
        assert "tool says: ran demo__time" in screen_text(app)  # (the name drawn as code)
