"""Where the code fences and the top-level blocks of a Markdown text are: one fence
scanner for the chat, the stream's block splitter and export, by CommonMark's rules.

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


def fence_for(code: str) -> str:
    """A backtick fence that `code` cannot close: longer than every line of it that
    is a closing fence of backticks (at least three)."""
    longest = 0
    for line in lines(code):
        closing = _CLOSING.fullmatch(line)
        if closing and closing.group(1)[0] == "`":
            longest = max(longest, len(closing.group(1)))
    return "`" * max(3, longest + 1)


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


# Every copy of text the splitter makes goes through this one join (a test counts
# them: linear, however the text is cut).
_join = "".join

# A line that goes on the block above it rather than starting a new one: an indented
# line, a list item, a quote, a table row.
_CONTINUATION = re.compile(r"^(\s|[-*+>|]|\d+[.)])")


# What of a long line a splitter that keeps the end of its open block looks at.
_LINE_HEAD = 1_024


class BlockSplitter:
    """Cuts Markdown text, fed in pieces, into top-level blocks.

    A block ends at a blank line outside a code fence when the next line starts a new
    top-level block (not a list item, quote, table row or indented line), so each
    block renders on its own as it renders inside the whole text. Pure: no Textual.

    Linear in the text, however it is cut: text is kept in pieces and joined once
    (a line at its end, a block when it is finished), never copied per piece, so a
    long line in tiny pieces or a long list with blank lines costs what its size
    costs.
    """

    def __init__(self, *, keep_open: int | None = None) -> None:
        self.blocks: list[str] = []  # finished blocks, each ending with its blank line
        self._open: list[str] = []  # the block being written
        # With `keep_open`, an open block that grows past twice that keeps its last
        # `keep_open` characters (and a line, its first `_LINE_HEAD`: enough to tell
        # a fence or a blank line): 200 MB of reasoning without a blank line is not
        # held whole by a view that shows its end.
        self._keep_open = keep_open
        self._open_size = 0
        self._line_size = 0
        self._open_has_text = False  # any of it is more than whitespace
        self._line: list[str] = []  # the line being written
        self._fences = FenceScanner()
        # Text after a possible split point, not yet decided: the blank lines after
        # it (`_held`), then the start of the next line (`_body`, a few characters).
        self._held: list[str] = []
        self._body: list[str] = []
        self._body_size = 0
        self._splitting = False

    @property
    def open_text(self) -> str:
        if len(self._open) > 1:
            self._open[:] = [_join(self._open)]  # joined once, not again per read
        opened = self._open[0] if self._open else ""
        if not self._held and not self._body:
            return opened
        return _join([opened, *self._held, *self._body])

    @property
    def text(self) -> str:
        """What it holds: all it was fed, but for the blocks `drop` let go."""
        return _join(self.blocks) + self.open_text

    def drop(self, count: int) -> None:
        """Let go of the first `count` finished blocks (a view that folded them and
        will not show them again): `blocks` starts after them."""
        del self.blocks[:count]

    def feed(self, text: str) -> int:
        """Take more text; returns how many blocks it finished."""
        before = len(self.blocks)
        for piece in text.splitlines(keepends=True):
            if self._splitting:
                self._hold(piece)
            else:
                self._add(piece)
        return len(self.blocks) - before

    def _add(self, piece: str, *, may_split: bool = True) -> None:
        self._open.append(piece)
        if not self._open_has_text and piece.strip():
            self._open_has_text = True
        keep = self._keep_open
        if keep is not None:
            self._open_size += len(piece)
            if self._open_size > 2 * keep:
                self._open[:] = [_join(self._open)[-keep:]]
                self._open_size = keep
            if self._line_size < _LINE_HEAD:
                self._line.append(piece)
            self._line_size += len(piece)
        else:
            self._line.append(piece)
        if not piece.endswith("\n"):
            return
        line = _join(self._line)
        self._line.clear()
        self._line_size = 0
        if may_split and not self._fences.inside and not line.strip() and self._open_has_text:
            self._splitting = True
        self._fences.feed(line)

    def _hold(self, piece: str) -> None:
        if not self._body:
            # What `_decide` looks at starts after the blank lines ("\r", "\n").
            rest = piece.lstrip("\r\n")
            if not rest:
                self._held.append(piece)
                return
            if rest is not piece:
                self._held.append(piece[: len(piece) - len(rest)])
                piece = rest
        self._body.append(piece)
        self._body_size += len(piece)
        if self._body_size >= 4 or "\n" in piece:
            self._decide()

    def _decide(self) -> None:
        body = _join(self._body)
        held = [*self._held, body] if body else self._held
        self._held, self._body, self._body_size = [], [], 0
        self._splitting = False
        if body and not _CONTINUATION.match(body):
            self.blocks.append(_join(self._open))
            self._open, self._open_has_text = [], False
            self._open_size = 0
        # The blank lines held were just decided on: only a blank line after the
        # next text can be a split point.
        seen_text = False
        for piece in held:
            seen_text = seen_text or bool(piece.strip())
            self._add(piece, may_split=seen_text)

    def finish(self) -> int:
        """The text is complete: decide what was held back."""
        before = len(self.blocks)
        if self._splitting:
            self._decide()
        return len(self.blocks) - before
