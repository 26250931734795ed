"""The one Markdown fence scanner: CommonMark's fence rules, checked against the
CommonMark parser Textual renders with (markdown-it-py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from deepseek_tui.markdown import FenceScanner, close_open_fence, fenced_blocks
from deepseek_tui.markdown import lines as lines_of


def scanned(*lines: str) -> FenceScanner:
    scanner = FenceScanner()
    for line in lines:
        scanner.feed(line)
    return scanner


def test_a_backtick_fence_opens_with_its_language_and_closes() -> None:
    scanner = scanned("Intro", "```python extra words")
    assert scanner.inside and scanner.language == "python" and scanner.fence == "```"
    scanner.feed("print(1)")
    scanner.feed("```")
    assert not scanner.inside and scanner.language == ""


def test_a_tilde_fence_is_a_fence_too_and_backticks_do_not_close_it() -> None:
    scanner = scanned("~~~", "not ``` closed")
    assert scanner.inside
    scanner.feed("```")
    assert scanner.inside
    scanner.feed("~~~~")
    assert not scanner.inside


@pytest.mark.parametrize(
    ("opening", "closing", "closes"),
    [
        ("````", "```", False),  # shorter than the opening fence
        ("```", "`````", True),  # longer is fine
        ("```", "``` python", False),  # a closing fence has no info string
        ("```", "```   ", True),  # trailing spaces are allowed
        ("```", "   ```", True),  # up to three spaces before it
        ("```", "    ```", False),  # four is code
    ],
)
def test_what_closes_a_fence(opening: str, closing: str, closes: bool) -> None:
    assert scanned(opening, closing).inside is not closes


@pytest.mark.parametrize(
    ("line", "opens"),
    [
        ("```", True),
        ("~~~ a`b", True),  # a tilde fence's info string may hold backticks
        ("```a`b", False),  # a backtick fence's may not (that is inline code)
        ("``", False),
        ("   ```", True),
        ("    ```", False),
        ("\t```", False),
        ("> ```", False),  # inside a block quote: not a top-level fence
    ],
)
def test_what_opens_a_fence(line: str, opens: bool) -> None:
    assert scanned(line).inside is opens


def test_line_endings_are_ignored() -> None:
    assert not scanned("```\r\n", "code\n", "```\r\n").inside


def test_fenced_blocks_finds_both_kinds_and_a_block_left_open() -> None:
    text = "Intro\n\n```python\ndef f():\n\n    return 1\n```\n\n~~~\nnot ``` closed\n~~~\n```js\nx"
    assert fenced_blocks(text) == [
        ("python", "def f():\n\n    return 1"),
        ("", "not ``` closed"),
        ("js", "x"),
    ]
    assert fenced_blocks("no code") == []


def test_an_indented_fence_removes_its_indentation_from_the_code() -> None:
    assert fenced_blocks("  ```\n    a\n b\nc\n  ```") == [("", "  a\nb\nc")]


def test_close_open_fence_closes_with_the_same_fence() -> None:
    assert close_open_fence("Here:\n```python\nprint(1)") == "Here:\n```python\nprint(1)\n```"
    assert close_open_fence("~~~~\nx\n") == "~~~~\nx\n~~~~"
    assert close_open_fence("```\nx\n```") == "```\nx\n```"
    assert close_open_fence("") == ""


# --- properties --------------------------------------------------------------------------

# Lines that play with every fence rule; no list, quote or HTML markers, so every
# fence markdown-it sees is a top-level one.
_LINES = st.sampled_from(
    [
        "```",
        "````",
        "~~~",
        "~~~~",
        "``` py",
        "```py`",
        "~~~ a`b",
        "   ```",
        "    ```",
        "\t~~~",
        "``` ",
        "~~~ js more",
        "``",
        "text",
        "  indented",
        "",
        "   ",
    ]
)


def _commonmark_blocks(text: str) -> list[tuple[str, str]]:
    tokens = MarkdownIt("commonmark").parse(text)
    return [
        (token.info.split()[0] if token.info.strip() else "", token.content.rstrip())
        for token in tokens
        if token.type == "fence"
    ]


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINES, max_size=12))
def test_the_blocks_are_the_ones_commonmark_sees(lines: list[str]) -> None:
    text = "\n".join(lines)
    # Blank lines at the very end of a document are not kept by markdown-it.
    ours = [(language, code.rstrip()) for language, code in fenced_blocks(text)]
    assert ours == _commonmark_blocks(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=12), st.text(max_size=20))
def test_close_open_fence_leaves_no_fence_open_and_changes_only_the_end(
    lines: list[str], tail: str
) -> None:
    text = "\n".join(lines) + tail
    closed = close_open_fence(text)
    assert closed.startswith(text)
    scanner = FenceScanner()
    for line in lines_of(closed):  # CommonMark's line ends: not str.splitlines()'s \x1e…
        scanner.feed(line)
    assert not scanner.inside or closed != text
    assert close_open_fence(closed) == closed
