"""A modal that creates or edits a preset (issue 12 §3): pick one or "New preset…",
change its name, description, system prompt, model and temperature, save it to
config.toml as a [presets.NAME] table."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select, Static, TextArea

from deepseek_tui.config import ConfigError, save_settings
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.app import DeepSeekApp
from deepseek_tui.tui.screens.preset_form import PresetForm, read_preset_form
from deepseek_tui.tui.widgets.dialogs import Dialog

# The first choice of the preset picker; no preset can be called this (config.py's names).
NEW = "\x00new"


class PresetEditor(Dialog[str | None]):
    """Dismisses with the name of the preset saved, or None when cancelled."""

    AUTO_FOCUS = "#preset-choice"
    CSS_PATH = "preset_editor.tcss"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "save", "Save preset", priority=True),
    ]

    app = getters.app(DeepSeekApp)

    def __init__(self, editing: str | None = None) -> None:
        """`editing`: the preset shown first; None starts a new one."""
        super().__init__()
        self.editing = editing

    def compose(self) -> ComposeResult:
        settings = self.app.settings
        choices: list[tuple[Text, str]] = [(Text("New preset…"), NEW)]
        choices += [(Text(sanitize(name, name=True)), name) for name in settings.preset_names()]
        with Vertical():
            yield Static("Presets", classes="title")
            yield Select(choices, value=self.editing or NEW, allow_blank=False, id="preset-choice")
            yield Static("Name", classes="label")
            yield Input(placeholder="letters, digits, - and _", validate_on=(), id="preset-name")
            yield Static("Description", classes="label")
            yield Input(placeholder="a line for ^n's list", validate_on=(), id="preset-description")
            yield Static("System prompt", classes="label")
            yield TextArea(
                soft_wrap=True,
                show_line_numbers=False,
                tab_behavior="focus",
                placeholder="none: the settings' system prompt",
                id="preset-system-prompt",
            )
            yield Static("Model", classes="label")
            yield Select([], prompt="the default model", id="preset-model")
            yield Static("Temperature", classes="label")
            yield Input(placeholder="default (0 to 2)", validate_on=(), id="preset-temperature")
            yield Static(id="preset-problem", markup=False)
            with Horizontal():
                yield Button("Save preset", variant="primary", id="preset-save")
                yield Button("Cancel", id="preset-cancel")

    def on_mount(self) -> None:
        self._load(self.editing)

    def _load(self, name: str | None) -> None:
        """Fill the fields from preset `name` (empty for a new one)."""
        self.editing = name
        table = self.app.settings.preset(name) if name is not None else {}
        self.query_one("#preset-name", Input).value = name or ""
        self.query_one("#preset-description", Input).value = str(table.get("description", ""))
        self.query_one("#preset-system-prompt", TextArea).text = str(table.get("system_prompt", ""))
        chosen = str(table.get("model") or "")
        models = list(self.app.model_list.ids())
        if chosen and chosen not in models:
            models.append(chosen)  # a preset's model that no list names
        model = self.query_one("#preset-model", Select)
        model.set_options([(Text(sanitize(m, name=True)), m) for m in models])
        model.value = chosen or Select.NULL
        temperature = table.get("temperature")
        self.query_one("#preset-temperature", Input).value = (
            "" if temperature is None else f"{temperature:g}"
        )
        self._say("")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "preset-choice":
            event.stop()
            value = event.value
            self._load(None if value == NEW or not isinstance(value, str) else value)

    def form(self) -> PresetForm:
        model = self.query_one("#preset-model", Select).value
        return PresetForm(
            editing=self.editing,
            name=self.query_one("#preset-name", Input).value,
            description=self.query_one("#preset-description", Input).value,
            system_prompt=self.query_one("#preset-system-prompt", TextArea).text,
            model=model if isinstance(model, str) else "",
            temperature=self.query_one("#preset-temperature", Input).value,
        )

    def _say(self, problem: str) -> None:
        shown = self.query_one("#preset-problem", Static)
        shown.update(problem)
        shown.display = bool(problem)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "preset-save":
            self.action_save()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Write config.toml with the saved settings' presets changed: what the settings
        form holds unsaved stays in the form, for its own Save."""
        app = self.app
        form = self.form()
        presets, problem = read_preset_form(app.settings, form)
        if problem:
            self._say(problem)
            return
        try:
            save_settings(app.paths, replace(app.settings, presets=presets))
        except ConfigError as error:
            self._say(str(error))
            return
        except OSError as error:
            self._say(f"Could not save the preset: {error.strerror or error}.")
            return
        app.settings.presets = presets  # in place: the session and screens hold it
        self.dismiss(form.name.strip())
