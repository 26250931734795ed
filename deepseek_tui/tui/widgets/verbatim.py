"""An answer shown exactly as the model sent it: a JSON-mode answer is one code block
(highlighted as JSON, wrapped), never read as Markdown — `**1 words**` stays as typed
and a ```` ```python ```` fence stays in the text.

It is a `MarkdownView` whose blocks are rendered as code: the view streams, folds and
draws as the answer's Markdown does (docs/architecture.md, "Streaming render"). The
blocks it is cut into join to the whole text, blank lines included, and each is drawn
on the code background, so they read as one block.
"""

from __future__ import annotations

from textual.strip import Strip

from deepseek_tui.tui.widgets.markdown import BLOCK_CHARS, Block, MarkdownView


class VerbatimView(MarkdownView):
    """Text as it came, as code in `lexer` (JSON by default); no Markdown."""

    def __init__(
        self, text: str = "", *, lexer: str = "json", classes: str = "", id: str | None = None
    ) -> None:
        super().__init__(text, classes=classes, id=id)
        self.lexer = lexer

    def _render_one(self, text: str, before: Block | None) -> Block:
        from rich.syntax import Syntax

        renderer = self._renderer
        assert renderer is not None
        if len(text) > BLOCK_CHARS:
            return renderer.render_plain(text[-BLOCK_CHARS:], self._base)
        if not text:
            return Block([], False)
        # The block's own line ends, blank lines included: only the last is not a row.
        code = text[:-1] if text.endswith("\n") else text
        syntax = Syntax(code, self.lexer, theme=renderer.code_theme, word_wrap=True, padding=(0, 1))
        console = renderer.console
        options = console.options.update(width=renderer.width)
        lines = console.render_lines(syntax, options, style=self._base, pad=False)
        return Block([Strip(line) for line in lines], False)
