"""Provider profiles (which API, where, which models, where the key is) and presets
(named sets of a conversation's settings): the built-in ones and config.toml's tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from deepseek_tui.config.files import ConfigError
from deepseek_tui.config.kinds import TABLE_NAME, invalid_value, read_tables, show

PROVIDERS = ("deepseek", "segmind")  # the built-in profiles; config.toml may add more
DEFAULT_PROVIDER = "deepseek"
DEFAULT_MODEL = "deepseek-chat"
# The ids DeepSeek's own API is known to serve (its /models adds the rest).
DEEPSEEK_MODELS = ("deepseek-chat", "deepseek-reasoner")
SEGMIND_MODELS = ("deepseek-chat",)

ProviderKind = Literal["openai", "segmind"]
PROVIDER_KINDS: tuple[ProviderKind, ...] = ("openai", "segmind")
SEGMIND_APIS = ("v1", "v2")


class UnknownProvider(ValueError):
    """A provider name that is neither built in nor in config.toml; `str()` lists
    the known ones."""


def unknown_provider(name: str, known: list[str]) -> str:
    """The one sentence for a provider name nobody defined."""
    return (
        f"unknown provider {name!r}: choose {_either(known)} "
        "(or add a [providers.NAME] table to config.toml)"
    )


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


@dataclass(frozen=True)
class Provider:
    """A named API: how to talk to it (`kind`), where, which models, and where its key
    is. Built from the built-ins and config.toml by `Settings.profile`."""

    name: str
    kind: ProviderKind = "openai"  # "openai": OpenAI-compatible streaming (DeepSeek too)
    title: str = ""  # how the UI names it ("DeepSeek", "serevix")
    base_url: str = ""
    model: str = ""  # the default model
    models: tuple[str, ...] = ()  # ids it serves besides what its /models lists
    key_env: str = ""  # the environment variable that holds its key (wins over the file)
    supports_prefix: bool = True  # `/beta` chat prefix completion (continue a cut answer)
    # Tokens its models take in one request; None: the model table's (api/models.py).
    context_window: int | None = None
    # Per 1M tokens by model id, in `currency`: {"cache_hit": …, "cache_miss": …, "output": …}
    prices: dict[str, dict[str, float]] = field(default_factory=dict, hash=False)
    currency: str = "USD"
    api: str | None = None  # Segmind only: "v1" (synchronous) or "v2" (submit and poll)
    # DeepSeek's own price table (and its peak hours) applies: only to DeepSeek itself;
    # a gateway's answer is priced from its own table or not at all.
    builtin_prices: bool = False
    # Send a tool-call turn's reasoning_content back in later requests (V3.2/V4 thinking
    # mode demands it; some gateways refuse the field); None: as the model's traits say
    # (api/models.py, `pass_back_reasoning_for`).
    reasoning_pass_back: bool | None = None


class UnknownPreset(ValueError):
    """A preset name that is neither built in nor in config.toml; `str()` lists the
    known ones."""


def unknown_preset(name: str, known: list[str]) -> str:
    """The one sentence for a preset name nobody defined."""
    return (
        f"unknown preset {name!r}: choose {_either(known)} "
        "(or add a [presets.NAME] table to config.toml)"
    )


def preset_name_problem(name: str, taken: list[str]) -> str | None:
    """Why `name` cannot be a new preset's name (one sentence), or None. `taken`: the
    names already in use (a built-in one is replaced by editing it, not by a new one)."""
    if not name:
        return "Give the preset a name."
    if not TABLE_NAME.fullmatch(name):
        return (
            "A preset name is up to 40 letters, digits, - and _, starting with a letter or digit."
        )
    if name in taken:
        return f"There is a preset called {name} already: pick it above to edit it."
    return None


# The presets every install has; a [presets.NAME] table of the same name replaces one.
# Temperatures as DeepSeek's docs advise for the task (0.0 code, 1.3 translation).
BUILTIN_PRESETS: dict[str, dict[str, Any]] = {
    "coder": {
        "description": "code that runs, then why",
        "system_prompt": (
            "You are an expert programmer. Answer with correct, complete code in fenced "
            "blocks that name the language, then explain briefly what matters and why. "
            "Follow the conventions of the code you are shown. Say what you assume when "
            "the request is ambiguous, and say so when you are unsure: never invent an API."
        ),
        "temperature": 0.0,
    },
    "translator": {
        "description": "into English, or from English into the language named",
        "system_prompt": (
            "You are a professional translator. Translate the user's text into English; "
            "text already in English goes into the language the user names (ask if none "
            "is named). Keep the meaning, tone, formatting and Markdown; leave code, names "
            "and URLs as they are. Reply with the translation only, without notes."
        ),
        "temperature": 1.3,
    },
    "concise": {
        "description": "the answer first, nothing around it",
        "system_prompt": (
            "Answer as briefly as the question allows: the answer first, in plain words, "
            "then only what the reader needs. No preamble, no restating the question, no "
            "closing summary. Use a list or code only when it is clearer."
        ),
    },
}


# [providers.NAME] keys -> the kind of value they take.
_PROVIDER_KEYS = {
    "kind": "str",
    "title": "str",
    "base_url": "str",
    "model": "str",
    "models": "list[str]",
    "key_env": "str",
    "supports_prefix": "bool",
    "context_window": "int",
    "prices": "dict[str, dict[str, float]]",
    "currency": "str",
    "api": "str",
    "reasoning_pass_back": "bool",
}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def read_providers(value: object, path: Path) -> dict[str, dict[str, Any]]:
    """Check the [providers.NAME] tables; a `ConfigError` names the first wrong value."""

    def wrong(message: str) -> ConfigError:
        return invalid_value(path, message)

    out = read_tables(value, path, "providers", "provider", _PROVIDER_KEYS)
    for name, entry in out.items():
        where = f"'providers.{name}"
        if entry.get("kind", "openai") not in PROVIDER_KINDS:
            raise wrong(f'{where}.kind\' must be "openai" or "segmind", got {show(entry["kind"])}.')
        if "api" in entry and entry["api"] not in SEGMIND_APIS:
            raise wrong(f'{where}.api\' must be "v1" or "v2", got {show(entry["api"])}.')
        if "key_env" in entry and not _ENV_NAME.fullmatch(entry["key_env"]):
            shown = show(entry["key_env"])
            raise wrong(f"{where}.key_env' must name an environment variable, got {shown}.")
        if entry.get("context_window", 1) < 1:
            raise wrong(f"{where}.context_window' must be a number of tokens, at least 1.")
        if "base_url" in entry:
            entry["base_url"] = entry["base_url"].strip().rstrip("/")
        if name not in PROVIDERS:
            if not entry.get("base_url"):
                raise wrong(f'{where}\' needs base_url = "https://…" (where its API is).')
            if not entry.get("model") and not entry.get("models"):
                raise wrong(f'{where}\' needs model = "…" (the model id to use by default).')
    return out


# [presets.NAME] keys: a line for the picker, then the settings a conversation takes.
PRESET_SETTINGS = (
    "system_prompt",
    "model",
    "thinking",
    "temperature",
    "top_p",
    "max_tokens",
    "json_mode",
    "stop",
    "frequency_penalty",
    "presence_penalty",
    "reasoning_effort",
)
