"""An incremental Server-Sent Events parser that yields the `data` payloads.

We parse SSE ourselves rather than through httpx-sse because the wire needs three
things that library does not do: accept a stream whatever its Content-Type (some
gateways send SSE as `text/plain` or `application/json`), dispatch a last event that
has no blank line after it at EOF, and split several `data:` lines that a sloppy
gateway sends without blank lines between them into separate events when they are
each a JSON document. Pure and synchronous, so it is property-tested on arbitrary
chunkings.
"""

from __future__ import annotations


class SSEParser:
    """Feed text as it arrives; get back the data payload of each complete event.

    Comment lines (`: keep-alive`) are ignored and never produce a payload, so a
    caller can measure "time since the last data" by what `feed` returns.
    """

    __slots__ = ("_buffer", "_data", "_trailing_cr")

    def __init__(self) -> None:
        self._buffer = ""
        self._data: list[str] = []
        self._trailing_cr = False

    def feed(self, text: str) -> list[str]:
        """Parse more text; return the payloads of the events it completed."""
        if self._trailing_cr:
            # A "\r\n" split across two chunks: the "\r" already ended the line.
            self._trailing_cr = False
            if text.startswith("\n"):
                text = text[1:]
        if not text:
            return []
        buffer = self._buffer + text
        payloads: list[str] = []
        start = 0
        length = len(buffer)
        while True:
            cr = buffer.find("\r", start)
            lf = buffer.find("\n", start)
            if cr == -1 and lf == -1:
                break
            if cr == -1 or (lf != -1 and lf < cr):
                end, next_start = lf, lf + 1
            elif cr + 1 < length:
                end = cr
                next_start = cr + 2 if buffer[cr + 1] == "\n" else cr + 1
            else:  # "\r" is the last char: it ends the line, a "\n" may follow later
                end, next_start = cr, cr + 1
                self._trailing_cr = True
            self._line(buffer[start:end], payloads)
            start = next_start
        self._buffer = buffer[start:]
        return payloads

    def close(self) -> list[str]:
        """End of stream: dispatch whatever event is still open."""
        payloads: list[str] = []
        if self._buffer:
            self._line(self._buffer, payloads)
            self._buffer = ""
        self._dispatch(payloads)
        return payloads

    def _line(self, line: str, payloads: list[str]) -> None:
        if not line:
            self._dispatch(payloads)
            return
        if line.startswith(":"):
            return
        name, _, value = line.partition(":")
        if name != "data":
            return  # event:, id:, retry: carry nothing we use
        if value.startswith(" "):
            value = value[1:]
        self._data.append(value)

    def _dispatch(self, payloads: list[str]) -> None:
        if not self._data:
            return
        data, self._data = self._data, []
        if len(data) > 1 and all(_looks_like_document(part) for part in data):
            payloads.extend(data)
        else:
            payloads.append("\n".join(data))


def _looks_like_document(part: str) -> bool:
    stripped = part.strip()
    return stripped == "[DONE]" or (stripped.startswith("{") and stripped.endswith("}"))
