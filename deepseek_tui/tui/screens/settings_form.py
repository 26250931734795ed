"""The settings form's logic, apart from its widgets: what the fields hold, which
values are wrong and why, and the line that says which key is in use."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from deepseek_tui.config import ENV_API_KEY, MAX_STOP, REASONING_EFFORTS, ApiKey, Settings, mask_key

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
