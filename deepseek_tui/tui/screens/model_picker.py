"""A modal listing the models; typing filters, Enter picks, ctrl+t thinking, Esc cancels."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, OptionList, Static, Switch
from textual.widgets.option_list import Option

from deepseek_tui.api.models import model_traits
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.screens.dialogs import Dialog
from deepseek_tui.tui.widgets.status_bar import clip_middle

# Cells a model id may take in the list and the thinking line: the dialog's 64 less
# its padding, the list's, the marker and a scrollbar (CSS ellipsis catches the rest).
ID_WIDTH = 54


@dataclass(frozen=True, slots=True)
class ModelChoice:
    model: str
    thinking: bool | None  # None: the model decides (it always or never thinks)


class ModelPicker(Dialog[ModelChoice | None]):
    """Pick the model (and thinking) for the next message of this conversation."""

    AUTO_FOCUS = "#filter"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+t", "toggle_thinking", "Thinking on/off"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]
    CSS_PATH = "model_picker.tcss"

    def __init__(self, models: list[str], *, current: str, thinking: bool | None) -> None:
        super().__init__()
        self.models = models
        self.current = current
        self.thinking = thinking

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Model for the next message", classes="title")
            yield Input(placeholder="type to filter, or a model id", id="filter")
            yield OptionList(id="models")
            with Horizontal(id="thinking-row"):
                yield Switch(id="thinking")
                yield Static("", id="thinking-label")  # filled by _show_thinking
            yield Static("⏎ pick · ^t thinking · esc cancel", classes="hint")

    def on_mount(self) -> None:
        self._fill("")
        self._show_thinking()

    @property
    def highlighted_model(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not options.option_count:
            return None
        return options.get_option_at_index(options.highlighted).id

    def _fill(self, text: str) -> None:
        options = self.query_one(OptionList)
        needle = text.strip().lower()
        shown = [m for m in self.models if needle in m.lower()]
        # Ids come from the server: shown as text, never as markup or escapes; a long
        # one loses its middle, so ids that differ only at the end stay apart.
        options.set_options(
            Option(Text(("● " if m == self.current else "○ ") + _shown(m)), id=m) for m in shown
        )
        if shown:
            index = shown.index(self.current) if self.current in shown and not needle else 0
            options.highlighted = index

    def _show_thinking(self) -> None:
        model = self.highlighted_model or self.query_one("#filter", Input).value.strip()
        switch = self.query_one(Switch)
        label = self.query_one("#thinking-label", Static)
        traits = model_traits(model) if model else None
        mode = traits.thinking if traits else "never"
        if traits is not None and mode == "toggle":
            # An explicit choice carries over; otherwise the model's own default.
            on = traits.thinks(self.thinking)
            switch.disabled = False
            with switch.prevent(Switch.Changed):
                switch.value = on
            label.update("Thinking " + ("on" if on else "off"))
        else:
            switch.disabled = True
            with switch.prevent(Switch.Changed):
                switch.value = mode == "always"
            name = _shown(model, ID_WIDTH - 16) if model else "This model"
            label.update(
                Text(f"{name} always thinks" if mode == "always" else f"{name} does not think")
            )

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)
        self._show_thinking()

    def on_option_list_option_highlighted(self) -> None:
        self._show_thinking()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        if not event.switch.disabled:
            self.thinking = event.value
            self._show_thinking()

    def action_toggle_thinking(self) -> None:
        switch = self.query_one(Switch)
        if not switch.disabled:
            switch.value = not switch.value

    def _choose(self, model: str) -> None:
        traits = model_traits(model)
        toggle = traits.thinking == "toggle"
        self.dismiss(ModelChoice(model, traits.thinks(self.thinking) if toggle else None))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        model = self.highlighted_model
        if model:
            self._choose(model)
        elif event.value.strip():
            self._choose(event.value.strip())  # an id the server did not list

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._choose(event.option.id)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = (current + step) % options.option_count


def _shown(model: str, width: int = ID_WIDTH) -> str:
    return clip_middle(sanitize(model, name=True), width)
