"""The line under the composer: model, thinking, the last answer's tokens and cost."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from deepseek_tui.terminal import sanitize


class StatusBar(Static):
    """Shows its reactive attributes; the screen sets them, the bar redraws itself."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        padding: 0 2;
        color: $text-muted;
        background: $panel;
    }
    """

    model: reactive[str] = reactive("")
    thinking: reactive[bool | None] = reactive(None)  # None: the model cannot think
    last: reactive[str] = reactive("")  # "last: …" tokens and cost, or "stopped"
    demo: reactive[bool] = reactive(False)
    problem: reactive[str] = reactive("")  # why history is not being saved, if it isn't

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)

    def render(self) -> Text:
        parts = [sanitize(self.model)]
        if self.thinking is not None:
            parts.append("thinking on" if self.thinking else "thinking off")
        if self.last:
            parts.append(self.last)
        if self.demo:
            parts.append("offline demo")
        if self.problem:
            parts.append(self.problem)
        return Text(" · ".join(parts))
