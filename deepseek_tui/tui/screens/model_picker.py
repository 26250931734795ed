"""A modal listing a provider's models; typing filters, Enter picks, ctrl+t thinking,
ctrl+o another provider, ctrl+r asks the provider again, Esc cancels."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, OptionList, Select, Static, Switch
from textual.widgets.option_list import Option

from deepseek_tui.api.models import model_traits
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.app import DeepSeekApp
from deepseek_tui.tui.widgets.dialogs import Dialog
from deepseek_tui.tui.widgets.status_bar import clip_middle

# Cells a model id may take in the list and the thinking line: the dialog's 64 less
# its padding, the list's, the marker and a scrollbar (CSS ellipsis catches the rest).
ID_WIDTH = 54
# The option id of the row that offers the filter's text itself as the model id.
AS_TYPED = "\x00as-typed"


@dataclass(frozen=True, slots=True)
class ModelChoice:
    model: str
    thinking: bool | None  # None: the model decides (it always or never thinks)
    provider: str | None = None  # the provider that serves it; None: the one in use


class ModelPicker(Dialog[ModelChoice | None]):
    """Pick the model (and thinking) for the next message of this conversation."""

    AUTO_FOCUS = "#filter"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+t", "toggle_thinking", "Thinking on/off"),
        Binding("ctrl+o", "next_provider", "Next provider"),
        Binding("ctrl+r", "refresh", "Ask the provider for its models again"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]
    CSS_PATH = "model_picker.tcss"

    app = getters.app(DeepSeekApp)

    def __init__(
        self,
        models: list[str],
        *,
        current: str,
        thinking: bool | None,
        provider: str | None = None,
    ) -> None:
        """`models` are the ids `provider` (the one in use) serves; with a `provider`
        the picker also switches between the app's providers and lists theirs."""
        super().__init__()
        self.models = models
        self.current = current
        self.thinking = thinking
        self.provider = provider  # the one in use
        self.shown_provider = provider  # the one whose models are listed

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Model for the next message", classes="title")
            if self.provider is not None:
                settings = self.app.settings
                choices = [
                    (Text(sanitize(settings.profile(name).title or name, name=True)), name)
                    for name in settings.provider_names()
                ]
                with Horizontal(id="provider-row"):
                    yield Static("Provider", classes="label")
                    yield Select(
                        choices, value=self.provider, allow_blank=False, compact=True, id="provider"
                    )
            yield Input(placeholder="type to filter, or a model id", id="filter")
            yield Static("", id="models-note", classes="hint")
            yield OptionList(id="models")
            with Horizontal(id="thinking-row"):
                yield Switch(id="thinking")
                yield Static("", id="thinking-label")  # filled by _show_thinking
            keys = "⏎ pick · ^t thinking · ^o provider · ^r refresh · esc cancel"
            yield Static(
                keys if self.provider else "⏎ pick · ^t thinking · esc cancel", classes="hint"
            )

    def on_mount(self) -> None:
        self._note("")
        self._fill("")
        self._show_thinking()

    @property
    def typed(self) -> str:
        return self.query_one("#filter", Input).value.strip()

    @property
    def highlighted_model(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not options.option_count:
            return None
        model = options.get_option_at_index(options.highlighted).id
        return self.typed if model == AS_TYPED else model

    def _fill(self, text: str) -> None:
        options = self.query_one(OptionList)
        typed = text.strip()
        needle = typed.lower()
        shown = [m for m in self.models if needle in m.lower()]
        # An exact id comes first: typing "deepseek-v3" must not pick "deepseek-v3.1".
        if typed in shown:
            shown.remove(typed)
            shown.insert(0, typed)
        current = self.current if self.shown_provider == self.provider else None
        # Ids come from the server: shown as text, never as markup or escapes; a long
        # one loses its middle, so ids that differ only at the end stay apart.
        rows = [Option(Text(("● " if m == current else "○ ") + _shown(m)), id=m) for m in shown]
        if typed and typed not in shown:
            # An id the provider did not list can still be used as typed.
            label = Text("+ ") + Text(_shown(typed, ID_WIDTH - 12)) + Text(" (as typed)")
            rows.insert(0, Option(label, id=AS_TYPED))
        options.set_options(rows)
        if rows:
            if current in shown and not needle:
                options.highlighted = shown.index(current)
            else:
                # The best match, or the typed id when nothing listed matches it.
                options.highlighted = 1 if rows[0].id == AS_TYPED and shown else 0

    def _note(self, text: str) -> None:
        note = self.query_one("#models-note", Static)
        note.update(Text(sanitize(text, name=True)))  # a server's error words among them
        note.display = bool(text)

    def _show_provider(self, provider: str) -> None:
        """List `provider`'s models: what is known at once, its /models when it answers."""
        self.shown_provider = provider
        self.models = self.app.model_list.ids(provider)
        self._fill(self.typed)
        self._show_thinking()
        if provider in self.app.model_list.server_models:
            self._note("")
        else:
            self.load_models(provider)

    @work(exclusive=True, group="picker-models")
    async def load_models(self, provider: str) -> None:
        title = self.app.settings.profile(provider).title or provider
        self._note(f"Asking {title} for its models…")
        problem = await self.app.model_list.load(provider)
        if provider != self.shown_provider:
            return
        self._note(f"{title}'s models could not be listed: {problem}" if problem else "")
        self.models = self.app.model_list.ids(provider)
        self._fill(self.typed)
        self._show_thinking()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value != self.shown_provider:
            self._show_provider(event.value)

    def action_next_provider(self) -> None:
        if self.provider is None:
            return
        names = self.app.settings.provider_names()
        shown = self.shown_provider or self.provider
        index = names.index(shown) if shown in names else -1
        self.query_one("#provider", Select).value = names[(index + 1) % len(names)]

    def action_refresh(self) -> None:
        if self.shown_provider is not None:
            self.load_models(self.shown_provider)

    def _show_thinking(self) -> None:
        model = self.highlighted_model or self.typed
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
        thinking = traits.thinks(self.thinking) if toggle else None
        self.dismiss(ModelChoice(model, thinking, self.shown_provider))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        # An exact id wins over the highlight (it is listed first anyway).
        model = typed if typed in self.models else self.highlighted_model or typed
        if model:
            self._choose(model)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == AS_TYPED:
            self._choose(self.typed)
        elif event.option.id:
            self._choose(event.option.id)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = (current + step) % options.option_count


def _shown(model: str, width: int = ID_WIDTH) -> str:
    return clip_middle(sanitize(model, name=True), width)
