"""The tool loop of a turn (session/tools.py) against the emulator over loopback, which
answers with tool calls when tools are offered ('call tool NAME {json}', 'then' for the
next round, 'keep calling tool …'): calls approved, run, saved and sent back within the
round limit; what the model is told when a call cannot run; Esc during a call; a
conversation killed during a call goes on valid. The tool box is a stand-in with
ToolBox's API (tests/helpers.py `Box`); `ask` with real MCP servers is
tests/cli/test_ask_tools.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deepseek_tui.api import DeepSeekClient
from deepseek_tui.api.events import (
    ContentDelta,
    FinishReason,
    ReasoningDelta,
    ToolCall,
    Usage,
    Waiting,
)
from deepseek_tui.api.providers import TOOLS_OFF
from deepseek_tui.api.segmind import SegmindClient
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.messages import MessageDraft
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
from tests.helpers import TEST_KEY, Box, Info, box


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store = Store.memory() if request.param == "memory" else Store.open(tmp_path / "c.db")
    yield store
    store.close()


async def events_of(reply: Any) -> list[Any]:
    seen = []
    async with contextlib.aclosing(reply) as stream:
        async for event in stream:
            if not isinstance(event, Waiting | Usage):
                seen.append(event)
    return seen


def tooled(client: DeepSeekClient, store: Store | None, tools: Box | None = None) -> Session:
    session = Session(client, store, model="deepseek-chat")
    session.tools = tools or box()  # type: ignore[assignment]
    return session


def chat_bodies(emulator: Emulator) -> list[dict]:
    return [r.body for r in emulator.requests if r.path.endswith("chat/completions")]


def done_of(seen: list[Any]) -> list[Any]:
    return [event.message for event in seen if isinstance(event, ToolCallDone)]


async def test_a_call_runs_is_saved_and_the_model_is_asked_again(
    client: DeepSeekClient, emulator: Emulator, store: Store
) -> None:
    session = tooled(client, store)
    reply = session.send('call tool demo__time {"zone": "UTC"}')
    seen = await events_of(reply)
    kinds = [type(e).__name__ for e in seen if not isinstance(e, ContentDelta | ReasoningDelta)]
    assert kinds == [
        "ToolCalls",
        "Finished",
        "ToolCallRunning",
        "ToolCallDone",
        "RoundStarted",
        "Finished",
    ]
    assert session.tools.calls == [("demo__time", {"zone": "UTC"})]
    saved = store.messages(session.conversation.id)
    assert [m.role for m in saved] == ["user", "assistant", "tool", "assistant"]
    asked, result, answer = saved[1:]
    assert asked.finish_reason == FinishReason.TOOL_CALLS
    assert [(c.name, c.arguments) for c in asked.tool_calls] == [("demo__time", '{"zone": "UTC"}')]
    assert result.tool_call_id == asked.tool_calls[0].id and result.content == "ran demo__time"
    assert result.tool is not None and result.tool.status == "done"
    assert (result.tool.server, result.tool.tool) == ("demo", "time")
    assert reply.messages == saved and reply.message == answer == session.messages[-1]
    assert reply.content == "The `demo__time` tool says: ran demo__time"
    assert reply.finish_reason == FinishReason.STOP
    (started,) = [e for e in seen if isinstance(e, RoundStarted)]
    assert started.n == 2
    # The second request carries the call and its result, as saved.
    second = chat_bodies(emulator)[1]
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "tool"]
    assert second["tools"] == list(session.tools.specs())
    # What the turn used and cost is both answers' (the status line shows it).
    assert asked.usage is not None and answer.usage is not None
    assert reply.turn_usage == asked.usage + answer.usage != answer.usage
    assert reply.turn_cost == pytest.approx((asked.cost or 0) + (answer.cost or 0))


async def test_a_thinking_turn_passes_its_reasoning_back_and_replays_byte_identically(
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


async def test_unknown_tools_and_bad_json_go_back_as_tool_errors(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    session = tooled(client, None)
    seen = await events_of(
        session.send('call tool demo__nope {} call tool demo__time {"zone": "UT')
    )
    done = done_of(seen)
    assert [m.tool.status for m in done] == ["failed", "failed"]
    assert done[0].content == 'Error: there is no tool named "demo__nope"; nothing was run.'
    assert done[0].tool.server is None and done[0].tool.tool == "demo__nope"
    assert done[1].content.startswith("Error: the arguments are not valid JSON (")
    assert session.tools.calls == [] and session.messages[-1].content.startswith("The tools say")
    assert not any(isinstance(e, ToolCallRunning) for e in seen)


def test_arguments_must_be_one_json_object() -> None:
    assert "one JSON object, not a list" in loop._arguments(ToolCall("c", "t", "[1]"))
    assert "not null" in loop._arguments(ToolCall("c", "t", "null"))
    assert loop._arguments(ToolCall("c", "t", "")) == {}  # a tool without parameters


async def test_a_result_over_the_limit_is_cut_for_the_model_and_kept_whole(
    client: DeepSeekClient, store: Store
) -> None:
    tools = box()
    tools.output_limit_kb = 1
    tools.results["demo__time"] = "é" * 2000  # 4,000 bytes
    session = tooled(client, store, tools)
    await events_of(session.send("call tool demo__time"))
    result = store.messages(session.conversation.id)[2]
    assert result.tool.cut and result.tool.output == "é" * 2000
    assert result.content.startswith("é" * 512) and "[Cut: the result is 4 KB" in result.content


async def test_an_error_result_is_failed_and_sent_as_an_error(client: DeepSeekClient) -> None:
    tools = box()
    tools.results["demo__time"] = "!clock broken"
    session = tooled(client, None, tools)
    (done,) = done_of(await events_of(session.send("call tool demo__time")))
    assert done.tool.status == "failed" and done.content == "Error: clock broken"
    assert session.messages[-1].content == "The `demo__time` tool says: Error: clock broken"


async def test_approval_paths_allow_always_deny_and_no_one_to_ask(client: DeepSeekClient) -> None:
    tools = box(demo__roll=False)
    decisions = iter(["allow", "always", "deny"])
    asked: list[str] = []

    async def approve(info: Info, call: ToolCall) -> str:
        asked.append(call.name)
        return next(decisions)

    session = tooled(client, None, tools)
    session.approve = approve
    four = "call tool demo__roll " * 3 + "call tool demo__time"
    seen = await events_of(session.send(four))
    assert asked == ["demo__roll"] * 3  # the auto-approved time is not asked
    assert sum(isinstance(e, ToolCallWaiting) for e in seen) == 3
    assert sum(isinstance(e, ToolCallRunning) for e in seen) == 3
    assert [m.tool.status for m in done_of(seen)] == ["done", "done", "denied", "done"]
    assert tools.always == ["demo__roll"]
    assert session.take_notice() == "demo__roll is approved from now on."
    # No one to ask: denied, and the model is told so.
    session = tooled(client, None, tools)
    (done,) = done_of(await events_of(session.send("call tool demo__roll")))
    assert done.tool.status == "denied" and done.content == loop.NOT_ASKED


async def test_stop_at_the_approval_ends_the_turn_with_every_call_answered(
    client: DeepSeekClient, emulator: Emulator, store: Store
) -> None:
    async def approve(info: Info, call: ToolCall) -> str:
        return "stop"

    session = tooled(client, store, box(demo__roll=False))
    session.approve = approve
    reply = session.send("call tool demo__roll call tool demo__time")
    await events_of(reply)
    assert reply.finish_reason == FinishReason.STOPPED and len(chat_bodies(emulator)) == 1
    saved = store.messages(session.conversation.id)
    assert [m.tool.status for m in saved if m.tool] == ["stopped", "stopped"]
    assert unanswered_calls(saved) == () and session.tool_turn_open


async def test_the_round_limit_stops_the_turn_and_continue_goes_on(
    client: DeepSeekClient, emulator: Emulator, store: Store
) -> None:
    tools = box()
    tools.rounds = 2
    session = tooled(client, store, tools)
    reply = session.send("call tool demo__time then call tool demo__time")
    await events_of(reply)
    assert reply.tools_stopped == loop.ROUNDS_USED.format(rounds=2)
    assert len(chat_bodies(emulator)) == 2 and session.messages[-1].role == "tool"
    assert reply.finish_reason == FinishReason.TOOL_CALLS
    assert session.tool_turn_open and not session.can_continue  # not continued in place
    again = session.continue_answer()
    await events_of(again)
    assert again.content.startswith("The `demo__time` tool says") and len(tools.calls) == 2
    roles = [m.role for m in store.messages(session.conversation.id)]
    assert roles == ["user", "assistant", "tool", "assistant", "tool", "assistant"]


async def test_a_model_that_keeps_calling_is_stopped_at_the_limit(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    tools = box()
    tools.rounds = 3
    session = tooled(client, None, tools)
    reply = session.send("keep calling tool demo__time")
    await events_of(reply)
    assert reply.tools_stopped == loop.ROUNDS_USED.format(rounds=3)
    assert len(chat_bodies(emulator)) == 3 and len(tools.calls) == 3


async def test_esc_during_a_call_cancels_it_saves_it_stopped_and_stops_the_turn(
    client: DeepSeekClient, store: Store
) -> None:
    tools = box()
    tools.hang = asyncio.Event()
    session = tooled(client, store, tools)
    reply = session.send("call tool demo__time call tool demo__time")
    task = asyncio.create_task(events_of(reply))
    await asyncio.wait_for(tools.hang.wait(), 30)
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
    client: DeepSeekClient, emulator: Emulator, tmp_path: Path
) -> None:
    # What kill -9 during a call leaves: the tool-call answer saved, no result.
    store = Store.open(tmp_path / "c.db")
    conversation, question = store.start_conversation("t", MessageDraft("user", "time?"))
    call = ToolCall("call_00_abcdefghijklmnopqrstuv", "demo__time", "{}")
    store.add_message(
        conversation.id,
        MessageDraft("assistant", "", finish_reason=FinishReason.TOOL_CALLS, tool_calls=(call,)),
        parent_id=question.id,
    )
    session = Session(client, store, model="deepseek-chat")
    session.open(conversation.id)
    assert unanswered_calls(session.messages) == (call,) and session.tool_turn_open
    reply = session.send("and now?")
    await events_of(reply)
    assert reply.error is None, reply.error  # no 400: every call has its result
    saved = store.messages(conversation.id)
    assert [m.role for m in saved] == ["user", "assistant", "tool", "user", "assistant"]
    assert saved[2].tool.status == "interrupted" and saved[2].content == loop.INTERRUPTED
    assert saved[2].tool_call_id == call.id and session.messages == saved
    sent = chat_bodies(emulator)[-1]["messages"]
    assert sent[2] == {"role": "tool", "tool_call_id": call.id, "content": loop.INTERRUPTED}
    store.close()


async def test_calls_of_an_answer_cut_before_its_finish_are_not_run(
    client: DeepSeekClient, emulator: Emulator, store: Store
) -> None:
    emulator.faults = Faults(cut_after=2)  # the first tool delta, then the connection drops
    session = tooled(client, store)
    reply = session.send('call tool demo__time {"zone": "UTC"}')
    seen = await events_of(reply)
    assert reply.finish_reason == FinishReason.INTERRUPTED and not done_of(seen)
    (answer,) = [m for m in store.messages(session.conversation.id) if m.role == "assistant"]
    assert answer.tool_calls == () and session.tools.calls == []
    assert not session.tool_turn_open


async def test_a_provider_without_tools_offers_none_and_says_so_once(
    emulator: Emulator,
) -> None:
    async with SegmindClient(emulator.base_url, TEST_KEY, poll_interval=0.02) as segmind:
        session = tooled(segmind, None)  # type: ignore[arg-type]
        session.provider = "segmind"
        await events_of(session.send("echo: one"))
        assert session.take_notice() == TOOLS_OFF
        await events_of(session.send("echo: two"))
        assert session.take_notice() is None
    assert session.messages[-1].content == "two" and session.tools.calls == []


def test_a_result_is_capped_at_a_character() -> None:
    sent, cut = loop.capped("a" * 1023 + "é" + "b", 1)
    assert cut and sent.startswith("a" * 1023 + "\n\n[Cut")
    assert loop.capped("short", 1) == ("short", False)


async def test_the_gauge_counts_the_tools_offered_and_the_calls_sent_back(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    """What the screen says is what is sent: the first request's gauge (nothing to
    calibrate on yet) counts the tools array, and after a turn with calls the next
    request's gauge counts its tool calls and results, as the server does."""
    session = tooled(client, None)
    guessed = session.next_request("call tool demo__time {}").gauge.used
    reply = session.send("call tool demo__time {}")
    await events_of(reply)
    asked = session.messages[1]  # the answer that called: the first request's count
    assert asked.tool_calls and asked.usage is not None
    counted = asked.usage.prompt_tokens
    assert abs(guessed - counted) <= 0.05 * counted, (guessed, counted)
    # The next request (calls and results in it) is counted too, from the real anchor.
    guessed = session.next_request("thanks").gauge.used
    await events_of(session.send("thanks"))
    counted = session.messages[-1].usage.prompt_tokens
    assert abs(guessed - counted) <= 0.05 * counted, (guessed, counted)


async def test_a_conversation_with_calls_goes_on_at_a_provider_without_tools(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    session = tooled(client, None)
    await events_of(session.send("call tool demo__time {}"))
    async with SegmindClient(emulator.base_url, TEST_KEY, poll_interval=0.02) as segmind:
        session.client = segmind  # type: ignore[assignment]
        await events_of(session.send("echo: on"))
    sent = [r.body for r in emulator.requests if r.method == "POST"][-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert all("tool_calls" not in m for m in sent)
    assert session.messages[-1].content == "on"
