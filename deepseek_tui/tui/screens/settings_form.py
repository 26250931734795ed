"""The settings form without its widgets: one schema (`FIELDS`) that says what each
row holds, how a value is shown and read back, and the sentence that says it is wrong;
`read_form` turns what the rows hold into Settings; the line that says which key is
in use. The preset editor's form is preset_form.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from deepseek_tui.api.models import model_traits
from deepseek_tui.config import (
    ENV_API_KEY,
    ENV_BASE_URL,
    INVALID_KEY,
    MAX_STOP,
    REASONING_EFFORTS,
    ApiKey,
    Settings,
    key_problem,
    mask_key,
)

# Stop sequences are typed on one line, separated by this (as in the chat's palette).
STOP_SEPARATOR = " | "
# The reasoning effort picker's first choice: nothing sent, the model's own default.
DEFAULT_EFFORT = "default"
EFFORT_CHOICES = (DEFAULT_EFFORT, *REASONING_EFFORTS)

# What a row's widget is: a Select, the key's Input with its Test button, a one-line
# Input, a number's Input (blank: the server's default), a Switch with words beside it,
# a TextArea, or a button that opens something.
Kind = Literal["choice", "key", "line", "number", "whole", "switch", "prompt", "button"]
# Where its value lives: a Settings attribute, the shown provider's profile (its base
# URL, its model), or only the form (the key, which provider the form shows).
Where = Literal["settings", "profile", "form"]
Value = str | bool  # what a row's widget holds


@dataclass(frozen=True)
class Field:
    """One row of the settings form. `name` is its widget's id and the name of the value
    it edits; `read` raising ValueError, or Settings.problems() naming it, shows `problem`."""

    name: str
    label: str
    kind: Kind
    where: Where = "settings"
    problem: str = ""  # the sentence under the field while its value cannot be used
    hint: str = ""  # muted words under it
    notes: tuple[str, ...] = ()  # ids of muted words under it that the screen keeps up to date
    placeholder: str = ""
    words: str = ""  # beside a switch; on a button
    choices: tuple[str, ...] = ()  # a choice's fixed options; none: the screen offers them
    section: str = ""  # a line above this row, about the rows from here on
    show: Callable[[Any], Value] | None = None  # value → what the widget holds
    read: Callable[[Any], Any] | None = None  # what the widget holds → value

    @property
    def blank(self) -> Value:
        """What the widget holds when nothing is chosen or typed."""
        if self.kind == "switch":
            return False
        return self.choices[0] if self.choices else ""

    def shown(self, value: Any) -> Value:
        """What the widget holds for `value`, as Settings keeps it."""
        if self.show is not None:
            return self.show(value)
        if self.kind in ("number", "whole"):
            return "" if value is None else str(value)
        return value

    def value(self, held: Value) -> Any:
        """The value the widget holds, as Settings keeps it; ValueError if it is none."""
        if self.read is not None:
            return self.read(held)
        if self.kind in ("number", "whole"):
            text = str(held).strip()
            return (int if self.kind == "whole" else float)(text) if text else None
        return held


def stop_sequences(text: str) -> list[str]:
    """The stop sequences typed on one line; empty pieces are dropped (the palette's rule)."""
    return [piece for piece in text.split(STOP_SEPARATOR) if piece]


def stop_line(stop: list[str] | tuple[str, ...]) -> str:
    """The stop sequences as the field shows them."""
    return STOP_SEPARATOR.join(stop)


def _typed_key(text: str) -> str:
    if key_problem(text):
        raise ValueError("not a key")  # never the key itself in an exception
    return text.strip()


def _chosen(text: str) -> str:
    if not text.strip():
        raise ValueError("nothing chosen")
    return text.strip()


# The form, top to bottom: a setting added here gets its row, is read, checked and saved.
FIELDS = (
    Field(
        "provider",
        "Provider",
        "choice",
        where="form",
        hint="Whose key, base URL and model these are; saving makes it the default and "
        "switches this chat to it.",
    ),
    Field(
        "api_key",
        "API key",
        "key",
        where="form",
        problem=INVALID_KEY,
        notes=("key-summary", "balance"),
        placeholder="paste a new key to replace it",
        read=_typed_key,
    ),
    Field(
        "base_url",
        "Base URL",
        "line",
        where="profile",
        problem="The base URL must start with http:// or https:// and name a host.",
        notes=("base-url-note",),
        read=str.strip,
    ),
    Field(
        "model", "Default model", "choice", where="profile", problem="Pick a model.", read=_chosen
    ),
    Field(
        "temperature",
        "Temperature",
        "number",
        problem="Temperature must be a number from 0 to 2.",
        placeholder="server default (0 to 2)",
    ),
    Field(
        "top_p",
        "Top p",
        "number",
        problem="Top p must be a number greater than 0 and at most 1.",
        placeholder="server default (above 0, at most 1)",
    ),
    Field(
        "max_tokens",
        "Max tokens",
        "whole",
        problem="Max tokens must be a whole number of at least 1.",
        notes=("max-tokens-note",),
        placeholder="server default (a whole number)",
        section="Each new conversation starts with these; in the chat, ^p changes the open "
        "one's own.",
    ),
    Field(
        "json_mode",
        "JSON mode",
        "switch",
        hint="Not sent to models that cannot take it (the reasoner).",
        words="The answer is a JSON object. Your message or the system prompt must mention "
        'JSON (e.g. "reply in JSON").',
    ),
    Field(
        "stop",
        "Stop sequences",
        "line",
        problem=f"At most {MAX_STOP} stop sequences, separated by {STOP_SEPARATOR.strip()!r}.",
        notes=("stop-note",),
        placeholder=f"none (e.g. END{STOP_SEPARATOR}###)",
        show=stop_line,
        read=stop_sequences,
    ),
    Field(
        "frequency_penalty",
        "Frequency penalty",
        "number",
        problem="Frequency penalty must be a number from -2 to 2.",
        placeholder="server default (-2 to 2)",
    ),
    Field(
        "presence_penalty",
        "Presence penalty",
        "number",
        problem="Presence penalty must be a number from -2 to 2.",
        hint="Penalties are not sent while a model thinks.",
        placeholder="server default (-2 to 2)",
    ),
    Field(
        "reasoning_effort",
        "Reasoning effort",
        "choice",
        problem=f"Pick {DEFAULT_EFFORT}, {' or '.join(REASONING_EFFORTS)}.",
        hint="Only V4 models take it, while they think; others are sent nothing.",
        choices=EFFORT_CHOICES,
        show=lambda effort: effort or DEFAULT_EFFORT,
        read=lambda choice: None if choice == DEFAULT_EFFORT else choice,
    ),
    Field(
        "system_prompt",
        "System prompt",
        "prompt",
        placeholder="none: the model's own behaviour",
    ),
    Field(
        "edit-presets",
        "Presets",
        "button",
        where="form",
        notes=("presets-summary",),
        words="Edit presets…",
    ),
    Field("theme", "Theme", "choice", hint="Shown as you pick; esc puts it back."),
    Field(
        "reasoning_expanded",
        "Reasoning",
        "switch",
        # One sentence that on and off answer (it used to flip with the switch, so "off"
        # beside "Collapse…" read as "does not collapse").
        words="Keep the reasoning open after the answer starts (off: it folds away).",
    ),
    Field(
        "model_titles",
        "Titles",
        "switch",
        hint="Costs one small request per conversation, added to the last cost.",
        words="Ask the model for a short title after a new conversation's first answer "
        "(off: the question's first words).",
    ),
)
# One sentence per field that can be wrong, shown under it; any other problem (a
# timeout in config.toml, another provider's URL…) is said next to Save.
FIELD_PROBLEMS = {field.name: field.problem for field in FIELDS if field.problem}


def shown_values(settings: Settings, provider: str) -> dict[str, Value]:
    """What each row holds for `settings`, showing `provider` and its profile."""
    profile = settings.profile(provider)
    values: dict[str, Value] = {"provider": provider}
    for field in FIELDS:
        if field.where != "form":
            source = profile if field.where == "profile" else settings
            values[field.name] = field.shown(getattr(source, field.name))
    return values


def read_form(base: Settings, values: Mapping[str, Value]) -> tuple[Settings, dict[str, str]]:
    """The settings the rows describe, and a sentence for each field that is wrong.

    `values` by field name; a field missing from it reads as blank (a blank number
    means "server default"). ``Settings.problems`` decides what is valid; settings that
    are not on the form (timeouts…) keep their value from ``base``. The provider shown
    becomes the default, and its profile takes the base URL and model.
    """
    provider = str(values.get("provider") or base.provider)
    # A copy: the profile's values go into its own table.
    providers = {name: dict(table) for name, table in base.providers.items()}
    candidate = replace(base, provider=provider, providers=providers)
    problems: dict[str, str] = {}
    for field in FIELDS:
        if field.kind == "button":
            continue
        try:
            value = field.value(values.get(field.name, field.blank))
        except ValueError:
            problems[field.name] = field.problem
            continue
        if field.where == "settings":
            setattr(candidate, field.name, value)
        elif field.where == "profile":
            candidate.set_profile_value(provider, field.name, value)
    for setting, sentence in candidate.problems():
        name = setting.removeprefix(f"providers.{provider}.")
        problems.setdefault(name, FIELD_PROBLEMS.get(name, sentence))
    return candidate, problems


def stop_note(text: str) -> str:
    """How the stop line is read, so a missing space around the separator shows."""
    stop = stop_sequences(text)
    rule = f"Up to {MAX_STOP}, separated by {STOP_SEPARATOR.strip()!r}."
    if not stop:
        return rule
    return f"{rule} Read as {len(stop)}: {', '.join(map(repr, stop))}."


def max_tokens_note(model: object) -> str:
    """The model's max_tokens limit, if it is known."""
    limit = model_traits(model).max_tokens if isinstance(model, str) else None
    return f"{model} takes up to {limit:,}; a larger value is held to that." if limit else ""


def base_url_note(in_use: str, saved: str, *, demo: bool, from_env: bool) -> str:
    """Why this session talks to another URL than the saved one, if it does."""
    in_use = in_use.rstrip("/")
    if in_use == saved.strip().rstrip("/"):
        return ""
    if demo:
        return "This session uses the offline demo's emulator."
    if from_env:
        return f"This session uses {in_use} from {ENV_BASE_URL}, which overrides this."
    return f"This session uses {in_use} (from --base-url)."


@dataclass(frozen=True)
class SavedSettings:
    """What the settings screen saved (its result): the settings as written to
    config.toml, the provider they make the default, and the key typed for it ("" if none)."""

    settings: Settings
    provider: str
    key: str = ""


def key_summary(
    current: str | None, loaded: ApiKey | None, *, demo: bool, key_env: str = ENV_API_KEY
) -> str:
    """The line under the key field: which key is in use, masked, and where it is from
    (`key_env`: the provider's environment variable)."""
    if demo:
        saved = f"Saved key: {loaded.masked}." if loaded else "No key saved yet."
        return (
            f"Demo mode: chats use the offline emulator. {saved} Saving a key here ends the demo."
        )
    if not current:
        return "No key yet: paste one above."
    if loaded is not None and loaded.value == current and loaded.source == "env":
        return (
            f"Current key: {mask_key(current)} from {key_env}. "
            "It overrides a key saved here every time the app starts."
        )
    if loaded is not None and loaded.value == current:
        return f"Current key: {mask_key(current)}, saved in credentials.toml."
    return f"Current key: {mask_key(current)}."
