"""The line under an answer offers ^f only when there is text to continue from."""

from __future__ import annotations

import pytest

from deepseek_tui.api.events import FinishReason
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.tui.widgets.answer_status import status_line
from deepseek_tui.tui.widgets.messages import AssistantMessage
from tests.helpers import answered, send, wait_for


@pytest.mark.parametrize(
    "reason", [FinishReason.STOPPED, FinishReason.INTERRUPTED, FinishReason.LENGTH]
)
def test_an_answer_with_no_text_offers_regenerating_not_continuing(reason: str) -> None:
    line = status_line(reason, None, None, continuable=False)
    assert "continues" not in line
    assert line.endswith(": ^r regenerates it")


def test_an_answer_with_text_still_offers_continuing() -> None:
    assert status_line(FinishReason.STOPPED, None, None) == "stopped: ^f continues it"


async def test_stopping_before_the_first_token_does_not_offer_to_continue(
    make_app, emulator: Emulator
) -> None:
    emulator.faults = Faults(keepalive_before=60)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "hello")
        await wait_for(pilot, lambda: bool(emulator.requests), "the request arrived")
        await pilot.press("escape")
        await answered(pilot)
        live = app.screen.query_one(AssistantMessage).status
        conversation_id = app.session.conversation.id
    assert live.startswith("stopped: ^r regenerates it")

    reopened = make_app(conversation_id=conversation_id)
    async with reopened.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: reopened.screen.query(AssistantMessage), "the answer shows")
        await pilot.pause()
        status = reopened.screen.query_one(AssistantMessage).status
    assert status.startswith("stopped: ^r regenerates it")


async def test_a_narrow_status_line_keeps_offline_demo(make_app) -> None:
    """Whether the answers are real is the last thing the line gives up."""
    from deepseek_tui.config import Settings
    from tests.helpers import answered, send

    app = make_app(demo=True, settings=Settings(model="deepseek-v4-flash"))
    async with app.run_test(size=(60, 20)) as pilot:
        await send(pilot, "echo: hi")
        await answered(pilot)
        line = str(app.screen.query_one("#status").render())
        assert "offline demo" in line, line  # it was the first part to go
