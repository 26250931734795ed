"""Markdown that streams in: one widget fed through a `MarkdownStream`, and a long
answer split into segments so each append stays cheap."""

from __future__ import annotations

import asyncio
import re

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream

from deepseek_tui.markdown import FenceScanner
from deepseek_tui.terminal import sanitize


class StreamingMarkdown(Markdown):
    """A Markdown widget fed through a `MarkdownStream`.

    Rich markup in the model's text is never interpreted: Markdown renders through
    markdown-it, and we strip terminal escape sequences before they reach it.
    """

    def __init__(self, text: str = "", *, classes: str = "", id: str | None = None) -> None:
        super().__init__(sanitize(text), classes=classes, id=id, open_links=False)
        self._stream: MarkdownStream | None = None
        self._written: list[str] = []

    async def write(self, text: str) -> None:
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        text = sanitize(text)
        self._written.append(text)
        await self._stream.write(text)

    async def finish(self) -> None:
        """End the stream. If the widget's source ever differs from what was written
        (a known MarkdownStream pitfall in older Textual), render it once in full;
        comparing is cheap, a full re-render of a long answer is not."""
        if self._stream is None:
            return
        await self._stream.stop()
        self._stream = None
        expected = "".join(self._written)
        if self.source != expected:
            await self.update(expected)


# A long answer is split into Markdown segments of about this many characters: the
# cost of each append grows with the blocks in its widget (docs/architecture.md, "Streaming").
SEGMENT_CHARS = 4096
_CONTINUATION = re.compile(r"^(\s|[-*+>|]|\d+[.)])")


class SegmentedMarkdown(Vertical):
    """Streamed Markdown in segments: a new segment starts after a blank line, outside
    a code fence, once the current one passes `segment_chars`, and only before a line
    that starts a new top-level block (not a list item, quote, table row or indent)."""

    DEFAULT_CSS = """
    SegmentedMarkdown { height: auto; layout: stream; }
    SegmentedMarkdown > StreamingMarkdown { margin: 0; padding: 0; }
    """

    def __init__(
        self,
        text: str = "",
        *,
        classes: str = "",
        id: str | None = None,
        segment_chars: int = SEGMENT_CHARS,
    ) -> None:
        super().__init__(classes=classes, id=id)
        self._md_initial = text
        self.segment_chars = segment_chars
        self._md_written: list[str] = []
        self._md_line = ""  # the line being written, for fence tracking
        self._md_fences = FenceScanner()
        self._md_size = len(text)
        self._md_held: list[str] = []  # text after a possible split point, undecided
        self._md_splitting = False
        self._md_closing: list[asyncio.Future[None]] = []

    def compose(self) -> ComposeResult:
        self._md_current = StreamingMarkdown(self._md_initial)
        yield self._md_current

    @property
    def source(self) -> str:
        return "".join(segment.source for segment in self.query(StreamingMarkdown))

    async def write(self, text: str) -> None:
        self._md_written.append(text)
        run: list[str] = []  # consecutive pieces for the current segment: one write
        for piece in text.splitlines(keepends=True):
            if self._md_splitting:
                if run:
                    await self._md_current.write("".join(run))
                    run = []
                self._md_held.append(piece)
                await self._decide(final=False)
            else:
                run.append(piece)
                self._track(piece)
        if run:
            await self._md_current.write("".join(run))

    def _track(self, piece: str) -> None:
        self._md_size += len(piece)
        self._md_line += piece
        if not piece.endswith("\n"):
            return
        line, self._md_line = self._md_line, ""
        fences = self._md_fences
        if not fences.inside and not line.strip() and self._md_size >= self.segment_chars:
            self._md_splitting = True
        fences.feed(line)

    async def _decide(self, *, final: bool) -> None:
        held = "".join(self._md_held)
        body = held.lstrip("\r\n")
        if not final and (len(body) < 4 and "\n" not in body):
            return  # not enough of the next line yet
        self._md_held, self._md_splitting = [], False
        if body and not _CONTINUATION.match(body):
            # The finished segment renders its last appends on its own time: waiting
            # for it here would stall the stream at every split.
            self._md_closing.append(asyncio.ensure_future(self._md_current.finish()))
            self._md_current = StreamingMarkdown()
            await self.mount(self._md_current)
            self._md_size = 0
        for piece in held.splitlines(keepends=True):
            self._track(piece)
        await self._md_current.write(held)

    async def finish(self) -> None:
        if self._md_splitting:
            await self._decide(final=True)
        if self._md_closing:
            await asyncio.gather(*self._md_closing)
            self._md_closing.clear()
        await self._md_current.finish()
        expected = self._md_initial + "".join(self._md_written)
        if self.source != sanitize(expected):
            # Never lose text to a rendering quirk: one segment with all of it.
            await self.remove_children()
            self._md_current = StreamingMarkdown(expected)
            await self.mount(self._md_current)
