"""The emulator does tools as DeepSeek does: V4's streamed shape, and its exact 400s for
each rule of the wire (issue 20 §4), over loopback with the real client."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from deepseek_tui.api import ChatRequest, DeepSeekClient, ToolCalls, errors
from deepseek_tui.api.events import ContentDelta, Finished, FinishReason, ReasoningDelta
from deepseek_tui.emulator import Emulator
from deepseek_tui.emulator.tools import plan_tools
from deepseek_tui.emulator.validation import (
    CALL_WITHOUT_TOOL,
    MISSING_REASONING_V4,
    THINKING_TOOL_CHOICE,
    TOOL_WITHOUT_CALL,
)
from tests.helpers import TEST_KEY


def tool(name: str, **properties: str) -> dict[str, Any]:
    schema = {name: {"type": kind} for name, kind in properties.items()}
    parameters = {"type": "object", "properties": schema, "required": list(properties)}
    return {
        "type": "function",
        "function": {"name": name, "description": "", "parameters": parameters},
    }


TOOLS = (tool("demo__time"), tool("demo__roll_dice", sides="integer"))
CALL = {
    "id": "call_00_abc",
    "type": "function",
    "function": {"name": "demo__time", "arguments": "{}"},
}


def turn(*, reasoning: str | None = "I will call it.", content: Any = None) -> list[dict]:
    """A question, the answer that called `demo__time`, and its result."""
    answer: dict[str, Any] = {"role": "assistant", "content": content}
    if reasoning is not None:
        answer["reasoning_content"] = reasoning
    answer["tool_calls"] = [CALL]
    result = {"role": "tool", "tool_call_id": CALL["id"], "content": "12:00 UTC"}
    return [{"role": "user", "content": "what time is it?"}, answer, result]


async def events(client: DeepSeekClient, messages: list[dict], model: str, **more: Any) -> list:
    request = ChatRequest(model, messages, tools=TOOLS, **more)
    return [event async for event in client.stream_chat(request)]


async def refusal(client: DeepSeekClient, messages: list[dict], model: str, **more: Any) -> str:
    with pytest.raises(errors.BadRequestError) as raised:
        await events(client, messages, model, **more)
    return raised.value.server_message


def text(found: list) -> str:
    return "".join(e.text for e in found if isinstance(e, ContentDelta))


# --- the answer: tool calls in V4's streamed shape, then text from the results ----------


def test_a_thinking_answer_streams_its_calls_as_v4_does(emulator: Emulator) -> None:
    body = {
        "model": "deepseek-v4-flash",
        "messages": [{"role": "user", "content": 'call tool demo__roll_dice {"sides": 20}'}],
        "tools": list(TOOLS),
        "stream": True,
    }
    headers = {"Authorization": f"Bearer {TEST_KEY}"}
    raw = httpx.post(f"{emulator.base_url}/chat/completions", json=body, headers=headers).text
    chunks = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: {")]
    deltas = [c["choices"][0]["delta"] for c in chunks]
    parts = [part for d in deltas for part in d.get("tool_calls") or ()]
    assert deltas[1]["reasoning_content"] and "tool_calls" not in deltas[1]  # reasoning first
    first, *later = parts
    assert re.fullmatch(r"call_00_[A-Za-z0-9]{22}", first["id"])
    assert first["function"] == {"name": "demo__roll_dice", "arguments": ""}
    assert len(later) > 1  # the arguments in several fragments
    assert all(p["index"] == 0 and p["id"] == "" and p["function"]["name"] == "" for p in later)
    assert "".join(p["function"]["arguments"] for p in later) == '{"sides": 20}'
    finish = chunks[-1]
    assert finish["choices"][0]["finish_reason"] == "tool_calls" and finish["usage"]


async def test_calls_then_an_answer_from_their_results(client: DeepSeekClient) -> None:
    question = [{"role": "user", "content": "What time is it?"}]
    found = await events(client, question, "deepseek-v4-flash")
    calls = next(e for e in found if isinstance(e, ToolCalls)).calls
    assert [c.name for c in calls] == ["demo__time"]
    assert any(isinstance(e, ReasoningDelta) for e in found)
    assert text(found) == "Let me use the `demo__time` tool."  # the text before the call
    assert found[-1] == Finished(FinishReason.TOOL_CALLS)
    reasoning = "".join(e.text for e in found if isinstance(e, ReasoningDelta))
    answer = {
        "role": "assistant",
        "content": text(found),
        "reasoning_content": reasoning,
        "tool_calls": [call.to_wire() for call in calls],
    }
    result = {"role": "tool", "tool_call_id": calls[0].id, "content": "12:00 UTC"}
    found = await events(client, [*question, answer, result], "deepseek-v4-flash")
    assert text(found) == "The `demo__time` tool says: 12:00 UTC"
    assert found[-1] == Finished(FinishReason.STOP)


async def test_call_tool_rounds_and_arguments_as_written(client: DeepSeekClient) -> None:
    ask = 'call tool a {"x": 1} call tool b {not json} then call tool c'
    question = [{"role": "user", "content": ask}]
    found = await events(client, question, "deepseek-chat")
    calls = next(e for e in found if isinstance(e, ToolCalls)).calls
    assert [(c.name, c.arguments) for c in calls] == [("a", '{"x": 1}'), ("b", "{not json}")]
    assert [c.id[:8] for c in calls] == ["call_00_", "call_01_"]
    answer = {"role": "assistant", "content": None, "tool_calls": [c.to_wire() for c in calls]}
    results = [{"role": "tool", "tool_call_id": c.id, "content": "ok"} for c in calls]
    found = await events(client, [*question, answer, *results], "deepseek-chat")
    (call,) = next(e for e in found if isinstance(e, ToolCalls)).calls
    assert (call.name, call.arguments) == ("c", "{}")


async def test_no_tools_offered_means_no_calls(client: DeepSeekClient) -> None:
    request = ChatRequest("deepseek-chat", [{"role": "user", "content": "call tool a"}])
    found = [event async for event in client.stream_chat(request)]
    assert not any(isinstance(e, ToolCalls) for e in found)


# --- DeepSeek's 400s, word for word ----------------------------------------------------


@pytest.mark.parametrize(
    ("model", "thinking", "message"),
    [
        ("deepseek-v4-flash", None, MISSING_REASONING_V4),
        (
            "deepseek-v3.2",
            True,
            "Missing `reasoning_content` field in the assistant message at message index 1. "
            "For more information, please refer to "
            "https://api-docs.deepseek.com/guides/thinking_mode#tool-calls",
        ),
    ],
)
async def test_reasoning_left_out_of_a_tool_call_turn_in_thinking_mode(
    client: DeepSeekClient, model: str, thinking: bool | None, message: str
) -> None:
    history = [*turn(reasoning=None), {"role": "user", "content": "and now?"}]
    assert await refusal(client, history, model, thinking=thinking) == message
    # Not thinking, or with the reasoning sent back (even empty), it is taken.
    assert (await events(client, history, model, thinking=False))[-1].reason == "stop"
    history[1]["reasoning_content"] = ""
    assert (await events(client, history, model, thinking=thinking))[-1].reason == "stop"


async def test_tool_choice_other_than_auto_in_thinking_mode(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    question = [{"role": "user", "content": "hi"}]
    named = {"type": "function", "function": {"name": "demo__time"}}
    for choice in ("required", named):
        extra = {"tool_choice": choice}
        assert (
            await refusal(client, question, "deepseek-v4-pro", extra=extra) == THINKING_TOOL_CHOICE
        )
        # The client never sends tool_choice while the model thinks; without thinking it does.
        await events(client, question, "deepseek-v4-pro", tool_choice=choice)
        assert "tool_choice" not in emulator.requests[-1].body
        await events(client, question, "deepseek-v4-pro", thinking=False, tool_choice=choice)
        assert emulator.requests[-1].body["tool_choice"] == choice


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        (
            (tool("demo__time"), tool("files.read")),
            "Invalid 'tools[1].function.name': string does not match pattern. Expected a string "
            "that matches the pattern '^[a-zA-Z0-9_-]+$'.",
        ),
        (
            (tool("x" * 65),),
            "Invalid 'tools[0].function.name': string too long. Expected a string with maximum "
            "length 64, but got a string with length 65 instead.",
        ),
        (
            tuple(tool(f"t{i}") for i in range(129)),
            "Invalid 'tools': array too long. Expected an array with maximum length 128, but got "
            "an array with length 129 instead.",
        ),
    ],
    ids=["name-pattern", "name-length", "129-tools"],
)
async def test_tools_the_api_refuses(client: DeepSeekClient, tools: tuple, message: str) -> None:
    request = ChatRequest("deepseek-chat", [{"role": "user", "content": "hi"}], tools=tools)
    with pytest.raises(errors.BadRequestError) as raised:
        [event async for event in client.stream_chat(request)]
    assert raised.value.server_message == message


async def test_a_tool_result_must_answer_a_call_and_every_call_gets_one(
    client: DeepSeekClient,
) -> None:
    wrong_id = turn()
    wrong_id[2]["tool_call_id"] = "call_00_other"
    assert await refusal(client, wrong_id, "deepseek-chat") == TOOL_WITHOUT_CALL
    no_result = [*turn()[:2], {"role": "user", "content": "well?"}]
    assert await refusal(client, no_result, "deepseek-chat") == CALL_WITHOUT_TOOL
    assert await refusal(client, turn()[:2], "deepseek-chat") == CALL_WITHOUT_TOOL


async def test_an_assistant_content_list_is_refused(client: DeepSeekClient) -> None:
    said = await refusal(client, turn(content=[]), "deepseek-chat")
    assert re.fullmatch(
        r"Failed to deserialize the JSON body into the target type: messages\[1\]: invalid "
        r"type: sequence, expected a string at line 1 column \d+",
        said,
    )


def test_what_a_question_asks_of_which_tool() -> None:
    dice = {
        "type": "object",
        "properties": {"count": {"type": "integer"}, "sides": {"type": "integer"}},
    }
    words = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
    offered = (
        {"type": "function", "function": {"name": "demo__current_time", "parameters": {}}},
        {"type": "function", "function": {"name": "demo__roll_dice", "parameters": dice}},
        {"type": "function", "function": {"name": "demo__word_count", "parameters": words}},
    )

    def planned(question: str) -> list[tuple[str, str]] | None:
        plan = plan_tools([{"role": "user", "content": question}], offered)
        return None if plan is None else [(c.name, c.arguments) for c in plan.calls]

    assert planned("What time is it?") == [("demo__current_time", "{}")]
    assert planned("roll 3d20 please") == [("demo__roll_dice", '{"count": 3, "sides": 20}')]
    assert planned('count words in "a b c"') == [("demo__word_count", '{"text": "a b c"}')]
    assert planned("run word_count on this") == [
        ("demo__word_count", '{"text": "run word_count on this"}')
    ]
    assert planned("use the tool") == [("demo__current_time", "{}")]
    assert planned("keep calling tool x {}") == [("x", "{}")]
    assert planned("tell me a story") is None
