"""Streamed and whole tool calls, decoded from chunk payloads (pure), and over loopback."""

from __future__ import annotations

import json

import pytest

from deepseek_tui.api import ChatRequest, DeepSeekClient
from deepseek_tui.api.chunks import MAX_TOOL_CALLS, ChunkDecoder, EventBatch, WireDecoder
from deepseek_tui.api.client import parse_completion
from deepseek_tui.api.errors import ProtocolError
from deepseek_tui.api.events import (
    ContentDelta,
    Finished,
    FinishReason,
    ReasoningDelta,
    ToolCall,
    ToolCalls,
    Usage,
)

USAGE = {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}


def chunk(delta: dict | None, finish: str | None = None, usage: dict | None = None) -> str:
    choice: dict = {"index": 0, "logprobs": None, "finish_reason": finish}
    if delta is not None:
        choice["delta"] = delta
    body: dict = {"id": "c1", "object": "chat.completion.chunk", "choices": [choice]}
    if usage is not None:
        body["usage"] = usage
    return json.dumps(body, separators=(",", ":"))


def first(index: int, call_id: str, name: str) -> dict:
    function = {"name": name, "arguments": ""}
    return {"index": index, "id": call_id, "type": "function", "function": function}


def later(index: int, fragment: str, empty: str | None = "") -> dict:
    # V4: later deltas repeat the index with "id": "" and "name": "" (gateways: null).
    return {"index": index, "id": empty, "function": {"name": empty, "arguments": fragment}}


def decode(payloads: list[str]) -> list:
    """The events, each run of deltas of one kind joined (as a read hands them up)."""
    decoder, batch = ChunkDecoder(), EventBatch()
    for payload in payloads:
        decoder.feed_into(payload, batch)
    return [*batch.take(), *decoder.close()]


def v4_stream(calls: list[tuple[str, str, list[str]]], text: list[str] = ()) -> list[str]:
    """A thinking V4 answer: reasoning, some text, then the calls in fragments."""
    out = [chunk({"role": "assistant", "content": None, "reasoning_content": ""})]
    out += [chunk({"content": None, "reasoning_content": piece}) for piece in ["I ", "should"]]
    out += [chunk({"content": piece, "reasoning_content": None}) for piece in text]
    for index, (call_id, name, fragments) in enumerate(calls):
        out.append(chunk({"content": None, "tool_calls": [first(index, call_id, name)]}))
        out += [chunk({"content": None, "tool_calls": [later(index, f)]}) for f in fragments]
    out.append(chunk({"content": "", "reasoning_content": None}, "tool_calls", USAGE))
    return [*out, "[DONE]"]


def test_calls_merge_by_index_with_the_text_before_them_kept() -> None:
    events = decode(
        v4_stream(
            [
                ("call_00_aaaaaaaaaaaaaaaaaaaaaa", "demo__time", ['{"zo', 'ne": "UTC"}']),
                ("call_01_bbbbbbbbbbbbbbbbbbbbbb", "demo__roll", ["{}"]),
            ],
            text=["Let me ", "check."],
        )
    )
    assert events == [
        ReasoningDelta("I should"),
        ContentDelta("Let me check."),
        Usage.from_wire(USAGE),
        ToolCalls(
            (
                ToolCall("call_00_aaaaaaaaaaaaaaaaaaaaaa", "demo__time", '{"zone": "UTC"}'),
                ToolCall("call_01_bbbbbbbbbbbbbbbbbbbbbb", "demo__roll", "{}"),
            )
        ),
        Finished(FinishReason.TOOL_CALLS),
    ]


def test_null_ids_and_names_are_ignored_and_a_finish_chunk_may_have_no_delta() -> None:
    payloads = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"tool_calls": [first(0, "call_x", "count_words")]}),
        chunk({"tool_calls": [later(0, '{"text": ', None)]}),
        chunk({"tool_calls": [later(0, '"a b"}', None)]}),
        chunk(None, "tool_calls"),
    ]
    assert decode(payloads)[-2:] == [
        ToolCalls((ToolCall("call_x", "count_words", '{"text": "a b"}'),)),
        Finished(FinishReason.TOOL_CALLS),
    ]


def test_a_call_chunk_is_never_read_as_a_text_chunk() -> None:
    # Text chunks teach the decoder their shape; a later chunk that carries the same
    # text and a call must not be taken for text (nor may a call chunk teach a shape).
    with_call = {"content": "x", "tool_calls": [later(0, "{}")]}
    payloads = [chunk({"content": "x"}), chunk({"content": "y"})]
    payloads += [chunk({"content": None, "tool_calls": [first(0, "c", "f")]})]
    payloads += [
        chunk(with_call),
        chunk(with_call),
        chunk({"content": "z"}),
        chunk(None, "tool_calls"),
    ]
    events = decode(payloads)
    assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == "xyxxz"
    assert ToolCalls((ToolCall("c", "f", "{}{}"),)) in events
    wire, batch = WireDecoder(), EventBatch()
    wire.read("".join(f"data: {p}\n\n" for p in payloads), batch)
    wire.end(batch)
    assert [*batch.take(), *wire.chunks.close()] == events


def test_indexes_may_jump_and_calls_come_in_index_order() -> None:
    payloads = [
        chunk({"tool_calls": [first(7, "c7", "b")]}),
        chunk({"tool_calls": [first(2, "c2", "a")]}),
        chunk({"tool_calls": [later(7, "{}"), later(2, "[]")]}),
        chunk(None, "tool_calls"),
    ]
    assert decode(payloads)[0] == ToolCalls((ToolCall("c2", "a", "[]"), ToolCall("c7", "b", "{}")))


@pytest.mark.parametrize(
    "tool_calls",
    [
        "not a list",
        {"index": 0},
        [17, None, "x"],
        [{"index": 0, "id": 5, "function": {"name": ["x"], "arguments": 3}}],
        [{"index": 0, "function": "f"}],
    ],
)
def test_hostile_tool_calls_are_skipped_not_a_crash(tool_calls: object) -> None:
    payloads = [
        chunk({"tool_calls": [first(0, "c0", "f")]}),
        chunk({"content": "", "tool_calls": tool_calls}),
        chunk(None, "tool_calls"),
    ]
    events = decode(payloads)
    assert events[0] == ToolCalls((ToolCall("c0", "f", ""),))
    assert events[-1].skipped_lines >= 1


def test_calls_without_an_index_go_by_their_id_else_to_the_last_call() -> None:
    payloads = [
        chunk({"tool_calls": [{"id": "a", "function": {"name": "f", "arguments": "{"}}]}),
        chunk({"tool_calls": [{"function": {"arguments": "}"}}]}),
        chunk({"tool_calls": [{"id": "b", "function": {"name": "g", "arguments": {"n": 1}}}]}),
        chunk(None, "tool_calls"),
    ]
    # (arguments sent as a JSON object, not as text, are written out as text)
    assert decode(payloads)[0] == ToolCalls(
        (ToolCall("a", "f", "{}"), ToolCall("b", "g", '{"n":1}'))
    )


def test_too_many_calls_or_too_long_arguments_are_a_clear_error() -> None:
    many = [chunk({"tool_calls": [first(i, f"c{i}", "f")]}) for i in range(MAX_TOOL_CALLS + 1)]
    with pytest.raises(ProtocolError, match="more than 128 tool calls"):
        decode(many)
    decoder = ChunkDecoder()
    list(decoder.feed(chunk({"tool_calls": [first(0, "c", "f")]})))
    piece = chunk({"tool_calls": [later(0, "x" * 1_000_000)]})
    with pytest.raises(ProtocolError, match="arguments passed 8 MB"):
        for _ in range(10):
            list(decoder.feed(piece))


def test_tool_calls_finish_without_any_call_is_a_clear_error() -> None:
    with pytest.raises(ProtocolError, match="sent no call"):
        decode([chunk({"content": "hm"}), chunk(None, "tool_calls")])


def test_calls_that_end_with_stop_are_the_answers_calls() -> None:
    """Some OpenAI-style gateways end an answer that called tools with "stop" (or only
    [DONE]): the calls streamed are still what the model asked for."""
    for end in (chunk({}, "stop"), "[DONE]"):
        events = decode([chunk({"tool_calls": [first(0, "c", "f")]}), end])
        assert events == [ToolCalls((ToolCall("c", "f", ""),)), Finished(FinishReason.TOOL_CALLS)]


def test_a_whole_reply_carries_its_calls() -> None:
    message = {
        "role": "assistant",
        "content": None,
        "reasoning_content": "think",
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}},
            {"id": "c2", "type": "function", "function": {"name": "g", "arguments": '{"a":1}'}},
        ],
    }
    choice = {"index": 0, "message": message, "finish_reason": "tool_calls"}
    reply = parse_completion(json.dumps({"choices": [choice]}).encode())
    assert reply.finish_reason == FinishReason.TOOL_CALLS
    assert reply.content == "" and reply.reasoning == "think"
    assert reply.tool_calls == (ToolCall("c1", "f", "{}"), ToolCall("c2", "g", '{"a":1}'))
    message["tool_calls"] = "junk"
    assert parse_completion(json.dumps({"choices": [choice]}).encode()).tool_calls == ()


def test_a_call_goes_back_on_the_wire_in_one_key_order() -> None:
    call = ToolCall("c", "f", '{"a": 1}')
    assert json.dumps(call.to_wire()) == (
        '{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{\\"a\\": 1}"}}'
    )


# --- over loopback ---------------------------------------------------------------------

TIME_TOOL = {
    "type": "function",
    "function": {"name": "demo__time", "description": "", "parameters": {"type": "object"}},
}


@pytest.mark.parametrize("model", ["deepseek-chat", "deepseek-v4-flash"])
async def test_the_client_gets_the_emulators_calls_streamed_and_whole(
    client: DeepSeekClient, model: str
) -> None:
    question = [{"role": "user", "content": "What time is it?"}]
    request = ChatRequest(model, question, tools=(TIME_TOOL,))
    events = [event async for event in client.stream_chat(request)]
    calls = next(e for e in events if isinstance(e, ToolCalls)).calls
    assert [(c.name, c.arguments) for c in calls] == [("demo__time", "{}")]
    said = "".join(e.text for e in events if isinstance(e, ContentDelta))
    assert said == "Let me use the `demo__time` tool."
    assert events[-2:] == [ToolCalls(calls), Finished(FinishReason.TOOL_CALLS)]
    reply = await client.complete(request)
    assert reply.finish_reason == FinishReason.TOOL_CALLS and reply.content == said
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [("demo__time", "{}")]
