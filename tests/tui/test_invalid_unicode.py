"""The chat with text that is not valid Unicode: a lone surrogate in a streamed delta
or in the question is replaced (U+FFFD), the answer is shown and saved in full, and
the next question follows that answer."""

from __future__ import annotations

from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.tui.widgets.messages import AssistantMessage
from tests.helpers import answered, send


async def test_a_lone_surrogate_in_a_delta_loses_nothing(make_app, emulator: Emulator) -> None:
    emulator.faults = Faults(extra_delta=" bad \ud800 char", extra_delta_after=2)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo: one two three four five")
        await answered(pilot)
        shown = app.screen.query_one(AssistantMessage).content
        assert "bad \ufffd char" in shown and shown.endswith("four five")
        emulator.faults = Faults()
        await send(pilot, "echo: next")
        await answered(pilot)
        store = app.session.store
        conversation = app.session.conversation
        assert store is not None and conversation is not None
        messages = store.messages(conversation.id)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[1].content == shown and messages[1].finish_reason == "stop"
    assert messages[2].parent_id == messages[1].id, "the next question follows the answer"
    assert messages[3].content == "next"


async def test_a_lone_surrogate_in_the_question_is_replaced(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo: ab\ud800cd")
        await answered(pilot)
        assert app.screen.query_one(AssistantMessage).content == "ab\ufffdcd"
        store = app.session.store
        assert store is not None and app.session.conversation is not None
        question, answer = store.messages(app.session.conversation.id)
    assert question.content == "echo: ab\ufffdcd"
    assert answer.finish_reason == "stop"
