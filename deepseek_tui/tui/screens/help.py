"""F1: every key of the chat, generated from the bindings so it never goes stale."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def _key_label(keys: str, display: str | None) -> str:
    if display:
        return display
    names = {"escape": "esc", "question_mark": "?", "enter": "⏎"}
    return " / ".join(names.get(key, key) for key in keys.split(","))


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the screen below it (and of the composer and the app)."""

    BINDINGS = [
        Binding("escape,f1,q,question_mark", "dismiss(None)", "Close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 70; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, sources: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.sources = sources

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        accent = self.app.theme_variables.get("accent", "")
        table.add_column(style=f"bold {accent}".strip(), no_wrap=True)
        table.add_column()
        for heading, bindings in self.sources:
            table.add_row(Text(heading, style="bold underline"), "")
            for binding in bindings:
                if not binding.description:
                    continue
                table.add_row(
                    Text(_key_label(binding.key, binding.key_display)),
                    Text(binding.description),
                )
            table.add_row("", "")
        table.add_row(Text("ctrl+p"), Text("command palette: every action, each model by name"))
        table.add_row(Text("↑"), Text("in an empty composer: edit the last message"))
        table.add_row(Text("← / →"), Text("in an empty composer: previous / next branch"))
        table.add_row(Text("", style="bold underline"), "")
        table.add_row(Text("Conversations (ctrl+l)", style="bold underline"), "")
        table.add_row(Text("⏎"), Text("open"))
        table.add_row(Text("/"), Text("search every message"))
        table.add_row(Text("r / p"), Text("rename / pin"))
        table.add_row(Text("d"), Text("delete (asks first; ctrl+z undoes)"))
        table.add_row(Text("esc"), Text("close the list"))
        table.add_row(Text("esc / F1"), Text("close this help"))
        with VerticalScroll():
            yield Static(Text("Keys", style="bold"))
            yield Static(table)
