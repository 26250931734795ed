"""An incremental Server-Sent Events parser that yields each complete event.

We parse SSE ourselves rather than through httpx-sse because the wire needs three
things that library does not do: accept a stream whatever its Content-Type (some
gateways send SSE as `text/plain` or `application/json`), dispatch a last event that
has no blank line after it at EOF, and split several `data:` lines that a sloppy
gateway sends without blank lines between them into separate events when they are
each a JSON document. Pure and synchronous, so it is property-tested on arbitrary
chunkings.
"""

from __future__ import annotations

from typing import NamedTuple

from deepseek_tui.api.errors import StreamLineTooLong

# A line longer than this is a broken or hostile server, not an answer chunk.
MAX_LINE = 8 * 1024 * 1024
_BOM = "\ufeff"


class ServerSentEvent(NamedTuple):
    """One dispatched event: its data, and its `event:` name ("message" when none).
    A tuple: one is made per chunk, millions for a long answer."""

    data: str
    event: str = "message"


class SSEParser:
    """Feed text as it arrives; get back each event it completed.

    Comment lines (`: keep-alive`) are ignored and never produce an event, so a
    caller can measure "time since the last data" by what `feed` returns. Text is
    scanned once: a line still without its end is kept in pieces and joined once,
    so one long line fed in small pieces costs linear time. A line longer than
    `max_line` characters raises `StreamLineTooLong`.
    """

    __slots__ = (
        "_data",
        "_event",
        "_pending",
        "_pending_size",
        "_started",
        "_trailing_cr",
        "max_line",
    )

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._pending: list[str] = []  # the start of a line whose end has not come yet
        self._pending_size = 0
        self._data: list[str] = []
        self._event = ""
        self._started = False
        self._trailing_cr = False

    @property
    def idle(self) -> bool:
        """Past the stream's start, between two events: holding no line, data or name."""
        return self._started and not (
            self._pending or self._data or self._event or self._trailing_cr
        )

    def feed(self, text: str) -> list[ServerSentEvent]:
        """Parse more text; return the events it completed."""
        if not text:
            return []  # nothing happened: a "\r" just before stays pending
        if not self._started:
            self._started = True
            if text.startswith(_BOM):  # the SSE spec strips one at the stream's start
                text = text[1:]
        if self._trailing_cr:
            # A "\r\n" split across two chunks: the "\r" already ended the line.
            self._trailing_cr = False
            if text.startswith("\n"):
                text = text[1:]
        events: list[ServerSentEvent] = []
        if "\r" in text:
            self._feed_any(text, events)
        else:
            self._feed_lf(text, events)
        return events

    def _feed_lf(self, text: str, events: list[ServerSentEvent]) -> None:
        """`feed` for text whose lines all end in "\n" (nearly every server): split in
        one call, and the common lines (data, blank, comment) handled inline."""
        lines = text.split("\n")
        rest = lines.pop()
        if lines:
            if self._pending:
                self._pending.append(lines[0])
                lines[0] = "".join(self._pending)
                self._pending.clear()
                self._pending_size = 0
            self._check(max(map(len, lines)))
            data = self._data
            for line in lines:
                if not line:
                    if data or self._event:
                        self._dispatch(events)
                        data = self._data
                elif line.startswith("data:"):
                    data.append(line[6:] if line.startswith("data: ") else line[5:])
                elif line[0] != ":":
                    self._line(line, events)
        if rest:
            self._pending.append(rest)
            self._pending_size += len(rest)
            self._check(self._pending_size)

    def _feed_any(self, text: str, events: list[ServerSentEvent]) -> None:
        """`feed` for text with "\r" in it: lines may end in "\r\n", "\r" or "\n"."""
        start = 0
        length = len(text)
        # str.find runs at memory speed (a regex walks each character in Python's
        # engine); each position is searched again only once the scan has passed it.
        cr = text.find("\r")
        lf = text.find("\n")
        while cr != -1 or lf != -1:
            if cr == -1 or (lf != -1 and lf < cr):
                end = next_start = lf
            else:
                end = next_start = cr
                if cr + 1 < length and text[cr + 1] == "\n":
                    next_start += 1
            line = text[start:end]
            if self._pending:
                self._pending.append(line)
                line = "".join(self._pending)
                self._pending.clear()
                self._pending_size = 0
            self._check(len(line))
            self._line(line, events)
            start = next_start + 1
            if cr != -1 and cr < start:
                cr = text.find("\r", start)
            if lf != -1 and lf < start:
                lf = text.find("\n", start)
        if start < length:
            rest = text[start:]
            self._pending.append(rest)
            self._pending_size += len(rest)
            self._check(self._pending_size)
        elif text.endswith("\r"):
            # It ended the line; a "\n" in the next chunk belongs to it.
            self._trailing_cr = True

    def close(self) -> list[ServerSentEvent]:
        """End of stream: dispatch whatever event is still open."""
        events: list[ServerSentEvent] = []
        if self._pending:
            line = "".join(self._pending)
            self._pending.clear()
            self._pending_size = 0
            self._line(line, events)
        self._dispatch(events)
        return events

    def _check(self, size: int) -> None:
        if size > self.max_line:
            self._pending.clear()
            self._pending_size = 0
            raise StreamLineTooLong(
                f"The server sent a line longer than {_size(self.max_line)}; "
                "the answer was stopped there."
            )

    def _line(self, line: str, events: list[ServerSentEvent]) -> None:
        if not line:
            self._dispatch(events)
            return
        if line.startswith(":"):
            return
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        # id: and retry: carry nothing we use

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        event, self._event = self._event or "message", ""
        data, self._data = self._data, []
        if not data:
            if event == "error":  # a gateway's error without data is still an error
                events.append(ServerSentEvent("", event))
            return
        if len(data) > 1 and all(_looks_like_document(part) for part in data):
            events.extend(ServerSentEvent(part, event) for part in data)
        else:
            events.append(ServerSentEvent("\n".join(data), event))


def _looks_like_document(part: str) -> bool:
    stripped = part.strip()
    return stripped == "[DONE]" or (stripped.startswith("{") and stripped.endswith("}"))


def _size(chars: int) -> str:
    if chars >= 1024 * 1024:
        return f"{chars / (1024 * 1024):g} MB"
    return f"{chars:,} characters"
