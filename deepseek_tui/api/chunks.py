"""Turns DeepSeek stream chunks (JSON payloads) into typed events. Pure, no I/O."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from json.decoder import scanstring
from typing import Any

from deepseek_tui.api.errors import ProtocolError, StreamErrorEvent, error_message
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
from deepseek_tui.api.sse import MAX_LINE, ServerSentEvent, SSEParser

_OPEN = "<think>"
_CLOSE = "</think>"


class ThinkTagSplitter:
    """Moves a leading `<think>…</think>` out of the content into the reasoning.

    Raw open-weights hosts stream R1's thinking inside `content`. The tags may be
    split across chunks, so text that could still become a tag is held back.
    """

    __slots__ = ("_pending", "_state")

    def __init__(self) -> None:
        self._state = "start"  # start → think → after → content, or start → content
        self._pending = ""

    @property
    def passing(self) -> bool:
        """Past any think tags: text goes through as it is (content)."""
        return self._state == "content"

    def feed(self, text: str) -> Iterator[StreamEvent]:
        if self._state == "after":
            # The blank lines after "</think>" may arrive in later chunks.
            text = text.lstrip("\r\n")
            if not text:
                return
            self._state = "content"
        if self._state == "content":
            if text:
                yield ContentDelta(text)
            return
        self._pending += text
        if self._state == "start":
            head = self._pending.lstrip()
            if head.startswith(_OPEN):
                self._state = "think"
                self._pending = head[len(_OPEN) :]
            elif _OPEN.startswith(head):
                return  # could still become "<think>"
            else:
                self._state = "content"
                pending, self._pending = self._pending, ""
                yield ContentDelta(pending)
                return
        # state "think"
        end = self._pending.find(_CLOSE)
        if end != -1:
            reasoning = self._pending[:end]
            rest = self._pending[end + len(_CLOSE) :].lstrip("\r\n")
            self._pending = ""
            self._state = "content" if rest else "after"
            if reasoning:
                yield ReasoningDelta(reasoning)
            if rest:
                yield ContentDelta(rest)
            return
        keep = _partial_suffix(self._pending, _CLOSE)
        emit = self._pending[: len(self._pending) - keep]
        self._pending = self._pending[len(emit) :]
        if emit:
            yield ReasoningDelta(emit)

    def flush(self) -> Iterator[StreamEvent]:
        pending, self._pending = self._pending, ""
        if not pending:
            return
        if self._state == "think":
            yield ReasoningDelta(pending)
        else:
            yield ContentDelta(pending)


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that is a proper start of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


def error_event(data: str) -> StreamErrorEvent:
    """The error an `event: error` frame reports: its JSON's message, or its text."""
    try:
        value = json.loads(data)
    except ValueError:
        value = data.strip()
    if isinstance(value, dict) and "error" in value:
        value = value["error"]
    said = error_message(value) if value not in ("", None, {}) else ""
    if not said:
        return StreamErrorEvent("The server reported an error mid-answer.")
    return StreamErrorEvent(f"The server reported an error mid-answer: {said}")


class EventBatch:
    """Events in order, with each run of deltas of one kind joined into one delta:
    a network read brings hundreds of chunks, and everything above the wire then
    handles one event per read instead of one per token."""

    __slots__ = ("_events", "_kind", "_texts")

    def __init__(self) -> None:
        self._events: list[StreamEvent] = []
        self._kind: type[ContentDelta] | type[ReasoningDelta] | None = None
        self._texts: list[str] = []

    def add_text(self, kind: type[ContentDelta] | type[ReasoningDelta], text: str) -> None:
        if kind is not self._kind:
            self._close_run()
            self._kind = kind
        self._texts.append(text)

    def add(self, event: StreamEvent) -> None:
        if isinstance(event, ContentDelta | ReasoningDelta):
            self.add_text(type(event), event.text)
        else:
            self._close_run()
            self._events.append(event)

    def __bool__(self) -> bool:
        return bool(self._events or self._texts)

    def take(self) -> list[StreamEvent]:
        """The events so far (the batch is empty again)."""
        self._close_run()
        events, self._events = self._events, []
        return events

    def _close_run(self) -> None:
        if self._kind is not None:
            self._events.append(self._kind("".join(self._texts)))
            self._kind = None
            self._texts = []


@dataclass(slots=True)
class _Shape:
    """A chunk's JSON around its one text value: a chunk that starts with `prefix`,
    ends with `suffix` and has one JSON string in between is the same chunk with
    another text, so that string is all that needs decoding."""

    prefix: str
    suffix: str
    kind: type[ContentDelta] | type[ReasoningDelta]
    start: int  # len(prefix)
    suffix_length: int
    _record: re.Pattern[str] | None = None

    def record(self) -> re.Pattern[str]:
        """The SSE record (`data: <chunk>` and a blank line) of a chunk of this shape,
        its text's JSON string (unquoted) as group 1. Made on first use: most shapes
        never meet a run."""
        if self._record is None:
            head = "data: ?" + re.escape(self.prefix) + '"'
            tail = '"' + re.escape(self.suffix) + "\n\n"
            self._record = re.compile(f"{head}({_JSON_STRING_BODY}){tail}")
        return self._record


_TEXT_KEYS = {
    key: re.compile(f'"{key}"\\s*:\\s*"') for key in ("content", "reasoning_content", "reasoning")
}
# What a JSON string needs decoding for (or is not allowed to hold unescaped).
_NOT_PLAIN = re.compile(r'["\\\x00-\x1f]')
# What may stand between a JSON string's quotes, as strictly as json.loads reads it
# (written as plain runs between escapes: a third faster than one alternation).
_JSON_STRING_BODY = r'[^"\\\x00-\x1f]*(?:(?:\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*'
# An escaped surrogate: half of a pair that two chunks may split between them.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# A text value nobody sends, to check where a shape's text sits (`_shape_of`).
_PROBE = "\u2063probe\u2063"
# Shapes that found no second chunk in a row before shapes are looked for rarely (a
# server whose every chunk differs in more than its text).
_USELESS_SHAPES = 3


def _string_literal(literal: str) -> str | None:
    """The text of `literal` when it is exactly one JSON string, else None."""
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        return None
    if _NOT_PLAIN.search(literal, 1, len(literal) - 1) is None:
        return literal[1:-1]
    try:
        text, end = scanstring(literal, 1)  # the json module's own, strict as loads
    except ValueError:
        return None
    return text if end == len(literal) else None


# Calls in one answer: DeepSeek takes at most 128 tools, and a model calls a few at once.
MAX_TOOL_CALLS = 128
# One call's arguments, joined from its fragments: as much as one line may hold (a
# server that streams more is broken or hostile, and memory is not its to take).
MAX_TOOL_ARGUMENTS = MAX_LINE


class _PendingCall:
    __slots__ = ("arguments", "id", "name", "size")

    def __init__(self) -> None:
        self.id = ""
        self.name = ""
        self.arguments: list[str] = []
        self.size = 0


class ToolCallMerger:
    """Streamed `tool_calls` deltas merged into whole calls.

    The first delta of a call carries `index`, `id`, `type` and `function.name` (with
    `arguments: ""`); later ones the same `index` and a fragment of `arguments`, and on
    V4 also `"id": ""` and `"name": ""` (some gateways `null`): the first non-empty
    id and name win, fragments are joined. What does not fit the shape (an item that
    is not an object, a field that is not text) is skipped and counted; a delta
    without a usable `index` belongs to the call its id names, else to the last call.
    Indexes may jump: calls come out in index order.
    """

    __slots__ = ("_calls", "_last", "skipped")

    def __init__(self) -> None:
        self._calls: dict[int, _PendingCall] = {}
        self._last: int | None = None
        self.skipped = 0

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, items: object, *, positional: bool = False) -> None:
        """Merge one delta's `tool_calls` (`positional`: a whole message's list, where
        an item's place is its index when it has none)."""
        if not isinstance(items, list):
            self.skipped += 1
            return
        for place, item in enumerate(items):
            if not isinstance(item, dict):
                self.skipped += 1
                continue
            self._add(item, place if positional else None)

    def _add(self, item: dict[str, Any], place: int | None) -> None:
        index = item.get("index")
        call_id = item.get("id")
        call_id = call_id if isinstance(call_id, str) else ""
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            index = place if place is not None else self._index_for(call_id)
        call = self._calls.get(index)
        if call is None:
            if len(self._calls) >= MAX_TOOL_CALLS:
                raise ProtocolError(
                    f"The server sent more than {MAX_TOOL_CALLS} tool calls in one answer."
                )
            call = self._calls[index] = _PendingCall()
        self._last = index
        if call_id and not call.id:
            call.id = call_id
        function = item.get("function")
        if function is None:
            return
        if not isinstance(function, dict):
            self.skipped += 1
            return
        name = function.get("name")
        if isinstance(name, str) and name and not call.name:
            call.name = name
        arguments = function.get("arguments")
        if isinstance(arguments, dict | list):
            # A gateway that sends the arguments as JSON, not as JSON text.
            arguments = json.dumps(arguments, ensure_ascii=False, separators=(",", ":"))
        if isinstance(arguments, str) and arguments:
            call.size += len(arguments)
            if call.size > MAX_TOOL_ARGUMENTS:
                raise ProtocolError(
                    f"A tool call's arguments passed {MAX_TOOL_ARGUMENTS // 1024 // 1024} MB; "
                    "the answer was stopped."
                )
            call.arguments.append(arguments)
        elif arguments is not None and not isinstance(arguments, str):
            self.skipped += 1

    def _index_for(self, call_id: str) -> int:
        """Where a delta without an index goes: a call it names, a new call for a new
        id, else the call before it."""
        if call_id:
            for index, call in self._calls.items():
                if call.id == call_id:
                    return index
            return max(self._calls, default=-1) + 1
        return self._last if self._last is not None else 0

    def calls(self) -> tuple[ToolCall, ...]:
        """The calls so far, in index order. A call the server sent no id for gets one
        (`call_<index>`), so its result can still be sent back."""
        return tuple(
            ToolCall(call.id or f"call_{index}", call.name, "".join(call.arguments))
            for index, call in sorted(self._calls.items())
        )


class ChunkDecoder:
    """Feed it each SSE data payload; it yields events and remembers the state.

    Rules: `[DONE]` ends the stream; reasoning comes in
    `reasoning_content` or `reasoning` (tested with `is not None`, one of the two
    keys is null); usage may ride on the finish chunk or on an extra `choices: []`
    chunk, and the last non-null one wins; a payload that is not JSON is skipped and
    counted; `{"error": …}` raises `StreamErrorEvent`; `tool_calls` deltas are merged
    (`ToolCallMerger`) and come out as one `ToolCalls` before `Finished` when the
    answer ends with `finish_reason: "tool_calls"`.

    Chunks of one answer differ only in their text, so once a chunk has been parsed
    the next ones that have the same JSON around their text (`_Shape`) are decoded
    by reading that one string: the same events as a full parse, at a fraction of
    the cost (a 10 MB answer is 2.4 million chunks).
    """

    def __init__(self) -> None:
        self.done = False
        self.finish_reason: FinishReason | str | None = None
        self.usage: Usage | None = None
        self.model: str | None = None
        self.skipped = 0
        self.saw_data = False
        self._saw_reasoning_field = False
        self._tags = ThinkTagSplitter()
        self._tool_calls = ToolCallMerger()
        self._shape: _Shape | None = None
        self._shape_used = False
        self._useless_shapes = 0
        self._misses = 0

    def feed(self, payload: str) -> Iterator[StreamEvent]:
        batch = EventBatch()
        self.feed_into(payload, batch)
        return iter(batch.take())

    def feed_into(self, payload: str, batch: EventBatch) -> None:
        """Decode one payload into `batch`."""
        payload = payload.strip()
        shape = self._shape
        if shape is not None and payload.startswith(shape.prefix):
            end = len(payload) - shape.suffix_length
            if end > shape.start and payload.endswith(shape.suffix):
                literal = payload[shape.start : end]
                # (inlined `_string_literal`: this runs for nearly every chunk)
                if (
                    literal[0] == '"' == literal[-1]
                    and len(literal) > 1
                    and _NOT_PLAIN.search(literal, 1, len(literal) - 1) is None
                ):
                    text: str | None = literal[1:-1]
                else:
                    text = _string_literal(literal)
                if text is not None:
                    self._shape_used = True
                    if not text:
                        return
                    if (
                        shape.kind is ReasoningDelta
                        or self._saw_reasoning_field  # (think tags were flushed)
                        or self._tags.passing
                    ):
                        batch.add_text(shape.kind, text)
                    else:
                        self._text(shape.kind, text, batch)
                    return
        if payload:
            self._parse(payload, batch)

    @property
    def has_shape(self) -> bool:
        return self._shape is not None

    def take_run(self, text: str, batch: EventBatch, max_line: int) -> int:
        """Decode the SSE records at the start of `text` (`data: <chunk>` and a blank
        line, as a stream's body carries them) whose chunks have the shape of the last
        one: one regular-expression scan for the whole run, the texts joined into
        `batch`. Returns how much of `text` they took (0: none). The caller makes sure
        `text` starts at an event (the SSE parser holds nothing)."""
        shape = self._shape
        if shape is None or not (
            shape.kind is ReasoningDelta or self._saw_reasoning_field or self._tags.passing
        ):
            return 0
        # A scanner's matches follow one another: the run ends at the first gap.
        found = list(iter(shape.record().scanner(text).match, None))
        if not found:
            return 0
        end = found[-1].end()
        bodies = [match[1] for match in found]
        if max(map(len, bodies)) + shape.start + shape.suffix_length + 6 > max_line:
            return 0  # a line the SSE parser refuses: it says so
        joined = "".join(bodies)
        if "\\" in joined:
            if _SURROGATE_ESCAPE.search(joined):  # a pair split between two chunks
                joined = "".join(scanstring(f'"{body}"', 1)[0] for body in bodies)
            else:
                joined = scanstring(f'"{joined}"', 1)[0]
        self._shape_used = True
        if joined:
            batch.add_text(shape.kind, joined)
        return end

    def _text(
        self, kind: type[ContentDelta] | type[ReasoningDelta], text: str, batch: EventBatch
    ) -> None:
        if kind is ReasoningDelta:
            batch.add_text(ReasoningDelta, text)
        elif self._saw_reasoning_field or self._tags.passing:
            for event in self._tags.flush():
                batch.add(event)
            batch.add_text(ContentDelta, text)
        else:
            for event in self._tags.feed(text):
                batch.add(event)

    def _parse(self, payload: str, batch: EventBatch) -> None:
        if payload == "[DONE]":
            self.done = True
            return
        try:
            chunk = json.loads(payload)
        except ValueError:
            self.skipped += 1
            return
        if not isinstance(chunk, dict):
            self.skipped += 1
            return
        self.saw_data = True
        if chunk.get("error"):
            raise StreamErrorEvent(
                f"The server reported an error mid-answer: {error_message(chunk['error'])}"
            )
        if isinstance(chunk.get("model"), str):
            self.model = chunk["model"]
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.usage = Usage.from_wire(usage)
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices:
            return
        choice = choices[0]
        if not isinstance(choice, dict):
            self.skipped += 1
            return
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            delta = choice.get("message") if isinstance(choice.get("message"), dict) else {}
        reasoning = delta.get("reasoning_content")
        if reasoning is None:
            reasoning = delta.get("reasoning")
        if isinstance(reasoning, str):
            self._saw_reasoning_field = True
            if reasoning:
                self._text(ReasoningDelta, reasoning, batch)
        content = delta.get("content")
        if isinstance(content, str) and content:
            self._text(ContentDelta, content, batch)
        calls = delta.get("tool_calls")
        if calls is not None:
            self._tool_calls.add(calls)
        finish = choice.get("finish_reason")
        if isinstance(finish, str) and finish:
            self.finish_reason = FinishReason.parse(finish)
        self._learn_shape(payload, chunk, reasoning, content)

    def _learn_shape(self, payload: str, chunk: dict, reasoning: object, content: object) -> None:
        """Remember where this chunk's text sits, when it is a plain text chunk."""
        if self._shape is not None:
            self._useless_shapes = 0 if self._shape_used else self._useless_shapes + 1
        self._shape, self._shape_used = None, False
        self._misses += 1
        if self._useless_shapes >= _USELESS_SHAPES and self._misses % 256:
            return
        choice = chunk["choices"][0]
        delta = choice.get("delta")
        if isinstance(chunk.get("usage"), dict) or choice.get("finish_reason"):
            return  # the end of the answer: no more chunks like it
        if not isinstance(delta, dict) or delta.get("tool_calls") is not None:
            # A chunk of a tool call is never a text chunk's shape: one with the same
            # JSON around another text would be taken for text and its call lost.
            return
        if isinstance(content, str) and content and not reasoning:
            key, kind, text = "content", ContentDelta, content
        elif isinstance(reasoning, str) and reasoning and not content:
            key = "reasoning_content" if delta.get("reasoning_content") is not None else "reasoning"
            kind, text = ReasoningDelta, reasoning
        else:
            return
        self._shape = _shape_of(payload, chunk, key, kind, text)

    @property
    def finished_with_usage(self) -> bool:
        """True once the finish reason and the usage both came: nothing else is due."""
        return self.finish_reason is not None and self.usage is not None

    @property
    def complete(self) -> bool:
        """True when the stream ended properly: a finish reason or `[DONE]`."""
        return self.done or self.finish_reason is not None

    def close(self) -> Iterator[StreamEvent]:
        """End of stream. Yields held-back text, the usage, the tool calls when the
        answer ended to call them, and `Finished` if complete."""
        yield from self._tags.flush()
        if not self.complete:
            return
        if self.usage is not None:
            yield self.usage
        if self.finish_reason in (FinishReason.STOP, None) and self._tool_calls.calls():
            # Some OpenAI-style gateways end an answer that called tools with "stop"
            # (or only [DONE]): the calls it streamed are what it asked for.
            self.finish_reason = FinishReason.TOOL_CALLS
        if self.finish_reason == FinishReason.TOOL_CALLS:
            calls = self._tool_calls.calls()
            if not calls:
                raise ProtocolError(
                    "The server said the answer ended to call a tool, but sent no call."
                )
            yield ToolCalls(calls)
        skipped = self.skipped + self._tool_calls.skipped
        yield Finished(self.finish_reason or FinishReason.STOP, skipped_lines=skipped)


def _shape_of(
    payload: str,
    chunk: dict,
    key: str,
    kind: type[ContentDelta] | type[ReasoningDelta],
    text: str,
) -> _Shape | None:
    """The shape of `payload` around the text in `choices[0].delta[key]`, or None when
    that text cannot be found as one string in it (escaped keys, duplicates…)."""
    found = list(_TEXT_KEYS[key].finditer(payload))
    if len(found) != 1:
        return None
    start = found[0].end() - 1  # the opening quote
    try:
        value, end = scanstring(payload, start + 1)
    except ValueError:
        return None
    if value != text:
        return None
    prefix, suffix = payload[:start], payload[end:]
    # Proof that the string is the delta's text and nothing else: a chunk with another
    # string there parses to this chunk with that text (a string is one token, so
    # what holds for one holds for all).
    try:
        probe = json.loads(f"{prefix}{json.dumps(_PROBE)}{suffix}")
        probe_delta = probe["choices"][0]["delta"]
        if probe_delta[key] != _PROBE:
            return None
        probe_delta[key] = text
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if probe != chunk:
        return None
    return _Shape(prefix, suffix, kind, len(prefix), len(suffix))


class WireDecoder:
    """A stream's body, read by read, into events: `SSEParser` and `ChunkDecoder`, and
    where the parser is between two events, the run of records of one shape that
    follows goes straight to text (`ChunkDecoder.take_run`). The start of a record a
    read cut is held for the next read, so that runs go on across reads."""

    def __init__(self) -> None:
        self.parser = SSEParser()
        self.chunks = ChunkDecoder()
        self.first_data = ""  # the first event with data (its chunk id is logged)
        self._held = ""

    def read(self, text: str, batch: EventBatch) -> int:
        """Decode one read into `batch`; how many events it completed. An error event
        (or a broken stream) raises once what came before it is in `batch`."""
        if self._held:
            text, self._held = self._held + text, ""
        done = 0
        if not self.parser.idle and self.chunks.has_shape:
            # Back in step: the parser takes the text up to the next event's end.
            cut = text.find("\n\n") + 2
            if cut > 1:
                done += self._decode(self.parser.feed(text[:cut]), batch)
                text = text[cut:]
        if self.parser.idle:
            taken = self.chunks.take_run(text, batch, self.parser.max_line)
            if taken:
                done += 1
                text = text[taken:]
                if "\n\n" not in text and len(text) < self.parser.max_line:
                    text, self._held = "", text  # the next record, cut by the read
        return done + self._decode(self.parser.feed(text), batch)

    def end(self, batch: EventBatch) -> int:
        """The body ended: decode what was held and the event left open."""
        held, self._held = self._held, ""
        done = self._decode(self.parser.feed(held), batch)
        return done + self._decode(self.parser.close(), batch)

    def _decode(self, events: list[ServerSentEvent], batch: EventBatch) -> int:
        for sse in events:
            if sse.event == "error":
                raise error_event(sse.data)
            self.chunks.feed_into(sse.data, batch)
            if not self.first_data and self.chunks.saw_data:
                self.first_data = sse.data
        return len(events)
