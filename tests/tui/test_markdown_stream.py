"""Streaming Markdown renders exactly what a one-shot render of the same text gives."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from deepseek_tui.tui.widgets.markdown import SegmentedMarkdown, StreamingMarkdown

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


def tree(markdown: Markdown) -> list[tuple[str, str, str | None]]:
    return [
        (type(block).__name__, block._content.plain, getattr(block, "code", None))
        for block in markdown.query(MarkdownBlock)
    ]


class Pair(App[None]):
    def __init__(self, text: str, segmented: bool = False) -> None:
        super().__init__()
        self.text = text
        self.segmented = segmented

    def compose(self) -> ComposeResult:
        if self.segmented:  # tiny segments, so every document is split many times
            yield SegmentedMarkdown(id="streamed", segment_chars=40)
        else:
            yield StreamingMarkdown(id="streamed")
        yield Markdown(self.text, id="whole")


@pytest.mark.parametrize("segmented", [False, True], ids=["one-widget", "segmented"])
@pytest.mark.parametrize("size", [1, 3, 17])
@pytest.mark.parametrize("name", sorted(DOCUMENTS))
async def test_streamed_equals_one_shot(name: str, size: int, segmented: bool) -> None:
    text = DOCUMENTS[name]
    app = Pair(text, segmented)
    async with app.run_test() as pilot:
        streamed = app.query_one("#streamed")
        for start in range(0, len(text), size):
            await streamed.write(text[start : start + size])
        await streamed.finish()
        await pilot.pause()
        assert streamed.source == text
        assert tree(streamed) == tree(app.query_one("#whole", Markdown))
