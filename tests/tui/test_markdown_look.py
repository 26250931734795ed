"""An answer's headings show their level and its tables fit their content.

Rendered at a fixed width in each shipped theme, as `MarkdownView` renders them: every
heading level looks different from the others and from body text, and a table is as
wide as its cells, one line a row while it fits, each column aligned as written.
"""

from __future__ import annotations

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.color import Color
from textual.strip import Strip

from deepseek_tui.tui.themes import load_themes, shipped_themes_dir
from deepseek_tui.tui.widgets.markdown import MarkdownView
from deepseek_tui.tui.widgets.markdown_render import Renderer, fit_columns, markdown_theme
from tests.helpers import wait_for

THEMES = load_themes(shipped_themes_dir()).themes

HEADINGS = "".join(f"{'#' * level} Level {level}\n\nBody text.\n\n" for level in range(1, 7))
BODY = "Plain, **bold**, *italic* and ***both***.\n"
TABLE = """\
| Model | Thinking | Max output |
|:------|:--------:|-----------:|
| deepseek-chat | never | 8,192 |
| deepseek-reasoner | always | 65,536 |
| deepseek-v4-pro | per request | 65,536 |
"""
WIDE_TABLE = """\
| Model | Notes |
|-------|-------|
| deepseek-reasoner | strict R1-style history rules |
| deepseek-chat | quick |
"""


def renderer(theme_name: str = "deepseek-dark", width: int = 100) -> Renderer:
    theme = next(theme for theme in THEMES if theme.name == theme_name)
    variables = theme.to_color_system().generate()
    variables.update(theme.variables)
    background = Color.parse(variables["background"])
    foreground = Color.parse(variables["foreground"])
    base = Style(color=foreground.rich_color, bgcolor=background.rich_color)
    look = markdown_theme(variables, background, foreground)
    return Renderer(width, look, code_theme="monokai", base=base)


def texts(strips: list[Strip]) -> list[str]:
    return [strip.text.rstrip() for strip in strips]


def style_of(strips: list[Strip], word: str) -> Style:
    """The style of the first cell of `word` where it first shows."""
    for strip in strips:
        for segment in strip:
            if word in segment.text:
                return segment.style or Style()
    raise AssertionError(f"{word!r} is not shown")


def look(style: Style) -> tuple[object, ...]:
    return (style.color, style.bold, style.italic, style.underline)


@pytest.mark.parametrize("theme", [theme.name for theme in THEMES])
def test_each_heading_level_looks_different_and_none_like_body_text(theme: str) -> None:
    render = renderer(theme)
    lines = render.render(HEADINGS)
    shown = texts(lines)
    looks = []
    for level in range(1, 7):
        row = shown.index(f"Level {level}")
        below = shown[row + 1]
        rule = below if below and set(below) <= set("━─") else ""
        looks.append((look(style_of(lines[row : row + 1], f"Level {level}")), rule[:1]))
    assert len(set(looks)) == 6, looks

    body = render.render(BODY)
    body_looks = {(look(style_of(body, word)), "") for word in ("Plain", "bold", "italic", "both")}
    assert body_looks.isdisjoint(looks)


def test_h1_and_h2_are_underlined_by_a_rule_as_long_as_their_text() -> None:
    shown = texts(renderer().render("# A title\n\n## A section\n\nText.\n"))
    assert shown[:5] == ["A title", "━━━━━━━", "", "A section", "─────────"]


def table_rows(shown: list[str]) -> list[str]:
    return [line for line in shown if line]


def test_a_table_is_as_wide_as_its_content_one_line_a_row() -> None:
    shown = texts(renderer(width=100).render(TABLE))
    rows = table_rows(shown)
    assert len(rows) == 5  # header, its rule, three rows: no blank edges, no wrapped row
    assert all(len(row) < 60 for row in rows)
    assert rows[0].startswith("Model")  # flush with the text around it
    assert set(rows[1]) == {"─"}


def test_columns_are_aligned_as_the_separator_row_says() -> None:
    rows = table_rows(texts(renderer(width=100).render(TABLE)))
    header, _, *body = rows
    # Right: every cell ends where the column (the header's last cell) ends.
    right_edge = header.index("Max output") + len("Max output")
    for row, value in zip(body, ("8,192", "65,536", "65,536"), strict=True):
        assert row.index(value) + len(value) == right_edge
    # Centre: the middle of each cell is the middle of the column.
    middle = header.index("Thinking") + len("Thinking") / 2
    for row, value in zip(body, ("never", "always", "per request"), strict=True):
        assert abs(row.index(value) + len(value) / 2 - middle) <= 1
    # Left: every cell starts where the column starts.
    assert all(row.startswith("deepseek-") for row in body)


def test_a_table_too_wide_wraps_its_widest_column_and_cuts_no_word() -> None:
    rows = table_rows(texts(renderer(width=30).render(WIDE_TABLE)))
    assert all(len(row) <= 30 for row in rows)
    assert rows[2] == "deepseek-reasoner  strict"  # the id whole, not "deepseek-reas…"
    assert rows[3].strip() == "R1-style"  # the notes wrap instead
    words = [word for row in rows for word in row.split() if set(word) != {"─"}]
    expected = "Model Notes deepseek-reasoner strict R1-style history rules deepseek-chat quick"
    assert words == expected.split()


@pytest.mark.parametrize(
    ("narrowest", "widest", "available", "widths"),
    [
        ([3, 4], [10, 20], 40, [10, 20]),  # everything fits: as wide as the cells
        ([5, 4, 9], [17, 8, 60], 50, [17, 8, 25]),  # the widest column gives way first
        ([5, 4, 9], [30, 8, 30], 50, [21, 8, 21]),  # two wide ones share what is left
        ([17, 11], [17, 40], 20, [10, 10]),  # not even the words fit: the longest are cut
    ],
)
def test_fit_columns(
    narrowest: list[int], widest: list[int], available: int, widths: list[int]
) -> None:
    assert fit_columns(narrowest, widest, available) == widths


class One(App[None]):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield MarkdownView(self.text)


async def test_the_answer_view_shows_a_table_fitted_and_aligned() -> None:
    app = One(f"Models:\n\n{TABLE}\nDone.\n")
    async with app.run_test(size=(100, 20)) as pilot:
        view = app.query_one(MarkdownView)
        await view.finish()
        await wait_for(pilot, lambda: view.settled, "the view rendered all it was given")
        shown = [view.render_line(y).text.rstrip() for y in range(view.virtual_size.height)]
    assert shown[0] == "Models:"
    rows = table_rows(shown[1:-1])
    assert len(rows) == 5 and all(len(row) < 60 for row in rows)
    assert rows[0].startswith("Model")
    assert rows[2].endswith("8,192") and rows[3].endswith("65,536")
