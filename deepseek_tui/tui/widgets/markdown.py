"""Markdown that streams in at any length with a bounded cost per frame.

The text is cut into top-level blocks (`BlockSplitter`). A finished block is rendered
once by Rich's Markdown into strips and kept; only the block still being written is
rendered again as text arrives. The widget draws with Textual's line API, so a frame
costs what the visible lines cost, not what the whole answer costs
(docs/architecture.md, "Streaming render").
"""

from __future__ import annotations

import copy
import io
import time
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text
from rich.theme import Theme as RichTheme
from textual.color import Color
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from deepseek_tui.markdown import BlockSplitter
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.themes import code_theme, solid_colour

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from rich.markdown import Markdown


def fit_columns(narrowest: list[int], widest: list[int], available: int) -> list[int]:
    """Widths for a table's columns within `available` cells: each column as wide as its
    widest cell while they all fit; otherwise the widest columns are narrowed first, to
    a common cap, and none below its longest word (`narrowest`). When even the longest
    words do not fit side by side, the longest of them are cut (to wrap mid-word)."""
    if sum(widest) <= available:
        return list(widest)
    if sum(narrowest) > available:
        return fit_columns([1] * len(narrowest), narrowest, available)
    floors = narrowest

    def width(floor: int, ceiling: int, cap: int) -> int:
        return min(ceiling, max(floor, cap))

    def total(cap: int) -> int:
        return sum(width(f, c, cap) for f, c in zip(floors, widest, strict=True))

    low, high = 0, max(widest)  # total(low) fits (or nothing can), total(high) does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if total(middle) <= available else (low, middle)
    widths = [width(f, c, low) for f, c in zip(floors, widest, strict=True)]
    spare = available - sum(widths)
    for index, ceiling in enumerate(widest):  # the rest, a cell each, left to right
        if spare <= 0:
            break
        if widths[index] == low < ceiling:
            widths[index] += 1
            spare -= 1
    return widths


@cache
def _markdown_class() -> type[Markdown]:
    """Rich's Markdown with our headings, code blocks and tables. Built on first use:
    the Markdown stack (markdown-it, Pygments) stays off the start path."""
    from rich import box
    from rich.markdown import CodeBlock, Heading, Markdown, TableElement
    from rich.measure import Measurement
    from rich.syntax import Syntax
    from rich.table import Table

    class LevelHeading(Heading):
        """Headings on the left, as in the rest of the app (Rich centres h1); h1 and h2
        are underlined by a rule as long as their text, heavy for h1 and light for h2,
        so that every level looks different (the styles are in `markdown_theme`)."""

        RULES = {"h1": ("━", "markdown.h1.rule"), "h2": ("─", "markdown.h2.rule")}

        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            text = self.text.copy()
            text.justify = "left"
            yield text
            if self.tag in self.RULES:
                character, style = self.RULES[self.tag]
                lines = text.wrap(console, options.max_width)
                width = max((cell_len(line.plain.rstrip()) for line in lines), default=0)
                yield Text(character * width, style=style)

    class PlainCodeBlock(CodeBlock):
        """Code on its own background, wrapped, with one column of padding."""

        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            code = str(self.text).rstrip()
            yield Syntax(code, self.lexer_name, theme=self.theme, word_wrap=True, padding=(0, 1))

    class FittedTable(TableElement):
        """A table as wide as its content, flush with the text around it, each column
        aligned as its `:--`, `:-:` or `--:` says. Rows take one line while the table
        fits the width; when it does not, the widest columns wrap first (`fit_columns`)."""

        GAP = 2  # cells between two columns: one of padding, one of (blank) border

        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            header = self.header.row.cells if self.header and self.header.row else []
            rows = [row.cells for row in self.body.rows] if self.body else []
            count = max([len(header), *(len(row) for row in rows)])
            if not count:
                return
            narrowest, widest = [1] * count, [1] * count
            for row in [header, *rows]:
                for index, cell in enumerate(row):
                    low, high = Measurement.get(console, options, cell.content)
                    narrowest[index] = max(narrowest[index], low)
                    widest[index] = max(widest[index], high)
            available = options.max_width - self.GAP * (count - 1)
            widths = fit_columns(narrowest, widest, available) if available >= count else None
            table = Table(
                box=box.SIMPLE_HEAD,
                show_edge=False,
                pad_edge=False,
                padding=(0, self.GAP - 1, 0, 0),
                style="markdown.table.border",
                show_header=bool(header),
            )
            for index in range(count):
                cell = header[index] if index < len(header) else None
                heading = cell.content.copy() if cell else Text()
                heading.stylize("markdown.table.header")
                justify = cell.content.justify if cell else None
                table.add_column(
                    heading,
                    justify=justify if justify in ("center", "right") else "left",
                    overflow="fold",  # a word wider than its column wraps, not cut short
                    width=widths[index] if widths else None,
                )
            for row in rows:
                table.add_row(*(cell.content for cell in row))
            yield table

    class AppMarkdown(Markdown):
        elements = {
            **Markdown.elements,
            "heading_open": LevelHeading,
            "fence": PlainCodeBlock,
            "code_block": PlainCodeBlock,
            "table_open": FittedTable,
        }

    return AppMarkdown


@cache
def _template(code_theme: str) -> Markdown:
    """An empty document to copy: Rich builds a new markdown-it parser for every
    document, a sixth of the time of a block, so blocks share one parser instead."""
    return _markdown_class()("", code_theme=code_theme, hyperlinks=False)


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt().enable("strikethrough").enable("table")  # as Rich's Markdown does


def _markdown(text: str, code_theme: str) -> Markdown:
    markdown = copy.copy(_template(code_theme))
    markdown.markup = text
    markdown.parsed = _parser().parse(text)
    return markdown


def markdown_theme(variables: dict[str, str], background: Color, foreground: Color) -> RichTheme:
    """Rich's Markdown styles from the app theme's colours."""

    def colour(name: str, fallback: str) -> str:
        try:
            return solid_colour(variables[name], background, foreground).hex6
        except (KeyError, ValueError):
            return fallback

    accent = colour("accent", "cyan")
    primary = colour("primary", "blue")
    muted = colour("text-muted", "grey50")
    code_bg = colour("boost", "black")
    return RichTheme(
        {
            # Each level its own look, from loud to quiet; body text has none of these.
            "markdown.h1": f"bold {accent}",
            "markdown.h1.rule": accent,
            "markdown.h2": f"bold {accent}",
            "markdown.h2.rule": muted,
            "markdown.h3": f"bold {accent}",
            "markdown.h4": "bold underline",
            "markdown.h5": f"bold italic {muted}",
            "markdown.h6": f"italic {muted}",
            "markdown.code": f"{accent} on {code_bg}",
            "markdown.block_quote": f"italic {muted}",
            "markdown.list": primary,
            "markdown.item.bullet": f"bold {primary}",
            "markdown.item.number": f"bold {primary}",
            "markdown.hr": muted,
            "markdown.link": f"underline {primary}",
            "markdown.link_url": f"underline {primary}",
            "markdown.table.border": muted,
            "markdown.table.header": f"bold {accent}",
        },
        inherit=True,
    )


class Renderer:
    """Renders Markdown blocks into strips at one width, with one look."""

    def __init__(self, width: int, theme: RichTheme, *, code_theme: str, base: Style) -> None:
        self.width = max(width, 1)
        self.base = base
        self.code_theme = code_theme
        self.console = Console(
            width=self.width,
            file=io.StringIO(),
            theme=theme,
            color_system="truecolor",
            force_terminal=True,
            legacy_windows=False,
            emoji=False,
            markup=False,
            highlight=False,
        )
        self._prefix_lines: dict[str, int] = {}

    def render(self, text: str) -> list[Strip]:
        """`text` as one document."""
        return self._render(text)[0]

    def render_block(self, text: str, after: Block | None) -> Block:
        """One block as it shows inside the whole text, after the block `after`.

        Rich puts a blank line before an element when the element closed before it
        asks for one (all but a rule do), so a block is rendered behind a stand-in
        for the end of the block before it, and the stand-in's lines are dropped.
        """
        if not text.strip():
            return Block([], False)
        if after is None:
            strips, ends_with_rule = self._render(text)
            return Block(strips, ends_with_rule)
        prefix = RULE_PREFIX if after.ends_with_rule else PARAGRAPH_PREFIX
        skip = self._prefix_lines.get(prefix)
        if skip is None:
            skip = self._prefix_lines[prefix] = len(self._render(prefix)[0])
        strips, ends_with_rule = self._render(prefix + text)
        return Block(strips[skip:], ends_with_rule)

    def render_plain(self, text: str, style: Style) -> Block:
        """Text shown as it is, wrapped: for a block too large to render as Markdown."""
        lines = self.console.render_lines(
            Text(text.rstrip("\n"), style=style),
            self.console.options.update(width=self.width),
            pad=False,
        )
        return Block([Strip(line) for line in lines], False)

    def _render(self, text: str) -> tuple[list[Strip], bool]:
        if not text.strip():
            return [], False
        markdown = _markdown(text, self.code_theme)
        top_level = [token for token in markdown.parsed if token.level == 0]
        ends_with_rule = bool(top_level) and top_level[-1].type == "hr"
        options = self.console.options.update(width=self.width)
        lines = self.console.render_lines(markdown, options, style=self.base, pad=False)
        return [Strip(line) for line in lines], ends_with_rule


# Stand-ins for the end of the block before: a paragraph, or a thematic break.
PARAGRAPH_PREFIX = "x\n\n"
RULE_PREFIX = "---\n\n"


@dataclass(frozen=True, slots=True)
class Block:
    """A rendered block: its lines (with the blank line before it, if any)."""

    strips: list[Strip]
    ends_with_rule: bool


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
