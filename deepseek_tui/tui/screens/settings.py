"""The settings form: key and balance, endpoint, model, sampling, a new conversation's
request parameters, system prompt, theme, reasoning panel."""

from __future__ import annotations

import contextlib
import os
from dataclasses import fields

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult, InvalidThemeError
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static, Switch, TextArea

from deepseek_tui.api.models import model_traits
from deepseek_tui.config import (
    ENV_BASE_URL,
    INVALID_KEY,
    MAX_STOP,
    ApiKey,
    ConfigError,
    Provider,
    Settings,
    key_problem,
    load_api_key,
    save_settings,
    store_api_key,
)
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.app import DeepSeekApp
from deepseek_tui.tui.balance import balance_text
from deepseek_tui.tui.screens.settings_form import (
    DEFAULT_EFFORT,
    EFFORT_CHOICES,
    SHOWN_UNDER_FIELDS,
    STOP_SEPARATOR,
    Form,
    key_summary,
    preset_summary,
    read_form,
    stop_line,
    stop_sequences,
)
from deepseek_tui.tui.widgets.status_bar import credits_text

# Seconds to wait for /models when testing a key; the chat's 600 s limit is for answers.
KEY_TEST_TIMEOUT = 30.0


class SettingsScreen(ModalScreen[bool]):
    """Edit and save the settings; dismisses True when saved, False when cancelled."""

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
        self._balance_text = ""  # "Balance: 12.34 USD", once asked
        self.provider = ""  # the provider the form shows; set in compose

    app = getters.app(DeepSeekApp)

    @property
    def profile(self) -> Provider:
        """The profile of the provider the form shows (as saved)."""
        return self.app.settings.profile(self.provider or self.app.provider)

    # --- building -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = self.app
        settings = app.settings
        with Vertical(id="panel") as panel:
            panel.border_title = "Settings"
            panel.border_subtitle = f"saved in {app.paths.config_file}"
            with VerticalScroll(id="form"):
                yield FormRow(
                    "Provider",
                    Select(
                        [
                            (Text(sanitize(settings.profile(name).title or name, name=True)), name)
                            for name in settings.provider_names()
                        ],
                        value=app.provider,
                        allow_blank=False,
                        id="provider",
                    ),
                    _hint(
                        "Whose key, base URL and model these are; saving makes it the "
                        "default and switches this chat to it.",
                    ),
                )
                yield FormRow(
                    "API key",
                    Horizontal(
                        Input(
                            placeholder="paste a new key to replace it",
                            password=True,
                            validate_on=(),
                            id="api_key",
                        ),
                        Button("Test key", id="test-key"),
                        classes="inline",
                    ),
                    _problem("api_key"),
                    _hint(self._key_summary(), id="key-summary"),
                    _hint("", id="balance"),  # filled by `load_balance`
                    Static(id="key-result", markup=False),  # a server's words, a URL
                )
                yield FormRow(
                    "Base URL",
                    Input(self.profile.base_url, validate_on=(), id="base_url"),
                    _problem("base_url"),
                    _hint(self._base_url_note(), id="base-url-note"),
                )
                yield FormRow(
                    "Default model",
                    Select(
                        [(model, model) for model in self._model_choices()],
                        value=self.profile.model,
                        allow_blank=False,
                        id="model",
                    ),
                    _problem("model"),
                )
                yield FormRow(
                    "Temperature",
                    _number_input(settings.temperature, "temperature", "0 to 2"),
                    _problem("temperature"),
                )
                yield FormRow(
                    "Top p",
                    _number_input(settings.top_p, "top_p", "above 0, at most 1"),
                    _problem("top_p"),
                )
                yield Static(
                    "Each new conversation starts with these; in the chat, ^p changes "
                    "the open one's own.",
                    classes="section",
                )
                yield FormRow(
                    "Max tokens",
                    _number_input(settings.max_tokens, "max_tokens", "a whole number"),
                    _problem("max_tokens"),
                    _hint("", id="max-tokens-note"),
                )
                yield FormRow(
                    "JSON mode",
                    Horizontal(
                        Switch(settings.json_mode, id="json_mode"),
                        Static(
                            "The answer is a JSON object. Your message or the system prompt "
                            'must mention JSON (e.g. "reply in JSON").',
                            id="json-mode-words",
                            classes="switch-words",
                        ),
                        classes="inline",
                    ),
                    _hint("Not sent to models that cannot take it (the reasoner)."),
                )
                yield FormRow(
                    "Stop sequences",
                    Input(
                        stop_line(settings.stop),
                        placeholder=f"none (e.g. END{STOP_SEPARATOR}###)",
                        validate_on=(),
                        id="stop",
                    ),
                    _problem("stop"),
                    _hint(_stop_note(stop_line(settings.stop)), id="stop-note"),
                )
                yield FormRow(
                    "Frequency penalty",
                    _number_input(settings.frequency_penalty, "frequency_penalty", "-2 to 2"),
                    _problem("frequency_penalty"),
                )
                yield FormRow(
                    "Presence penalty",
                    _number_input(settings.presence_penalty, "presence_penalty", "-2 to 2"),
                    _problem("presence_penalty"),
                    _hint("Penalties are not sent while a model thinks."),
                )
                yield FormRow(
                    "Reasoning effort",
                    Select(
                        [(choice, choice) for choice in EFFORT_CHOICES],
                        value=settings.reasoning_effort or DEFAULT_EFFORT,
                        allow_blank=False,
                        id="reasoning_effort",
                    ),
                    _problem("reasoning_effort"),
                    _hint("Only V4 models take it, while they think; others are sent nothing."),
                )
                yield FormRow(
                    "System prompt",
                    TextArea(
                        settings.system_prompt,
                        soft_wrap=True,
                        show_line_numbers=False,
                        tab_behavior="focus",
                        placeholder="none: the model's own behaviour",
                        id="system_prompt",
                    ),
                )
                yield FormRow(
                    "Presets",
                    Horizontal(Button("Edit presets…", id="edit-presets"), classes="inline"),
                    _hint(preset_summary(settings), id="presets-summary"),
                )
                yield FormRow(
                    "Theme",
                    Select(
                        [(name, name) for name in sorted(app.available_themes)],
                        value=self._current_theme(),
                        allow_blank=False,
                        id="theme",
                    ),
                    _hint("Shown as you pick; esc puts it back."),
                )
                yield FormRow(
                    "Reasoning",
                    Horizontal(
                        Switch(settings.reasoning_expanded, id="reasoning_expanded"),
                        Static(
                            _reasoning_words(settings.reasoning_expanded),
                            id="reasoning-words",
                            classes="switch-words",
                        ),
                        classes="inline",
                    ),
                )
                yield FormRow(
                    "Titles",
                    Horizontal(
                        Switch(settings.model_titles, id="model_titles"),
                        Static(
                            "Ask the model for a short title after a new conversation's "
                            "first answer (off: the question's first words).",
                            classes="switch-words",
                        ),
                        classes="inline",
                    ),
                    _hint("Costs one small request per conversation, added to the last cost."),
                )
            with Horizontal(id="actions"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")
                yield Static(id="save-problem", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._original_theme = self.app.theme
        self.revalidate()
        self.load_balance()

    def _model_choices(self) -> list[str]:
        choices = list(self.app.model_ids(self.profile.name))
        if self.profile.model not in choices:
            choices.append(self.profile.model)
        return choices

    def _current_theme(self) -> str:
        app = self.app
        return app.theme if app.theme in app.available_themes else app.settings.theme

    def _loaded_key(self) -> ApiKey | None:
        profile = self.profile
        with contextlib.suppress(ConfigError, OSError):
            return load_api_key(self.app.paths, profile.name, key_env=profile.key_env)
        return None

    def _in_use(self) -> bool:
        """Whether the form shows the provider this chat talks to."""
        return self.profile.name == self.app.provider

    def _current_key(self) -> str | None:
        """The key a test uses when none is typed: the chat's, or the saved one in the
        demo or for another provider than the chat's."""
        if self.app.demo or not self._in_use():
            loaded = self._loaded_key()
            return loaded.value if loaded else None
        return self.app.api_key

    def _key_summary(self) -> str:
        app = self.app
        current = self._current_key() if not app.demo else app.api_key
        key_env = self.profile.key_env
        summary = key_summary(current, self._loaded_key(), demo=app.demo, key_env=key_env)
        # What the provider in use said is left (Segmind's credits), not a guess for another.
        credits = app.session.remaining_credits if app.session is not None else None
        if credits and self.profile.name == app.provider:
            return f"{summary} Account: {credits_text(credits)} left (at the last answer)."
        return summary

    def _base_url_note(self) -> str:
        """Why this session talks to another URL than the saved one, if it does."""
        app = self.app
        in_use = app.base_url.rstrip("/")
        if not self._in_use() or in_use == self.profile.base_url.strip().rstrip("/"):
            return ""
        if app.demo:
            return "This session uses the offline demo's emulator."
        if os.environ.get(ENV_BASE_URL, "").strip():
            return f"This session uses {in_use} from {ENV_BASE_URL}, which overrides this."
        return f"This session uses {in_use} (from --base-url)."

    # --- validating -------------------------------------------------------------------

    def form(self) -> Form:
        model = self.query_one("#model", Select).value
        theme = self.query_one("#theme", Select).value
        return Form(
            provider=self.profile.name,
            base_url=self.query_one("#base_url", Input).value,
            model=model if isinstance(model, str) else "",
            temperature=self.query_one("#temperature", Input).value,
            top_p=self.query_one("#top_p", Input).value,
            max_tokens=self.query_one("#max_tokens", Input).value,
            system_prompt=self.query_one("#system_prompt", TextArea).text,
            theme=theme if isinstance(theme, str) else self._original_theme,
            reasoning_expanded=self.query_one("#reasoning_expanded", Switch).value,
            model_titles=self.query_one("#model_titles", Switch).value,
            json_mode=self.query_one("#json_mode", Switch).value,
            stop=self.query_one("#stop", Input).value,
            frequency_penalty=self.query_one("#frequency_penalty", Input).value,
            presence_penalty=self.query_one("#presence_penalty", Input).value,
            reasoning_effort=str(self.query_one("#reasoning_effort", Select).value),
        )

    def revalidate(self) -> dict[str, str]:
        """Show each field's problem under it; Save is enabled only without problems."""
        _, problems = read_form(self.app.settings, self.form())
        typed_key = key_problem(self.query_one("#api_key", Input).value)
        if typed_key:
            problems["api_key"] = typed_key
        for name in SHOWN_UNDER_FIELDS:
            message = problems.get(name, "")
            shown = self.query_one(f"#{name}-problem", Static)
            shown.update(message)
            shown.display = bool(message)
            self.query_one(f"#{name}").set_class(bool(message), "-invalid")
        others = [text for name, text in problems.items() if name not in SHOWN_UNDER_FIELDS]
        summary = " ".join(others) or ("Fix the fields marked in red to save." if problems else "")
        self.query_one("#save-problem", Static).update(summary)
        self.query_one("#save-problem").set_class(bool(problems), "-error")
        self.query_one("#save", Button).disabled = bool(problems)
        self._problems = problems
        self._show_notes()
        return problems

    def _show_notes(self) -> None:
        """The hints that follow what is typed: the model's max_tokens limit, and how the
        stop line is read."""
        model = self.query_one("#model", Select).value
        limit = model_traits(model).max_tokens if isinstance(model, str) else None
        note = self.query_one("#max-tokens-note", Static)
        text = f"{model} takes up to {limit:,}; a larger value is held to that." if limit else ""
        note.update(text)
        note.display = bool(text)
        stop = self.query_one("#stop-note", Static)
        stop.update(_stop_note(self.query_one("#stop", Input).value))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.revalidate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.revalidate()

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
        self._show_key_result("", ok=None)
        summary = self.query_one("#key-summary", Static)
        summary.update(self._key_summary())
        summary.display = True
        self._show_balance()
        self.query_one("#base_url", Input).value = self.profile.base_url
        note = self.query_one("#base-url-note", Static)
        note.update(self._base_url_note())
        note.display = bool(self._base_url_note())
        models = self.query_one("#model", Select)
        models.set_options([(model, model) for model in self._model_choices()])
        models.value = self.profile.model
        self.revalidate()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        event.stop()
        if event.switch.id == "reasoning_expanded":
            self.query_one("#reasoning-words", Static).update(_reasoning_words(event.value))
        self.revalidate()

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
                summary = self.query_one("#presets-summary", Static)
                summary.update(preset_summary(self.app.settings))
                self.notify(f"Preset {sanitize(name, name=True)} saved.", markup=False)

        self.app.push_screen(PresetEditor(), saved)

    def action_test_key(self) -> None:
        typed = self.query_one("#api_key", Input).value.strip()
        key = typed or self._current_key()
        base_url = self.query_one("#base_url", Input).value.strip()
        if not key:
            self._show_key_result("There is no key to test: paste one above.", ok=False)
        elif key_problem(typed):
            self._show_key_result(INVALID_KEY, ok=False)
        elif "base_url" in self._problems:
            self._show_key_result("Fix the base URL before testing the key.", ok=False)
        else:
            self._show_key_result(f"Testing the key against {base_url}…", ok=None)
            self.test_key(base_url, key)

    @work(exclusive=True, group="test-key")
    async def test_key(self, base_url: str, key: str) -> None:
        """Ask the server for its model list with ``key``; the cheapest authenticated call."""
        from deepseek_tui.api.errors import ApiError
        from deepseek_tui.api.providers import client_for

        app = self.app
        client = client_for(
            app.settings,
            base_url,
            key,
            self.profile.name,
            first_data_timeout=KEY_TEST_TIMEOUT,
            max_attempts=1,
        )
        try:
            models = await client.list_models()
        except ApiError as error:
            error.hide(key)  # a server may echo the key it refused: never shown
            self._show_key_result(str(error), ok=False)
        else:
            count = f"{len(models)} model{'' if len(models) == 1 else 's'}"
            self._show_key_result(f"Key works: {count} available.", ok=True)
        finally:
            await client.aclose()

    @work(exclusive=True, group="balance", exit_on_error=False)
    async def load_balance(self) -> None:
        """Ask the provider in use what is left on the account, while the form is usable.
        Segmind has no such call: its credits are in the key summary already."""
        from deepseek_tui.api.errors import ApiError

        app = self.app
        if app.demo or app.api_key is None:
            return  # the demo's emulator has no account; no key, no account to ask about
        app.connect()
        balance = getattr(app.client, "balance", None)
        if balance is None:
            return
        self._balance_text = "Balance: asking…"
        self._show_balance()
        try:
            report = await balance()
        except ApiError as error:
            error.hide(app.api_key)
            self._balance_text = "Balance unknown: " + " ".join(str(error).split())
        else:
            self._balance_text = f"Balance: {balance_text(report)}"
        self._show_balance()

    def _show_balance(self) -> None:
        """The balance is the provider in use's: not shown while the form shows another."""
        shown = self.query_one("#balance", Static)
        shown.update(self._balance_text)
        shown.display = bool(self._balance_text) and self._in_use()

    def _show_key_result(self, text: str, *, ok: bool | None) -> None:
        result = self.query_one("#key-result", Static)
        result.update(text)
        result.set_class(ok is True, "-ok")
        result.set_class(ok is False, "-error")

    def action_save(self) -> None:
        if self.revalidate():
            return
        app = self.app
        settings, _ = read_form(app.settings, self.form())
        key = self.query_one("#api_key", Input).value.strip()
        provider = self.profile.name
        switching = provider != app.provider
        if switching and not key and self._loaded_key() is None:
            # Never fall back to another provider's key: ask for this one's.
            problem = self.query_one("#save-problem", Static)
            problem.update(f"Paste the {self.profile.title or provider} API key to switch to it.")
            problem.add_class("-error")
            return
        failure = self._write(settings, key)
        if failure:
            # The form keeps everything typed, so the user can fix the cause and retry.
            problem = self.query_one("#save-problem", Static)
            problem.update(failure)
            problem.add_class("-error")
            return
        base_url_changed = settings.profile(provider).base_url != self.profile.base_url
        # In place: the chat session and screens hold this very object.
        for item in fields(Settings):
            value = getattr(settings, item.name)
            setattr(app.settings, item.name, list(value) if isinstance(value, list) else value)
        if app.demo and key:
            # A real key ends the demo: chats go to the saved base URL from now on.
            app.leave_demo(key, settings.profile("deepseek").base_url)
            if switching:
                app.switch_provider(provider)
            self.notify(
                f"Key saved: the demo is over, chats now go to {app.base_url}.", markup=False
            )
        elif switching and not app.demo:
            problem = app.switch_provider(provider)
            if problem:
                self.notify(problem, severity="warning", markup=False)
        elif not app.demo:
            if key:
                app.api_key = key
            if base_url_changed:
                app.base_url = settings.profile(provider).base_url.rstrip("/")
        self.dismiss(True)

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
        self.dismiss(False)


class FormRow(Horizontal):
    """One row of the form: the label on the left, the field and its messages beside it."""

    def __init__(self, label: str, *children: Widget) -> None:
        super().__init__(
            Label(label, classes="label"), Vertical(*children, classes="field"), classes="row"
        )


def _hint(text: str, *, id: str | None = None) -> Static:
    """Muted text under a field; hidden when there is nothing to say."""
    # Hints and problems quote outside text (a base URL, a path, an env variable's
    # name): never read as markup.
    hint = Static(text, id=id, classes="hint", markup=False)
    hint.display = bool(text)
    return hint


def _problem(name: str) -> Static:
    return Static(id=f"{name}-problem", classes="problem", markup=False)


def _number_input(value: float | int | None, name: str, hint: str) -> Input:
    text = "" if value is None else str(value)
    return Input(text, placeholder=f"server default ({hint})", validate_on=(), id=name)


def _stop_note(text: str) -> str:
    """How the stop line is read, so a missing space around the separator shows."""
    stop = stop_sequences(text)
    rule = f"Up to {MAX_STOP}, separated by {STOP_SEPARATOR.strip()!r}."
    if not stop:
        return rule
    return f"{rule} Read as {len(stop)}: {', '.join(map(repr, stop))}."


def _reasoning_words(expanded: bool) -> str:
    """The switch's label: one sentence that on/off answers (it used to flip with the
    switch, so "off" beside "Collapse…" read as "does not collapse")."""
    return "Keep the reasoning open after the answer starts (off: it folds away)."
