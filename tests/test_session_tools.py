"""The tool loop of a turn (session/tools.py): calls approved, run, saved and sent back,
within the round limit; what the model is told when a call cannot run; Esc during a
call; a conversation killed during a call goes on valid."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from deepseek_tui.api import DeepSeekClient, build_messages
from deepseek_tui.api.events import (
    ContentDelta,
    Finished,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    ToolCall,
    ToolCalls,
    Usage,
)
from deepseek_tui.emulator import Emulator
from deepseek_tui.session import (
    RoundStarted,
    Session,
    ToolCallDone,
    ToolCallRunning,
    ToolCallWaiting,
    unanswered_calls,
)
from deepseek_tui.session import tools as loop
from deepseek_tui.store import Store
from tests.helpers import Box, Info, box


class Scripted:
    """A client that answers each request with the next scripted answer and keeps the
    messages each request carried (the emulator's tool answers come with branch wire)."""

    def __init__(self, *answers: list[StreamEvent]) -> None:
        self.answers = list(answers)
        self.requests: list[Any] = []
        self.remaining_credits = None

    async def stream_chat(self, request: Any) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        for event in self.answers.pop(0):
            yield event


def calls(*pairs: tuple[str, str], reasoning: str = "let me look") -> list[StreamEvent]:
    found = tuple(ToolCall(f"call_0{i}_x", name, args) for i, (name, args) in enumerate(pairs))
    return [
        ReasoningDelta(reasoning),
        ToolCalls(found),
        Usage(10, 5, 15),
        Finished(FinishReason.TOOL_CALLS),
    ]


def text(answer: str) -> list[StreamEvent]:
    return [ContentDelta(answer), Usage(20, 5, 25), Finished(FinishReason.STOP)]


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store = Store.memory() if request.param == "memory" else Store.open(tmp_path / "c.db")
    yield store
    store.close()


async def events_of(reply: Any) -> list[Any]:
    seen = []
    async with contextlib.aclosing(reply) as stream:
        async for event in stream:
            seen.append(event)
    return seen


def session_with(client: Scripted, store: Store | None, tools: Box | None) -> Session:
    session = Session(client, store, model="deepseek-chat")  # type: ignore[arg-type]
    session.tools = tools  # type: ignore[assignment]
    return session


async def test_a_call_runs_is_saved_and_the_model_is_asked_again(store: Store) -> None:
    client = Scripted(calls(("demo__time", '{"zone": "UTC"}')), text("It is noon."))
    session = session_with(client, store, box())
    reply = session.send("what time is it?")
    seen = await events_of(reply)
    kinds = [type(e).__name__ for e in seen if not isinstance(e, Usage)]
    assert kinds == [
        "ReasoningDelta",
        "ToolCalls",
        "Finished",
        "ToolCallRunning",
        "ToolCallDone",
        "RoundStarted",
        "ContentDelta",
        "Finished",
    ]
    assert session.tools.calls == [("demo__time", {"zone": "UTC"})]
    saved = store.messages(session.conversation.id)
    assert [m.role for m in saved] == ["user", "assistant", "tool", "assistant"]
    asked, result, answer = saved[1:]
    assert asked.finish_reason == FinishReason.TOOL_CALLS and asked.reasoning == "let me look"
    assert asked.tool_calls == (ToolCall("call_00_x", "demo__time", '{"zone": "UTC"}'),)
    assert result.tool_call_id == "call_00_x" and result.content == "ran demo__time"
    assert result.tool is not None and result.tool.status == "done"
    assert (result.tool.server, result.tool.tool) == ("demo", "time")
    assert reply.messages == saved and reply.message == answer == session.messages[-1]
    assert reply.content == "It is noon." and reply.finish_reason == FinishReason.STOP
    (started,) = [e for e in seen if isinstance(e, RoundStarted)]
    assert started.n == 2
    # The second request carries the call and its result (same history as saved).
    assert len(client.requests) == 2 and session.messages == saved


async def test_unknown_tool_and_arguments_that_are_not_json_go_back_as_errors() -> None:
    client = Scripted(
        calls(("demo__nope", "{}"), ("demo__time", '{"zone": "UT'), ("demo__time", "[1]")),
        text("Sorry."),
    )
    session = session_with(client, None, box())
    reply = session.send("go")
    seen = await events_of(reply)
    done = [e.message for e in seen if isinstance(e, ToolCallDone)]
    assert [m.tool.status for m in done] == ["failed", "failed", "failed"]
    assert done[0].content == 'Error: there is no tool named "demo__nope"; nothing was run.'
    assert done[0].tool.server is None and done[0].tool.tool == "demo__nope"
    assert done[1].content.startswith("Error: the arguments are not valid JSON (")
    assert "one JSON object, not a list" in done[2].content
    assert session.tools.calls == [] and reply.finish_reason == FinishReason.STOP


async def test_a_result_over_the_limit_is_cut_for_the_model_and_kept_whole(store: Store) -> None:
    tools = box()
    tools.output_limit_kb = 1
    tools.results["demo__time"] = "é" * 2000  # 4,000 bytes
    client = Scripted(calls(("demo__time", "{}")), text("ok"))
    session = session_with(client, store, tools)
    await events_of(session.send("go"))
    result = store.messages(session.conversation.id)[2]
    assert result.tool.cut and result.tool.output == "é" * 2000
    assert result.content.startswith("é" * 512) and "[Cut: the result is 4 KB" in result.content


async def test_an_error_result_is_failed_and_sent_as_an_error() -> None:
    tools = box()
    tools.results["demo__time"] = "!clock broken"
    session = session_with(Scripted(calls(("demo__time", "{}")), text("ok")), None, tools)
    seen = await events_of(session.send("go"))
    (done,) = [e.message for e in seen if isinstance(e, ToolCallDone)]
    assert done.tool.status == "failed" and done.content == "Error: clock broken"


async def test_approval_paths_allow_always_deny_and_none() -> None:
    tools = box(demo__roll=False)
    decisions = iter(["allow", "always", "deny"])
    asked: list[str] = []

    async def approve(info: Info, call: ToolCall) -> str:
        asked.append(call.name)
        return next(decisions)

    client = Scripted(
        calls(("demo__roll", "{}"), ("demo__roll", "{}"), ("demo__roll", "{}"), ("demo__time", "")),
        text("done"),
    )
    session = session_with(client, None, tools)
    session.approve = approve
    seen = await events_of(session.send("roll"))
    assert asked == ["demo__roll"] * 3  # the auto-approved time is not asked
    assert sum(isinstance(e, ToolCallWaiting) for e in seen) == 3
    assert sum(isinstance(e, ToolCallRunning) for e in seen) == 3
    statuses = [e.message.tool.status for e in seen if isinstance(e, ToolCallDone)]
    assert statuses == ["done", "done", "denied", "done"]
    assert tools.always == ["demo__roll"] and session.take_notice() == (
        "demo__roll is approved from now on."
    )
    # No one to ask: denied, and the model is told so.
    session = session_with(Scripted(calls(("demo__roll", "{}")), text("ok")), None, tools)
    seen = await events_of(session.send("roll"))
    (done,) = [e.message for e in seen if isinstance(e, ToolCallDone)]
    assert done.tool.status == "denied" and done.content == loop.NOT_ASKED


async def test_stop_at_the_approval_ends_the_turn_with_every_call_answered(store: Store) -> None:
    async def approve(info: Info, call: ToolCall) -> str:
        return "stop"

    client = Scripted(calls(("demo__roll", "{}"), ("demo__time", "{}")))
    session = session_with(client, store, box(demo__roll=False))
    session.approve = approve
    reply = session.send("roll")
    await events_of(reply)
    assert reply.finish_reason == FinishReason.STOPPED and len(client.requests) == 1
    saved = store.messages(session.conversation.id)
    assert [m.tool.status for m in saved if m.tool] == ["stopped", "stopped"]
    assert unanswered_calls(saved) == () and session.tool_turn_open


async def test_the_round_limit_stops_the_turn_and_continue_goes_on(store: Store) -> None:
    tools = box()
    tools.rounds = 2
    client = Scripted(calls(("demo__time", "{}")), calls(("demo__time", "{}")), text("finally"))
    session = session_with(client, store, tools)
    reply = session.send("loop")
    await events_of(reply)
    assert reply.tools_stopped == loop.ROUNDS_USED.format(rounds=2)
    assert len(client.requests) == 2 and session.messages[-1].role == "tool"
    assert reply.finish_reason == FinishReason.TOOL_CALLS
    assert session.tool_turn_open and not session.can_continue  # not continued in place
    again = session.continue_answer()
    await events_of(again)
    assert again.content == "finally" and len(client.requests) == 3
    roles = [m.role for m in store.messages(session.conversation.id)]
    assert roles == ["user", "assistant", "tool", "assistant", "tool", "assistant"]


async def test_esc_during_a_call_cancels_it_saves_it_stopped_and_stops_the_turn(
    store: Store,
) -> None:
    tools = box()
    tools.hang = asyncio.Event()
    client = Scripted(calls(("demo__time", "{}"), ("demo__time", "{}")))
    session = session_with(client, store, tools)
    reply = session.send("time")
    task = asyncio.create_task(events_of(reply))
    await asyncio.wait_for(tools.hang.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert tools.cancelled and reply.finish_reason == FinishReason.STOPPED
    saved = store.messages(session.conversation.id)
    assert [m.role for m in saved] == ["user", "assistant", "tool", "tool"]
    assert [m.tool.status for m in saved[2:]] == ["stopped", "stopped"]
    assert saved[2].content == loop.STOPPED and saved[3].content == loop.NOT_RUN_STOPPED
    assert session.messages == saved


async def test_a_call_killed_midway_is_answered_as_interrupted_before_the_next_question(
    tmp_path: Path,
) -> None:
    # What kill -9 during a call leaves: the tool-call answer saved, no result.
    path = tmp_path / "c.db"
    store = Store.open(path)
    session = session_with(Scripted(), store, None)
    from deepseek_tui.messages import MessageDraft

    conversation, question = store.start_conversation("t", MessageDraft("user", "time?"))
    store.add_message(
        conversation.id,
        MessageDraft(
            "assistant",
            "",
            reasoning="r",
            finish_reason=FinishReason.TOOL_CALLS,
            tool_calls=(ToolCall("call_00_x", "demo__time", "{}"),),
        ),
        parent_id=question.id,
    )
    session.open(conversation.id)
    assert unanswered_calls(session.messages) == (ToolCall("call_00_x", "demo__time", "{}"),)
    assert session.tool_turn_open
    session.client = Scripted(text("Sorry, the clock was interrupted."))  # type: ignore[assignment]
    await events_of(session.send("and now?"))
    saved = store.messages(conversation.id)
    assert [m.role for m in saved] == ["user", "assistant", "tool", "user", "assistant"]
    assert saved[2].tool.status == "interrupted" and saved[2].content == loop.INTERRUPTED
    assert saved[2].tool_call_id == "call_00_x" and session.messages == saved
    store.close()


async def test_a_provider_without_tools_offers_none_and_says_so_once() -> None:
    client = Scripted(text("a"), text("b"))
    client.supports_tools = False  # type: ignore[attr-defined]
    session = session_with(client, None, box())
    session.provider = "segmind"
    await events_of(session.send("one"))
    assert session.take_notice() == loop.NO_TOOLS.format(provider="segmind")
    await events_of(session.send("two"))
    assert session.take_notice() is None
    assert all(not getattr(r, "tools", ()) for r in client.requests)


def test_a_result_is_capped_at_a_character() -> None:
    sent, cut = loop.capped("a" * 1023 + "é" + "b", 1)
    assert cut and sent.startswith("a" * 1023 + "\n\n[Cut")
    assert loop.capped("short", 1) == ("short", False)


async def test_calls_of_an_answer_cut_before_its_finish_are_not_kept(store: Store) -> None:
    cut = calls(("demo__time", "{}"))[:2]  # the calls came, the finish did not
    session = session_with(Scripted(cut), store, box())
    reply = session.send("time")
    await events_of(reply)
    (answer,) = [m for m in store.messages(session.conversation.id) if m.role == "assistant"]
    assert answer.tool_calls == () and session.tools.calls == []
    assert not session.tool_turn_open


# --- over loopback: the emulator answers with tool calls --------------------------------

# Until wire's build_messages (tool messages on the wire) is merged into main.
needs_tool_history = pytest.mark.skipif(
    "pass_back_reasoning" not in inspect.signature(build_messages).parameters,
    reason="build_messages does not carry tool messages yet (branch wire, step 3)",
)


def chat_bodies(emulator: Emulator) -> list[dict]:
    return [r.body for r in emulator.requests if r.path.endswith("chat/completions")]


@needs_tool_history
async def test_over_loopback_a_thinking_turn_calls_and_replays_byte_identically(
    client: DeepSeekClient, emulator: Emulator, store: Store
) -> None:
    session = Session(client, store, model="deepseek-v4-flash", thinking=True)
    session.tools = box()  # type: ignore[assignment]
    reply = session.send('call tool demo__time {"zone": "UTC"}')
    await events_of(reply)
    assert reply.error is None, reply.error
    assert reply.content == "The `demo__time` tool says: ran demo__time"
    first, second = chat_bodies(emulator)
    assert first["tools"] == second["tools"] == list(session.tools.specs())
    asked, result = second["messages"][1:]
    assert asked["tool_calls"][0]["function"] == {
        "name": "demo__time",
        "arguments": '{"zone": "UTC"}',
    }
    assert asked["reasoning_content"]  # passed back: V4 thinking with tools
    assert result == {
        "role": "tool",
        "tool_call_id": asked["tool_calls"][0]["id"],
        "content": "ran demo__time",
    }
    # The next question replays the history as the same bytes (the prefix cache).
    await events_of(session.send("thanks"))
    third = chat_bodies(emulator)[-1]["messages"]
    assert json.dumps(third[:3]) == json.dumps(second["messages"][:3])
    # Reopened from the store, it is sent the same again.
    again = Session(client, store, model="deepseek-v4-flash", thinking=True)
    again.open(session.conversation.id)
    assert json.dumps(again.request().messages[:5]) == json.dumps(third[:5])


@needs_tool_history
async def test_over_loopback_unknown_tools_and_bad_json_go_back_as_tool_errors(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    session = Session(client, None, model="deepseek-chat")
    session.tools = box()  # type: ignore[assignment]
    seen = await events_of(
        session.send('call tool demo__nope {} call tool demo__time {"zone": "UT')
    )
    done = [e.message for e in seen if isinstance(e, ToolCallDone)]
    assert [m.tool.status for m in done] == ["failed", "failed"]
    assert done[0].content.startswith("Error: there is no tool named")
    assert done[1].content.startswith("Error: the arguments are not valid JSON")
    assert session.tools.calls == [] and session.messages[-1].content.startswith("The tools say")


@needs_tool_history
async def test_over_loopback_the_round_limit_stops_a_model_that_keeps_calling(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    tools = box()
    tools.rounds = 3
    session = Session(client, None, model="deepseek-chat")
    session.tools = tools  # type: ignore[assignment]
    reply = session.send("keep calling tool demo__time")
    await events_of(reply)
    assert reply.tools_stopped == loop.ROUNDS_USED.format(rounds=3)
    assert len(chat_bodies(emulator)) == 3 and len(tools.calls) == 3
