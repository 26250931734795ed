"""The settings form: key and balance, endpoint, model, sampling, a new conversation's
request parameters, system prompt, theme, reasoning panel. Its rows come from
`settings_form.FIELDS`; it saves, and returns what it saved for the app to use."""

from __future__ import annotations

import contextlib
import os

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult, InvalidThemeError
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Select, Static, Switch, TextArea

from deepseek_tui.config import (
    ENV_BASE_URL,
    ConfigError,
    Provider,
    Settings,
    save_settings,
    store_api_key,
)
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.app import DeepSeekApp
from deepseek_tui.tui.screens.preset_form import preset_summary
from deepseek_tui.tui.screens.settings_form import (
    FIELD_PROBLEMS,
    FIELDS,
    Field,
    SavedSettings,
    Value,
    base_url_note,
    max_tokens_note,
    read_form,
    shown_values,
    stop_note,
)
from deepseek_tui.tui.screens.settings_key import KeyAndBalance
from deepseek_tui.tui.screens.settings_rows import form_row


class SettingsScreen(ModalScreen[SavedSettings | None]):
    """Edit and save the settings; dismisses with what it saved, None when cancelled."""

    CSS_PATH = "settings.tcss"
    PREVIEWS_THEME = True  # a theme picked here is saved with Save, not at once
    AUTO_FOCUS = "#api_key"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+t", "test_key", "Test key"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._original_theme = ""
        self._problems: dict[str, str] = {}
        self._preset_saved = ""  # the preset the editor saved last, said under its button
        self.provider = ""  # the provider the form shows; set in compose
        # "Test key" and its result, the key's words, the balance line.
        self.keys = KeyAndBalance(
            self, profile=lambda: self.profile, show_balance=lambda: self._show_notes("balance")
        )

    app = getters.app(DeepSeekApp)

    @property
    def profile(self) -> Provider:
        """The profile of the provider the form shows (as saved)."""
        return self.app.settings.profile(self.provider or self.app.provider)

    # --- building -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = self.app
        self.provider = app.provider
        values = shown_values(app.settings, self.provider)
        # The theme on screen, which may be one the settings name but cannot load.
        values["theme"] = self._current_theme()
        with Vertical(id="panel") as panel:
            panel.border_title = "Settings"
            panel.border_subtitle = f"saved in {app.paths.config_file}"
            with VerticalScroll(id="form"):
                for field in FIELDS:
                    if field.section:
                        yield Static(field.section, classes="section")
                    value = values.get(field.name, field.blank)
                    yield form_row(field, value, self._options(field))
            with Horizontal(id="actions"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")
                yield Static(id="save-problem", markup=False)
        yield Footer(compact=True)

    def _options(self, field: Field) -> list[tuple[str | Text, str]]:
        """A choice's options: its own, or those the app knows of now."""
        if field.kind != "choice":
            return []
        if field.name == "provider":
            settings = self.app.settings
            return [
                (Text(sanitize(settings.profile(name).title or name, name=True)), name)
                for name in settings.provider_names()
            ]
        if field.name == "model":
            names = self._model_choices()
        elif field.name == "theme":
            names = sorted(self.app.available_themes)
        else:
            names = list(field.choices)
        return [(_shown(name), name) for name in names]

    def on_mount(self) -> None:
        self._original_theme = self.app.theme
        self.revalidate()
        self._show_notes()
        self.keys.load_balance()

    def _model_choices(self) -> list[str]:
        choices = list(self.app.model_ids(self.profile.name))
        if self.profile.model not in choices:
            choices.append(self.profile.model)
        return choices

    def _current_theme(self) -> str:
        app = self.app
        return app.theme if app.theme in app.available_themes else app.settings.theme

    def _note(self, name: str) -> str:
        """The words of the muted line `name` under a field; "" for none."""
        app, in_use = self.app, self.keys.in_use()
        if name == "key-summary":
            return self.keys.summary()
        if name == "balance":
            return self.keys.balance if in_use else ""
        if name == "base-url-note" and in_use:
            from_env = bool(os.environ.get(ENV_BASE_URL, "").strip())
            return base_url_note(
                app.base_url, self.profile.base_url, demo=app.demo, from_env=from_env
            )
        if name == "max-tokens-note":
            return max_tokens_note(self.query_one("#model", Select).value)
        if name == "stop-note":
            return stop_note(self.query_one("#stop", Input).value)
        if name == "presets-summary":
            saved = self._preset_saved
            said = f"Preset {sanitize(saved, name=True)} saved. " if saved else ""
            return said + preset_summary(app.settings)
        return ""

    def _show_notes(self, *names: str) -> None:
        """Fill the muted lines under the fields named (all by default): they follow the
        provider shown, what is typed, the presets; each is hidden while it is empty."""
        for name in names or [note for field in FIELDS for note in field.notes]:
            # Notes quote outside text (a model id, a URL, a server's words): inert.
            text = sanitize(self._note(name))
            note = self.query_one(f"#{name}", Static)
            note.update(text)
            note.display = bool(text)

    # --- validating -------------------------------------------------------------------

    def values(self) -> dict[str, Value]:
        """What each row holds, by field name."""
        values: dict[str, Value] = {}
        for field in FIELDS:
            widget = self.query_one(f"#{field.name}")
            if isinstance(widget, Input | Switch):
                values[field.name] = widget.value
            elif isinstance(widget, TextArea):
                values[field.name] = widget.text
            elif isinstance(widget, Select):
                values[field.name] = widget.value if isinstance(widget.value, str) else ""
        return values

    def revalidate(self) -> dict[str, str]:
        """Show each field's problem under it; Save is enabled only without problems."""
        _, problems = read_form(self.app.settings, self.values())
        for name in FIELD_PROBLEMS:
            message = problems.get(name, "")
            shown = self.query_one(f"#{name}-problem", Static)
            shown.update(message)
            shown.display = bool(message)
            self.query_one(f"#{name}").set_class(bool(message), "-invalid")
        others = [text for name, text in problems.items() if name not in FIELD_PROBLEMS]
        summary = " ".join(others) or ("Fix the fields marked in red to save." if problems else "")
        self.query_one("#save-problem", Static).update(summary)
        self.query_one("#save-problem").set_class(bool(problems), "-error")
        self.query_one("#save", Button).disabled = bool(problems)
        self._problems = problems
        self._show_notes("max-tokens-note", "stop-note")
        return problems

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Switch.Changed)
    def _changed(self, event: Input.Changed | TextArea.Changed | Switch.Changed) -> None:
        event.stop()
        self.revalidate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "provider" and isinstance(event.value, str):
            if event.value != self.profile.name:
                self._show_provider(event.value)
            return
        if event.select.id == "theme" and isinstance(event.value, str):
            # A preview: Esc restores the theme the screen opened with.
            with contextlib.suppress(InvalidThemeError):
                self.app.theme = event.value
        self.revalidate()

    def _show_provider(self, name: str) -> None:
        """Show `name`'s key, base URL and models (as saved) in the form."""
        self.provider = name
        self.query_one("#api_key", Input).value = ""
        self.keys.show_result("", ok=None)
        self.query_one("#base_url", Input).value = self.profile.base_url
        models = self.query_one("#model", Select)
        models.set_options([(_shown(model), model) for model in self._model_choices()])
        models.value = self.profile.model
        self.revalidate()
        self._show_notes()

    # --- actions ---------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "cancel":
            self.action_cancel()
        elif event.button.id == "edit-presets":
            self.action_edit_presets()
        else:
            self.action_test_key()

    def action_edit_presets(self) -> None:
        """Create or edit a preset; it is saved to config.toml by the editor itself."""
        from deepseek_tui.tui.screens.preset_editor import PresetEditor

        def saved(name: str | None) -> None:
            if name:
                # Said in the form's own row: no notice is drawn over a dialog.
                self._preset_saved = name
                self._show_notes("presets-summary")

        self.app.push_screen(PresetEditor(), saved)

    def action_test_key(self) -> None:
        self.keys.test(
            self.query_one("#api_key", Input).value.strip(),
            self.query_one("#base_url", Input).value.strip(),
            url_ok="base_url" not in self._problems,
        )

    def action_save(self) -> None:
        """Write what the form holds; dismiss with it for the app to use (`DeepSeekApp.
        use_settings`), or say next to Save why it could not be written."""
        if self.revalidate():
            return
        values = self.values()
        settings, _ = read_form(self.app.settings, values)
        key = str(values["api_key"]).strip()
        provider = self.profile.name
        if provider != self.app.provider and not key and self.keys.loaded_key() is None:
            # Never fall back to another provider's key: ask for this one's.
            self._say(f"Paste the {self.profile.title or provider} API key to switch to it.")
            return
        failure = self._write(settings, key)
        if failure:
            # The form keeps everything typed, so the user can fix the cause and retry.
            self._say(failure)
            return
        self.dismiss(SavedSettings(settings, provider, key))

    def _say(self, problem: str) -> None:
        shown = self.query_one("#save-problem", Static)
        shown.update(problem)
        shown.add_class("-error")

    def _write(self, settings: Settings, key: str) -> str | None:
        """Save the settings (and the key, if one was typed); a sentence if that failed."""
        paths = self.app.paths
        try:
            # The key first: if it is refused, nothing has been written yet.
            if key:
                store_api_key(paths, key, self.profile.name)
            save_settings(paths, settings)
        except (ValueError, ConfigError) as error:
            return str(error)
        except OSError as error:
            return f"Could not save the settings: {error.strerror or error}."
        return None

    def action_cancel(self) -> None:
        if self.app.theme != self._original_theme:
            self.app.theme = self._original_theme
        self.dismiss(None)


def _shown(name: str) -> Text:
    """A choice's label: a model id from a server or the config, a theme's name from a
    file; one line, inert, never markup (an id "[/]" is a name, not a tag)."""
    return Text(" ".join(sanitize(name, name=True).split()))
