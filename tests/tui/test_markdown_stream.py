"""Streaming Markdown shows exactly what a one-shot render of the same text shows.

The answer is cut into blocks that are rendered on their own (`BlockSplitter`); Rich
renders the whole text in one piece for the reference. Every cell must match.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.style import Style
from rich.theme import Theme as RichTheme
from textual.app import App, ComposeResult

from deepseek_tui import markdown
from deepseek_tui.markdown import BlockSplitter
from deepseek_tui.tui.widgets import markdown as markdown_widget
from deepseek_tui.tui.widgets.markdown import MarkdownView
from deepseek_tui.tui.widgets.markdown_render import Renderer
from tests.helpers import wait_for

DOCUMENTS = {
    "fences": "Intro\n\n```python\ndef f():\n\n    return 1\n```\n\nAfter the fence.\n",
    "tilde-fence-with-backticks": "~~~\nnot ``` closed\n~~~\n\n- a\n- b\n",
    "table-late-separator": "| a | b |\n| - | - |\n| 1 | 2 |\n\ntext\n",
    "nested": "> quote\n> - item\n\n1. one\n2. two\n   - sub\n\n---\n\n## End\n",
    "unterminated-fence": "Start\n\n```js\nconsole.log(1)\n",
    "long-mixed": (
        "# Title\n\nFirst paragraph of some length.\n\n"
        "```python\ndef f():\n\n    return 1\n```\n\n"
        "1. one\n2. two\n\n3. three after a blank\n\n"
        "| a | b |\n| - | - |\n| 1 | 2 |\n\n"
        "> quoted\n\n> more quote\n\n    indented code\n\n"
        "Closing paragraph.\n\n## Next\n\nText.\n"
    )
    * 3,
}


class One(App[None]):
    def compose(self) -> ComposeResult:
        yield MarkdownView(id="streamed")


def blocks_of(text: str) -> list[str]:
    """The top-level blocks a view cuts `text` into (its BlockSplitter's)."""
    splitter = BlockSplitter()
    splitter.feed(text)
    splitter.finish()
    return splitter.blocks


def cells(view: MarkdownView, lines: list) -> list[list[tuple[str, object]]]:
    width = view.size.width
    return [
        [
            (char, segment.style)
            for segment in line.crop_extend(0, width, view.rich_style)
            for char in segment.text
        ]
        for line in lines
    ]


@pytest.mark.parametrize("size", [1, 3, 17])
@pytest.mark.parametrize("name", sorted(DOCUMENTS))
async def test_streamed_equals_one_shot(name: str, size: int) -> None:
    text = DOCUMENTS[name]
    app = One()
    async with app.run_test(size=(70, 30)) as pilot:
        view = app.query_one(MarkdownView)
        for start in range(0, len(text), size):
            await view.write(text[start : start + size])
            if start % (size * 7) == 0:
                await pilot.pause()  # render while it streams, as the app does
        await view.finish()
        await wait_for(pilot, lambda: view.settled, "the view rendered all it was given")
        assert view.source == text
        assert view._renderer is not None
        shown = [view.render_line(y) for y in range(view.virtual_size.height)]
        whole = view._renderer.render(text)
        assert len(blocks_of(text)) > 1 or len(text) < 60
        assert cells(view, shown) == cells(view, whole)


def test_blocks_are_cut_only_between_top_level_blocks() -> None:
    splitter = BlockSplitter()
    splitter.feed("# A\n\npara\n\n- x\n\n- y\n\n```\ncode\n\nmore\n```\n\n> q\n\n    ind\n\nend\n")
    splitter.finish()
    assert splitter.blocks == [
        "# A\n\n",
        "para\n\n- x\n\n- y\n\n",
        "```\ncode\n\nmore\n```\n\n> q\n\n    ind\n\n",
    ]
    assert splitter.open_text == "end\n"


LINES = [
    "# H\n",
    "text **b** `c`\n",
    "\n",
    "\n",
    "\n",
    "- item\n",
    "1. one\n",
    "> q\n",
    "```\n",
    "~~~py\n",
    "| a | b |\n",
    "| - | - |\n",
    "    code\n",
    "---\n",
    "***\n",
    "x\n",
    "Setext\n",
    "===\n",
    "  - nested\n",
    "3) three\n",
    "![img](u)\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=30), st.integers(min_value=1, max_value=12))
def test_blocks_rendered_apart_join_into_the_whole_render(lines: list[str], size: int) -> None:
    text = "".join(lines)
    renderer = Renderer(40, RichTheme(), code_theme="monokai", base=Style())
    splitter = BlockSplitter()
    for start in range(0, len(text), size):
        splitter.feed(text[start : start + size])
    splitter.finish()
    joined, before = [], None
    for block in [*splitter.blocks, splitter.open_text]:
        rendered = renderer.render_block(block, before)
        joined += rendered.strips
        before = rendered if block.strip() else before
    assert [s.text for s in joined] == [s.text for s in renderer.render(text)]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(LINES), max_size=40),
    st.integers(min_value=1, max_value=9),
)
def test_splitting_never_loses_or_reorders_text(lines: list[str], size: int) -> None:
    text = "".join(lines)
    splitter = BlockSplitter()
    for start in range(0, len(text), size):
        splitter.feed(text[start : start + size])
    splitter.finish()
    assert splitter.text == text


@pytest.mark.parametrize(
    "text",
    [
        "word " * 20_000,  # one long line
        "- item\n\n" * 5_000,  # a long list with blank lines: one block
        "para\n" + "\n" * 20_000 + "end\n",  # blank lines held back
        "```\n" + "code\n\n" * 5_000,  # a long code block, never closed
    ],
    ids=["long-line", "list", "blank-lines", "code"],
)
def test_cutting_copies_the_text_a_bounded_number_of_times(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Linear without timing anything: the splitter copies text through one join, which
    # counts here. Joining the open block again at each blank line, or `+=` per piece
    # of a long line, copied 20,000 times the text (minutes for a 1 MB list).
    copied = 0

    def join(parts: list[str]) -> str:
        nonlocal copied
        joined = "".join(parts)
        copied += len(joined)
        return joined

    monkeypatch.setattr(markdown, "_join", join)
    splitter = BlockSplitter()
    for start in range(0, len(text), 7):
        splitter.feed(text[start : start + 7])
    splitter.finish()
    assert copied <= 3 * len(text)
    assert splitter.text == text


async def test_a_huge_answer_shows_its_latest_part_and_holds_no_more() -> None:
    app = One()
    async with app.run_test(size=(70, 30)) as pilot:
        view = app.query_one(MarkdownView)
        view.window_chars = 2_000
        sections = [f"## Part {n}\n\nText of part {n}.\n\n" for n in range(400)]
        for start in range(0, len(sections), 25):
            await view.write("".join(sections[start : start + 25]))
            await pilot.pause()
        await view.finish()
        await wait_for(pilot, lambda: view.settled, "the view rendered all it was given")
        # The window and nothing before it (the reply and the store hold it all).
        held = view.source
        assert "".join(sections).endswith(held) and len(held) <= 2_000 + len(sections[-1])
        assert len(view._splitter.blocks) == len(view._sizes) <= 2 * 2_000 // len(sections[0])
        lines = [view.render_line(y).text for y in range(view.virtual_size.height)]
        assert "earlier characters of this answer are not shown" in lines[0]
        assert any("Part 399" in line for line in lines)
        assert not any("Part 0" in line for line in lines)
        assert len(lines) < 400  # bounded by the window: all 400 parts take 1,600
        assert all(not block.strips for block in view._rendered[: view._first])


async def test_one_enormous_block_is_shown_as_plain_text() -> None:
    app = One()
    async with app.run_test(size=(70, 30)) as pilot:
        view = app.query_one(MarkdownView)
        code = "```\n" + "".join(f"line {n}\n" for n in range(20_000))  # never closed
        await view.write(code)
        await view.finish()
        await wait_for(pilot, lambda: view.settled, "the view rendered all it was given")
        lines = [view.render_line(y).text.strip() for y in range(view.virtual_size.height)]
        assert lines[-1] == "line 19999"
        assert len(lines) < 20_000


SECTIONS = [f"## Part {n}\n\nText of part {n}, **bold** and `code`.\n\n" for n in range(1500)]


class Opened(App[None]):
    """A view made with its text, as an answer opened from the history is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield MarkdownView(self.text)


def _count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    rendered: list[str] = []
    render_one = MarkdownView._render_one

    def counted(view: MarkdownView, text: str, before: object) -> object:
        rendered.append(text)
        return render_one(view, text, before)  # type: ignore[arg-type]

    monkeypatch.setattr(MarkdownView, "_render_one", counted)
    return rendered


async def test_blocks_a_fast_stream_would_fold_are_not_rendered(monkeypatch) -> None:
    monkeypatch.setattr(markdown_widget, "WINDOW_CHARS", 40_000)
    rendered = _count_renders(monkeypatch)
    text = "".join(SECTIONS)  # ~70,000 characters at once: far behind
    app = One()
    async with app.run_test(size=(70, 30)) as pilot:
        view = app.query_one(MarkdownView)
        await view.write(text)
        await wait_for(pilot, lambda: rendered, "a step rendered while it streams")
        await view.finish()
        await wait_for(pilot, lambda: view.settled, "the view rendered what it shows")
        lines = [view.render_line(y).text for y in range(view.virtual_size.height)]
        assert "earlier characters of this answer are not shown" in lines[0]
        assert any("Part 1499" in line for line in lines)
        # The last few screens (CATCH_UP_CHARS, and the open block again as it grew),
        # not the window's 40,000 characters.
        assert sum(map(len, rendered)) < 25_000
        assert text.endswith(view.source) and len(view.source) <= 40_000


async def test_an_answer_opened_whole_keeps_its_window(monkeypatch) -> None:
    monkeypatch.setattr(markdown_widget, "WINDOW_CHARS", 40_000)
    app = Opened("".join(SECTIONS))
    async with app.run_test(size=(70, 30)) as pilot:
        view = app.query_one(MarkdownView)
        await wait_for(pilot, lambda: view.settled, "the view rendered what it shows")
        assert 30_000 < sum(view._sizes[view._first :]) <= 40_000
