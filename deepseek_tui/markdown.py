"""Where the code fences of a Markdown text are: one scanner for the chat, the
stream segmenter and export, by CommonMark's rules for fenced code blocks.

Only top-level fences are seen: a fence inside a list item or a block quote is not
one here (answers put their code blocks at the top level; the callers only need to
know whether a blank line or the end of the text falls inside code).
"""

from __future__ import annotations

import re

# An opening fence: up to three spaces, three or more backticks or tildes, then the
# info string. A tab before it is four columns of indentation: no fence.
_OPENING = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)")
# A closing fence carries no info string, only trailing spaces or tabs.
_CLOSING = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*")
# CommonMark's line endings, and no others (str.splitlines also splits at \x0c, \u2028…).
_LINE_END = re.compile(r"\r\n|\r|\n")


class FenceScanner:
    """Fed a Markdown text line by line, knows whether the next line is inside a
    fenced code block, and the language that fence named."""

    __slots__ = ("_fence", "_indent", "_language")

    def __init__(self) -> None:
        self._fence = ""  # the open fence's run of ` or ~, "" outside a block
        self._indent = 0
        self._language = ""

    @property
    def inside(self) -> bool:
        """The lines fed so far end inside a fenced code block."""
        return bool(self._fence)

    @property
    def language(self) -> str:
        """The first word of the open fence's info string ("" outside a block)."""
        return self._language

    @property
    def fence(self) -> str:
        """The open fence's marker (e.g. "```" or "~~~~"), "" outside a block."""
        return self._fence

    @property
    def indent(self) -> int:
        """Spaces before the open fence; that much indentation is not part of the code."""
        return self._indent

    def feed(self, line: str) -> None:
        """Take the next line (its line ending, if any, is ignored)."""
        line = line.rstrip("\r\n")
        if self._fence:
            closing = _CLOSING.fullmatch(line)
            if (
                closing
                and closing.group(1)[0] == self._fence[0]
                and len(closing.group(1)) >= len(self._fence)
            ):
                self._fence, self._indent, self._language = "", 0, ""
            return
        opening = _OPENING.fullmatch(line)
        if opening is None:
            return
        indent, fence, info = opening.groups()
        if fence[0] == "`" and "`" in info:
            return  # inline code such as ```x```, not a fence
        words = info.split()
        self._fence, self._indent = fence, len(indent)
        self._language = words[0] if words else ""


def lines(text: str) -> list[str]:
    """The lines of `text` without their endings (a final line ending adds no line)."""
    parts = _LINE_END.split(text)
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """The fenced code blocks of `text` as (language, code), in order; a block the
    text leaves open (a cut answer) runs to the end of the text."""
    blocks: list[tuple[str, str]] = []
    scanner = FenceScanner()
    code: list[str] = []
    language = ""
    for line in lines(text):
        was_inside = scanner.inside
        indent = scanner.indent
        scanner.feed(line)
        if not was_inside:
            if scanner.inside:
                language, code = scanner.language, []
        elif scanner.inside:
            code.append(_dedent(line, indent))
        else:
            blocks.append((language, "\n".join(code)))
    if scanner.inside:
        blocks.append((language, "\n".join(code)))
    return blocks


def close_open_fence(text: str) -> str:
    """`text` with the fence it leaves open closed, so what follows it renders as
    Markdown again; `text` itself when no fence is open."""
    scanner = FenceScanner()
    for line in lines(text):
        scanner.feed(line)
    if not scanner.inside:
        return text
    ends_a_line = text.endswith(("\n", "\r"))
    return text + ("" if ends_a_line else "\n") + scanner.fence


def _dedent(line: str, indent: int) -> str:
    """Remove up to `indent` columns of indentation, as CommonMark does inside an
    indented fence (a tab reaches the next multiple of four columns)."""
    column = index = 0
    while index < len(line) and column < indent:
        if line[index] == " ":
            column += 1
        elif line[index] == "\t":
            column = (column // 4 + 1) * 4
        else:
            break
        index += 1
    return " " * max(column - indent, 0) + line[index:]
