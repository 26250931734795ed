"""A modal listing the models; typing filters, Enter picks, Esc cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


class ModelPicker(ModalScreen[str | None]):
    """Pick the model for the next message of this conversation."""

    AUTO_FOCUS = "#filter"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]
    DEFAULT_CSS = """
    ModelPicker { align: center middle; }
    ModelPicker > Vertical {
        width: 60; max-width: 90%; height: auto; max-height: 80%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ModelPicker .title { text-style: bold; padding: 0 0 1 0; }
    ModelPicker OptionList { height: auto; max-height: 16; border: none; }
    ModelPicker Input { border: none; padding: 0; margin-bottom: 1; }
    """

    def __init__(self, models: list[str], *, current: str) -> None:
        super().__init__()
        self.models = models
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Model for the next message", classes="title")
            yield Input(placeholder="type to filter, or a model id", id="filter")
            yield OptionList(id="models")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, text: str) -> None:
        options = self.query_one(OptionList)
        needle = text.strip().lower()
        shown = [m for m in self.models if needle in m.lower()]
        options.set_options(
            Option(f"{'● ' if m == self.current else '  '}{m}", id=m) for m in shown
        )
        if shown:
            index = shown.index(self.current) if self.current in shown and not needle else 0
            options.highlighted = index

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss(option.id)
        elif event.value.strip():
            self.dismiss(event.value.strip())  # an id the server did not list

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = (current + step) % options.option_count
