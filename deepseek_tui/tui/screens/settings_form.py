"""The settings form's logic, apart from its widgets: what the fields hold, which
values are wrong and why, and the line that says which key is in use."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from deepseek_tui.config import (
    BUILTIN_PRESETS,
    ENV_API_KEY,
    MAX_STOP,
    REASONING_EFFORTS,
    ApiKey,
    Settings,
    mask_key,
    preset_name_problem,
)

# Stop sequences are typed on one line, separated by this (as in the chat's palette).
STOP_SEPARATOR = " | "
# The reasoning effort picker's first choice: nothing sent, the model's own default.
DEFAULT_EFFORT = "default"
EFFORT_CHOICES = (DEFAULT_EFFORT, *REASONING_EFFORTS)

# One sentence per form field, shown under it while its value cannot be used.
FIELD_PROBLEMS = {
    "base_url": "The base URL must start with http:// or https:// and name a host.",
    "model": "Pick a model.",
    "temperature": "Temperature must be a number from 0 to 2.",
    "top_p": "Top p must be a number greater than 0 and at most 1.",
    "max_tokens": "Max tokens must be a whole number of at least 1.",
    "frequency_penalty": "Frequency penalty must be a number from -2 to 2.",
    "presence_penalty": "Presence penalty must be a number from -2 to 2.",
    "stop": f"At most {MAX_STOP} stop sequences, separated by {STOP_SEPARATOR.strip()!r}.",
    "reasoning_effort": f"Pick {DEFAULT_EFFORT}, {' or '.join(REASONING_EFFORTS)}.",
}
# Problems with these names appear under their field; any other one next to Save.
SHOWN_UNDER_FIELDS = ("api_key", *FIELD_PROBLEMS)


@dataclass(frozen=True)
class Form:
    """What the form's fields hold, as typed."""

    base_url: str
    model: str
    temperature: str
    top_p: str
    max_tokens: str
    system_prompt: str
    theme: str
    reasoning_expanded: bool
    provider: str = "deepseek"  # whose key, base URL and model the form shows
    # A new conversation's request parameters.
    json_mode: bool = False
    stop: str = ""  # sequences separated by STOP_SEPARATOR
    frequency_penalty: str = ""
    presence_penalty: str = ""
    reasoning_effort: str = DEFAULT_EFFORT
    model_titles: bool = False  # ask the model for a title after the first answer


def stop_sequences(text: str) -> list[str]:
    """The stop sequences typed on one line; empty pieces are dropped (the palette's rule)."""
    return [piece for piece in text.split(STOP_SEPARATOR) if piece]


def stop_line(stop: list[str] | tuple[str, ...]) -> str:
    """The stop sequences as the field shows them."""
    return STOP_SEPARATOR.join(stop)


def read_form(base: Settings, form: Form) -> tuple[Settings, dict[str, str]]:
    """The settings the form describes, and a sentence for each field that is wrong.

    Blank numbers mean "server default". ``Settings.validate`` decides what is valid;
    fields that are not on the form (timeouts…) keep their value from ``base``.
    """
    problems: dict[str, str] = {}
    numbers: dict[str, float | int | None] = {}
    for name, kind in (
        ("temperature", float),
        ("top_p", float),
        ("max_tokens", int),
        ("frequency_penalty", float),
        ("presence_penalty", float),
    ):
        text = getattr(form, name).strip()
        try:
            numbers[name] = kind(text) if text else None
        except ValueError:
            numbers[name] = None
            problems[name] = FIELD_PROBLEMS[name]
    candidate = replace(
        base,
        provider=form.provider,
        # A copy: the base URL and model below go into the provider's own table.
        providers={name: dict(table) for name, table in base.providers.items()},
        system_prompt=form.system_prompt,
        theme=form.theme,
        reasoning_expanded=form.reasoning_expanded,
        model_titles=form.model_titles,
        json_mode=form.json_mode,
        stop=stop_sequences(form.stop),
        reasoning_effort=None if form.reasoning_effort == DEFAULT_EFFORT else form.reasoning_effort,
        **numbers,
    )
    candidate.set_profile_value(form.provider, "base_url", form.base_url.strip())
    candidate.set_profile_value(form.provider, "model", form.model.strip())
    profile = f"providers.{form.provider}."
    for problem in candidate.validate():
        # "temperature must be…", "base_url: The base URL…": the field comes first.
        name = problem.split(" ", 1)[0].rstrip(":").removeprefix(profile)
        problems.setdefault(name, FIELD_PROBLEMS.get(name, problem))
    if not form.model.strip():
        problems["model"] = FIELD_PROBLEMS["model"]
    if "base_url" not in problems and not urlsplit(form.base_url.strip()).netloc:
        problems["base_url"] = FIELD_PROBLEMS["base_url"]
    return candidate, problems


@dataclass(frozen=True)
class PresetForm:
    """What the preset editor's fields hold, as typed. `editing`: the name of the
    preset being edited, None for a new one."""

    editing: str | None
    name: str
    description: str = ""
    system_prompt: str = ""
    model: str = ""  # "" = the default model
    temperature: str = ""  # "" = the settings' (or the server's) default


def read_preset_form(
    settings: Settings, form: PresetForm
) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The [presets.NAME] tables with the edited one saved (in its place; a renamed one
    keeps its place too), or the one sentence that says why not. What the editor does
    not show (thinking, stop…) stays as the preset had it."""
    name = form.name.strip()
    taken = [other for other in settings.preset_names() if other != form.editing]
    problem = preset_name_problem(name, taken)
    if problem:
        return settings.presets, problem
    table: dict[str, Any] = {}
    if form.editing is not None:
        table = {
            key: list(value) if isinstance(value, list) else value
            for key, value in settings.preset(form.editing).items()
        }
    for key in ("description", "system_prompt", "model"):
        value = getattr(form, key).strip() if key != "system_prompt" else getattr(form, key)
        if value.strip():
            table[key] = value
        else:
            table.pop(key, None)
    text = form.temperature.strip()
    if text:
        try:
            table["temperature"] = float(text)
        except ValueError:
            return settings.presets, FIELD_PROBLEMS["temperature"]
    else:
        table.pop("temperature", None)
    problems = Settings().with_preset(name, table).validate()
    if problems:
        temperature = any(problem.startswith("temperature") for problem in problems)
        return settings.presets, FIELD_PROBLEMS["temperature"] if temperature else problems[0]
    presets: dict[str, dict[str, Any]] = {}
    placed = False
    for other, other_table in settings.presets.items():
        if other == form.editing:
            presets[name] = table
            placed = True
        elif other != name:
            presets[other] = other_table
    if not placed:
        presets[name] = table  # new, or a built-in one saved for the first time
    return presets, None


def preset_summary(settings: Settings) -> str:
    """The line under the Presets button: how many there are, which are your own."""
    own = [name for name in settings.presets if name not in BUILTIN_PRESETS]
    changed = [name for name in settings.presets if name in BUILTIN_PRESETS]
    parts = [f"{len(BUILTIN_PRESETS)} built in"]
    if changed:
        parts[0] += f" ({', '.join(changed)} changed)"
    if own:
        parts.append(f"yours: {', '.join(own)}")
    return "^n starts a conversation from one. " + "; ".join(parts) + "."


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
