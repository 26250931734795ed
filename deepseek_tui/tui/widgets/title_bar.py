"""The line above the conversation: which conversation this is."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from deepseek_tui.terminal import sanitize

NEW = "New conversation"


class TitleBar(Static):
    """The open conversation's title (a title is outside text: shown inert, one
    line, cut with "…" in cells); "New conversation" before the first message."""

    DEFAULT_CSS = """
    TitleBar {
        height: 1;
        padding: 0 2;
        background: $panel;
        color: $foreground;
        text-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        &.new {
            color: $text-muted;
            text-style: none;
        }
    }
    """

    title: reactive[str] = reactive("")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)

    def render(self) -> Text:
        shown = " ".join(sanitize(self.title, name=True).split()) or NEW
        return Text(shown, end="")

    def watch_title(self, title: str) -> None:
        self.set_class(not title, "new")
