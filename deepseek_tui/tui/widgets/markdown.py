"""Markdown that streams in at any length with a bounded cost per frame.

The text is cut into top-level blocks (`BlockSplitter`). A finished block is rendered
once by Rich's Markdown into strips and kept; only the block still being written is
rendered again as text arrives. The widget draws with Textual's line API, so a frame
costs what the visible lines cost, not what the whole answer costs
(docs/architecture.md, "Streaming render").
"""

from __future__ import annotations

import time
from bisect import bisect_right

from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from deepseek_tui.markdown import BlockSplitter
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.themes import code_theme
from deepseek_tui.tui.widgets.markdown_render import Block, Renderer, markdown_theme

# Past this many characters an answer shows its latest part only (all of it is kept
# and saved); the cost of a frame and the memory of the view stay bounded.
WINDOW_CHARS = 256_000
# While a stream outpaces the renderer by more than half the window, the blocks it
# is behind on would scroll by before the renderer reached them: they fold unseen,
# and rendering goes on from `CATCH_UP_CHARS` (a few screens) before the end
# (`MarkdownView._fold`).
BEHIND_CHARS = WINDOW_CHARS // 2
CATCH_UP_CHARS = 16_000
# A view that had to catch up so is a moving tail no one reads along: until the
# stream ends it steps after rests this long, and the event loop is mostly the
# intake's and the keys' (the screen still moves several times a second).
CAUGHT_UP_SECONDS = 0.15
# How long one frame may spend rendering new blocks while an answer streams.
FRAME_SECONDS = 0.03
# A single block larger than this is shown as plain text, not rendered as Markdown.
BLOCK_CHARS = 64_000
FOLDED = Block([], False)


class MarkdownView(Widget):
    """Markdown text that may still be growing. `write` adds text, `finish` ends it.

    What Textual asks of the widget (`get_content_height`, `render_line`) is answered
    from what is already rendered and changes nothing. Rendering is its own step
    (`_step`), run after a screen refresh whenever there is something to render: it
    renders new blocks within `FRAME_SECONDS`, then says so with `refresh(layout=True)`,
    and schedules itself again until everything written (also after `finish`) is shown
    — after as long a rest when its budget ran out while the stream still comes in
    (`_rest`) (docs/architecture.md, "Streaming render").
    """

    DEFAULT_CSS = """
    MarkdownView {
        height: auto;
    }
    """

    def __init__(self, text: str = "", *, classes: str = "", id: str | None = None) -> None:
        super().__init__(classes=classes, id=id)
        # An open block past BLOCK_CHARS shows its end as plain text: twice that is
        # kept, not the whole of it.
        self._splitter = BlockSplitter(keep_open=2 * BLOCK_CHARS)
        self._renderer: Renderer | None = None
        self._base = Style()  # the widget's own colours, as the strips were made with
        self._look: tuple[str, int] | None = None  # (theme, width) the strips were made for
        self._rendered: list[Block] = []  # one per finished block (FOLDED when not shown)
        self._sizes: list[int] = []  # characters of each finished block
        self._first = 0  # the first finished block shown
        self._tail_chars = 0  # characters of the finished blocks from `_first` on
        self._dropped_chars = 0  # characters of the folded blocks let go (`_fold`)
        self.window_chars = WINDOW_CHARS
        self._open_block = Block([], False)
        self._open_dirty = True
        self._shown: list[list[Strip]] = []  # the non-empty pieces, in order
        self._starts: list[int] = []  # the first line of each shown piece
        self._lines = 0
        self._stale = True
        self._step_due = False  # a render step is scheduled
        self._streaming = False  # written to since it was made, and not finished
        self._caught_up = False  # blocks were folded unrendered to catch up with it
        # After a new width or theme, what was shown stays until the new look has
        # rendered as many blocks (a picture that shrank while re-rendering could take
        # the scrollbar away, change the width again, and never settle).
        self._relook_blocks = 0
        if text:
            self._splitter.feed(sanitize(text))

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._restyle, init=False)
        self._schedule()

    def on_resize(self) -> None:
        self._schedule()  # the first width, or a new one: render for it

    def _restyle(self) -> None:
        self._look = None
        self._schedule()

    @property
    def source(self) -> str:
        """The text it holds: all it was given but what folded out of its window (the
        reply and the store hold the whole text)."""
        return self._splitter.text

    @property
    def settled(self) -> bool:
        """Everything written so far is rendered and shown at the widget's width."""
        return (
            self._renderer is not None
            and self._look == (self.app.theme, max(self.size.width, 1))
            and len(self._rendered) == len(self._splitter.blocks)
            and not self._open_dirty
            and not self._stale
        )

    async def write(self, text: str) -> None:
        if text:
            self._splitter.feed(sanitize(text))
            self._streaming = True
            self._open_dirty = True
            self._schedule()

    async def finish(self) -> None:
        self._splitter.finish()
        self._streaming = self._caught_up = False
        self._open_dirty = True
        self._schedule()

    # --- rendering ---------------------------------------------------------------

    def _schedule(self) -> None:
        """Run a render step after the next screen refresh (one at a time): steps
        follow frames, so keys are read between them, and the layout that a step asked
        for has run before the next step changes the height again."""
        if not self._step_due and self.is_attached:
            self._step_due = self.call_after_refresh(self._step)

    def _step(self) -> None:
        """Render what is new within the frame budget and show it."""
        self._step_due = False
        width = self.size.width
        if not width or not self.is_attached:
            return  # not laid out yet: `on_resize` schedules the first step
        lines, shown = self._lines, self._shown
        self._layout(width)
        if self._lines != lines:
            self.refresh(layout=True)
        elif self._shown is not shown:
            self.refresh()
        if self._streaming and self._caught_up:
            self._rest(CAUGHT_UP_SECONDS)  # a stream far faster than the eye
        elif self._streaming and len(self._rendered) < len(self._splitter.blocks):
            self._rest(FRAME_SECONDS)  # the budget ran out behind a stream still coming in
        elif not self.settled:
            self._schedule()

    def _rest(self, seconds: float) -> None:
        """The next step after a rest (a step's budget; `CAUGHT_UP_SECONDS` once the
        view had to catch up): a stream that outpaces the renderer never has it take
        the whole event loop, so the stream is taken in (one network read a loop turn)
        and keys and Esc are read. Once it has all come, the view catches up step
        after step."""
        self._step_due = True
        self.set_timer(seconds, self._rested)

    def _rested(self) -> None:
        self._step_due = False
        self._schedule()

    def _layout(self, width: int) -> None:
        """Render what is new (or everything, for a new width or theme) and index it."""
        look = (self.app.theme, max(width, 1))
        if self._renderer is None or look != self._look:
            app = self.app
            theme = app.current_theme
            dark = theme.dark if theme is not None else True
            background, foreground = self.background_colors[1], self.styles.color
            self._base = self.rich_style
            self._renderer = Renderer(
                look[1],
                markdown_theme(app.theme_variables, background, foreground),
                code_theme=code_theme(app.theme_variables, dark),
                base=self._base,
            )
            self._relook_blocks = len(self._rendered) if self._look is not None else 0
            self._look = look
            self._rendered = []
            self._open_dirty = self._stale = True
        self._fold()
        blocks, rendered = self._splitter.blocks, self._rendered
        # When more text is waiting than renders in FRAME_SECONDS (a fast stream, a
        # long stored answer), the rest follows in the next steps: the screen keeps
        # moving and keys (Esc too) keep being read. One block always renders, so
        # every step moves forward.
        deadline = time.perf_counter() + FRAME_SECONDS
        done = 0
        while len(rendered) < len(blocks):
            index = len(rendered)
            if index < self._first:
                rendered.append(FOLDED)
                continue
            if done and time.perf_counter() > deadline:
                break
            before = rendered[-1] if index > self._first else None
            rendered.append(self._render_one(blocks[index], before))
            done += 1
            self._open_dirty = self._stale = True
        behind = len(rendered) < len(blocks)
        if behind:
            self._open_dirty = True  # the open block waits for the blocks before it
        elif self._open_dirty:
            before = rendered[-1] if len(rendered) > self._first else None
            text = self._splitter.open_text
            if self._streaming and len(text) > BLOCK_CHARS:
                # A block too large for Markdown, still growing: its last screens, and
                # rests between steps, as for a stream the view had to catch up with.
                text = text[-CATCH_UP_CHARS:]
                self._caught_up = True
                self._open_block = self._renderer.render_plain(text, self._base)
            else:
                self._open_block = self._render_one(text, before)
            self._open_dirty = False
            self._stale = True
        if self._stale and not (behind and len(rendered) < self._relook_blocks):
            self._relook_blocks = 0
            pieces = [*rendered[self._first :]]
            if not behind:
                pieces.append(self._open_block)
            if self._first or self._dropped_chars:
                pieces.insert(0, self._folded_notice())
            self._shown = [b.strips for b in pieces if b.strips]
            self._starts, line = [], 0
            for strips in self._shown:
                self._starts.append(line)
                line += len(strips)
            self._lines = line
            self._stale = behind  # the index is whole only once nothing is behind

    def _fold(self) -> None:
        """Leave out the oldest finished blocks while the rest is over the window.

        Blocks that will fold are not rendered: while a stream outpaces the renderer
        by more than half the window, the view keeps only `CATCH_UP_CHARS` before the
        end (what can be seen, anchored at the bottom, and a little more), and the
        blocks it was behind on fold unrendered. A stream the renderer keeps up with,
        and an answer opened from the history, keep the whole window."""
        blocks = self._splitter.blocks
        while len(self._sizes) < len(blocks):
            size = len(blocks[len(self._sizes)])
            self._sizes.append(size)
            self._tail_chars += size
        window = self.window_chars
        behind = min(BEHIND_CHARS, window // 2)
        if self._streaming and window > CATCH_UP_CHARS and self._behind() > behind:
            window = CATCH_UP_CHARS
            self._caught_up = True
        while self._first < len(blocks) and self._tail_chars > window:
            self._tail_chars -= self._sizes[self._first]
            if self._first < len(self._rendered):
                self._rendered[self._first] = FOLDED  # its strips can go
            self._first += 1
            self._stale = True
        if self._first:
            self._drop_folded()

    def _drop_folded(self) -> None:
        """Let go of the folded blocks, text and all: the view holds its window, not
        the whole answer (200 MB of reasoning held it a second time). The lists stay
        aligned by index: block i, its size, its rendering (if made)."""
        first = self._first
        self._dropped_chars += sum(self._sizes[:first])
        self._splitter.drop(first)
        del self._sizes[:first]
        del self._rendered[:first]
        self._relook_blocks = max(0, self._relook_blocks - first)
        self._first = 0

    def _behind(self) -> int:
        """Characters of the finished blocks not rendered yet (nor folded)."""
        return sum(self._sizes[max(len(self._rendered), self._first) :])

    def _render_one(self, text: str, before: Block | None) -> Block:
        assert self._renderer is not None
        if len(text) > BLOCK_CHARS:
            return self._renderer.render_plain(text[-BLOCK_CHARS:], self._base)
        return self._renderer.render_block(text, before)

    def _folded_notice(self) -> Block:
        assert self._renderer is not None
        hidden = self._dropped_chars + sum(self._sizes[: self._first])
        words = (
            f"⋯ {hidden:,} earlier characters of this answer are not shown here "
            "(all of it is kept: ^b copies it, export writes it)"
        )
        notice = self._renderer.render_plain(words, self._base + Style(dim=True))
        return Block([*notice.strips, Strip([])], False)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # What is rendered, nothing more: asking must not change the answer (Textual
        # caches it until the next refresh(layout=True), which `_step` makes).
        return self._lines

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = bisect_right(self._starts, y) - 1
        if index >= 0:
            strips = self._shown[index]
            offset = y - self._starts[index]
            if offset < len(strips):
                return strips[offset].crop_extend(0, width, self._base)
        return Strip.blank(width, self._base)
