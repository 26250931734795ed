"""Turns DeepSeek stream chunks (JSON payloads) into typed events. Pure, no I/O."""

from __future__ import annotations

import json
from collections.abc import Iterator

from deepseek_tui.api.errors import StreamErrorEvent, error_message
from deepseek_tui.api.events import (
    ContentDelta,
    Finished,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    Usage,
)

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


class ChunkDecoder:
    """Feed it each SSE data payload; it yields events and remembers the state.

    Rules: `[DONE]` ends the stream; reasoning comes in
    `reasoning_content` or `reasoning` (tested with `is not None`, one of the two
    keys is null); usage may ride on the finish chunk or on an extra `choices: []`
    chunk, and the last non-null one wins; a payload that is not JSON is skipped and
    counted; `{"error": …}` raises `StreamErrorEvent`.
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

    def feed(self, payload: str) -> Iterator[StreamEvent]:
        payload = payload.strip()
        if not payload:
            return
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
                yield ReasoningDelta(reasoning)
        content = delta.get("content")
        if isinstance(content, str) and content:
            if self._saw_reasoning_field:
                yield from self._tags.flush()
                yield ContentDelta(content)
            else:
                yield from self._tags.feed(content)
        finish = choice.get("finish_reason")
        if isinstance(finish, str) and finish:
            self.finish_reason = FinishReason.parse(finish)

    @property
    def finished_with_usage(self) -> bool:
        """True once the finish reason and the usage both came: nothing else is due."""
        return self.finish_reason is not None and self.usage is not None

    @property
    def complete(self) -> bool:
        """True when the stream ended properly: a finish reason or `[DONE]`."""
        return self.done or self.finish_reason is not None

    def close(self) -> Iterator[StreamEvent]:
        """End of stream. Yields held-back text, the usage and `Finished` if complete."""
        yield from self._tags.flush()
        if not self.complete:
            return
        if self.usage is not None:
            yield self.usage
        yield Finished(self.finish_reason or FinishReason.STOP, skipped_lines=self.skipped)
