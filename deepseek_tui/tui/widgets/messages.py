"""One widget per message: the user's question, and an answer with its reasoning."""

from __future__ import annotations

import asyncio
import re
import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Collapsible, Markdown, Static
from textual.widgets.markdown import MarkdownStream

from deepseek_tui.api.events import Usage
from deepseek_tui.pricing import format_cost


class UserMessage(Static):
    """The user's message, shown as typed: never interpreted as markup."""

    def __init__(self, text: str, *, branch: str = "") -> None:
        super().__init__(classes="user-message", markup=False)
        self.text = text
        self.branch = branch
        self.update(self._shown())

    def _shown(self) -> Text:
        shown = Text(sanitize(self.text))
        if self.branch:
            shown = Text.assemble((f"{self.branch}  ←/→ in an empty composer\n", "dim"), shown)
        return shown

    def set_branch(self, branch: str) -> None:
        self.branch = branch
        self.update(self._shown())


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
# cost of each append grows with the blocks in its widget (DESIGN.md "Streaming render").
SEGMENT_CHARS = 4096
_FENCES = ("```", "~~~")
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
        self._md_fence: str | None = None
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
        stripped = line.strip()
        if self._md_fence is None and stripped.startswith(_FENCES):
            self._md_fence = stripped[:3]
        elif self._md_fence is not None and stripped.startswith(self._md_fence):
            self._md_fence = None
        elif not stripped and self._md_fence is None and self._md_size >= self.segment_chars:
            self._md_splitting = True

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


REASON_LABELS = {
    "stopped": "stopped: ctrl+f continues it",
    "interrupted": "interrupted: ctrl+f continues it, ctrl+r regenerates it",
    "length": "cut at max_tokens: ctrl+f continues it",
    "error": "failed: ctrl+r retries",
}


def status_line(reason: str | None, usage: Usage | None, cost: float | None) -> str:
    """The line under an answer: how it ended (with what to do), tokens, cost."""
    parts = []
    if reason in REASON_LABELS:
        parts.append(REASON_LABELS[reason])
    elif reason not in (None, "stop"):
        parts.append(f"finish: {reason}")
    if usage:
        parts.append(f"{usage.prompt_tokens:,} in · {usage.completion_tokens:,} out")
    if cost is not None:
        parts.append(format_cost(cost))
    return " · ".join(parts)


# C0 controls (but tab and newline) and C1 controls become visible symbols, so an
# ANSI/OSC sequence or a stray backspace in a model's text is shown, never run.
_CONTROLS = {code: 0x2400 + code for code in range(32) if code not in (9, 10)}
_CONTROLS[0x7F] = 0x2421  # DEL
_CONTROLS.update({code: 0xFFFD for code in range(0x80, 0xA0)})
_CONTROLS[13] = None  # a bare carriage return: drop it (CRLF line ends)
_HAS_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitize(text: str) -> str:
    """Make control characters visible so ANSI/OSC sequences are shown, not run."""
    if _HAS_CONTROL.search(text) is None:
        return text
    return text.translate(_CONTROLS)


class AssistantMessage(Vertical):
    """An answer: model badge, collapsible reasoning panel, the Markdown answer."""

    status: reactive[str] = reactive("")

    def __init__(
        self,
        *,
        model: str,
        content: str = "",
        reasoning: str = "",
        finished: bool = False,
        reasoning_expanded: bool = False,
        status: str = "",
        branch: str = "",
        reasoning_tokens: int = 0,
    ) -> None:
        super().__init__(classes="assistant-message")
        self.model = model
        self.content = content
        self.reasoning = reasoning
        self.finished = finished
        self.reasoning_expanded = reasoning_expanded
        self.branch = branch
        self._reasoning_title = (
            f"Reasoning · {reasoning_tokens:,} tokens" if reasoning_tokens else "Reasoning"
        )
        self.started = time.monotonic()
        self._answer_started = bool(content)
        self.set_reactive(AssistantMessage.status, status)

    def compose(self) -> ComposeResult:
        yield Static(self._badge(), classes="badge")
        # Live ("Thinking…", open) only while a new answer has not started; a stored
        # or continued answer shows its reasoning as a closed panel.
        live = not self.finished and not self._answer_started
        panel = Collapsible(
            SegmentedMarkdown(self.reasoning, classes="reasoning-text"),
            title="Thinking…" if live else self._reasoning_title,
            collapsed=not live and not self.reasoning_expanded,
            classes="reasoning",
        )
        panel.display = bool(self.reasoning) or live
        yield panel
        yield SegmentedMarkdown(self.content, classes="answer")
        yield Static("", classes="meta")

    def _badge(self) -> Text:
        badge = Text(self.model, style="bold")
        if self.branch:
            badge.append(f"  {self.branch}  ←/→ in an empty composer", style="dim")
        return badge

    def set_branch(self, branch: str) -> None:
        self.branch = branch
        self.query_one(".badge", Static).update(self._badge())

    def on_mount(self) -> None:
        if not self.finished and not self.reasoning:
            self.query_one(".reasoning", Collapsible).display = False
        self._show_status()

    @property
    def panel(self) -> Collapsible:
        return self.query_one(".reasoning", Collapsible)

    async def add_reasoning(self, text: str) -> None:
        self.reasoning += text
        panel = self.panel
        if not panel.display:
            panel.display = True
            panel.collapsed = self._answer_started and not self.reasoning_expanded
        await self.query_one(".reasoning-text", SegmentedMarkdown).write(text)

    async def add_content(self, text: str) -> None:
        if not self._answer_started:
            self._answer_started = True
            if self.reasoning:
                seconds = time.monotonic() - self.started
                self.panel.title = f"Thought for {seconds:.1f} s"
                self.panel.collapsed = not self.reasoning_expanded
        self.content += text
        await self.query_one(".answer", SegmentedMarkdown).write(text)

    async def finish(
        self,
        *,
        usage: Usage | None,
        reason: str | None,
        error: str = "",
        cost: float | None = None,
    ) -> None:
        self.finished = True
        for part in self.query(SegmentedMarkdown):
            await part.finish()
        panel = self.panel
        if self.reasoning:
            if panel.title == "Thinking…":
                seconds = time.monotonic() - self.started
                panel.title = f"Thought for {seconds:.1f} s"
            if usage and usage.reasoning_tokens and panel.title.startswith("Thought for"):
                panel.title += f" · {usage.reasoning_tokens:,} tokens"
        else:
            panel.display = False
        # The error sentence already says what to do next; no second hint under it.
        self.status = status_line(None if error else reason, usage, cost)
        if error:
            self.mount(Static(Text(error), classes="error"), before=self.query_one(".meta"))

    def watch_status(self) -> None:
        if self.is_mounted:
            self._show_status()

    def _show_status(self) -> None:
        meta = self.query_one(".meta", Static)
        meta.update(Text(self.status, style="dim"))
        meta.display = bool(self.status)
