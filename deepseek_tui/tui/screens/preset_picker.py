"""A modal that starts a new conversation: blank (the first row) or from a preset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.widgets.dialogs import Dialog

if TYPE_CHECKING:
    from deepseek_tui.config import Settings

# The option id of the first row; no preset can be called this (config.py's names).
BLANK = "\x00blank"
# Cells a preset's name takes in its row, so the descriptions line up.
NAME_WIDTH = 14


def preset_rows(settings: Settings) -> list[tuple[str, str]]:
    """(name, what it is for) of each preset, for the picker and the palette."""
    rows = []
    for name in settings.preset_names():
        table = settings.preset(name)
        about = table.get("description") or table.get("system_prompt", "")
        rows.append((name, " ".join(str(about).split())))
    return rows


@dataclass(frozen=True, slots=True)
class PresetChoice:
    """What the picker chose: a preset's name, or None for a blank conversation."""

    preset: str | None


class PresetPicker(Dialog[PresetChoice | None]):
    """ctrl+n: Enter on the first row starts a blank conversation, as before presets;
    each other row starts from a preset. Esc keeps the conversation open."""

    AUTO_FOCUS = "OptionList"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        # ^n ^n: a blank conversation without looking, as ^n alone was before presets.
        Binding("ctrl+n", "blank", "Blank conversation"),
    ]
    CSS_PATH = "preset_picker.tcss"

    def __init__(self, presets: list[tuple[str, str]]) -> None:
        """`presets`: (name, a line saying what it is for), in the order to show."""
        super().__init__()
        self.presets = presets

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("New conversation", classes="title")
            yield OptionList(*self._rows(), id="presets")
            yield Static("⏎ start · ^n blank · esc cancel", classes="hint")

    def _rows(self) -> list[Option]:
        rows = [Option(Text("Blank conversation"), id=BLANK)]
        for name, about in self.presets:
            # Names and descriptions come from config.toml: text, never markup or escapes.
            label = Text(sanitize(name, name=True).ljust(NAME_WIDTH), style="bold")
            label.append(sanitize(about, name=True), style="dim")
            rows.append(Option(label, id=name))
        return rows

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    def action_blank(self) -> None:
        self.dismiss(PresetChoice(None))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = event.option.id
        self.dismiss(PresetChoice(None if chosen in (None, BLANK) else chosen))
