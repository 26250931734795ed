"""Rich's Markdown rendered into strips: no widget, no Textual app (`MarkdownView`
in markdown.py draws them). Our headings, code blocks and tables (`fit_columns`), the
theme's Markdown styles (`markdown_theme`), and `Renderer`, which renders one block
as it shows inside the whole text (docs/architecture.md, "Streaming render").
"""

from __future__ import annotations

import contextlib
import copy
import io
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text
from rich.theme import Theme as RichTheme
from textual.color import Color
from textual.strip import Strip

from deepseek_tui.tui.themes import solid_colour

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


# The languages whose lexers `warm_up` loads: those answers show most.
WARM_LANGUAGES = (
    "python",
    "javascript",
    "typescript",
    "bash",
    "json",
    "go",
    "c",
    "cpp",
    "rust",
    "java",
    "sql",
    "yaml",
    "html",
    "diff",
)


def warm_up(code_theme: str) -> None:
    """Load the Markdown stack, `code_theme` and the lexers of `WARM_LANGUAGES` (~0.5 s
    of imports), in a thread once the first frame is drawn: each was loaded on the
    event loop by the first block that needed it, a 100–500 ms stall in the middle of
    an answer (the first code block in C: 131 ms, in SQL: 235 ms)."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    sample = "# a\n\n**b** `c`\n\n```python\nd = 1\n```\n\n| e |\n|---|\n| f |\n"
    Console(file=io.StringIO(), width=40, color_system="truecolor").print(
        _markdown(sample, code_theme)
    )
    for name in WARM_LANGUAGES:
        with contextlib.suppress(ClassNotFound):
            get_lexer_by_name(name)


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
