"""Where deepseek-tui keeps its settings and API keys, and how it reads and writes them."""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs
import tomli_w

APP_NAME = "deepseek-tui"
DEFAULT_BASE_URL = "https://api.deepseek.com"
SEGMIND_BASE_URL = "https://api.segmind.com"
PROVIDERS = ("deepseek", "segmind")  # the built-in profiles; config.toml may add more
DEFAULT_PROVIDER = "deepseek"
DEFAULT_MODEL = "deepseek-chat"
# The ids DeepSeek's own API is known to serve (its /models adds the rest).
DEEPSEEK_MODELS = ("deepseek-chat", "deepseek-reasoner")
SEGMIND_MODELS = ("deepseek-chat",)
# DeepSeek V4's `reasoning_effort`: two real tiers (it maps low/medium to high and
# xhigh to max, so offering those would only mislead). At most 16 stop sequences.
REASONING_EFFORTS = ("high", "max")
MAX_STOP = 16

ENV_API_KEY = "DEEPSEEK_API_KEY"
ENV_BASE_URL = "DEEPSEEK_BASE_URL"
ENV_CONFIG_DIR = "DEEPSEEK_TUI_CONFIG_DIR"


class ConfigError(Exception):
    """A settings or credentials file that exists but cannot be used as it is.

    ``str()`` is one sentence meant for the user: it names the file and what to fix.
    """

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Paths:
    """The config directory and the files inside it."""

    dir: Path

    @property
    def config_file(self) -> Path:
        return self.dir / "config.toml"

    @property
    def credentials_file(self) -> Path:
        return self.dir / "credentials.toml"

    @property
    def database(self) -> Path:
        return self.dir / "conversations.db"

    @property
    def themes_dir(self) -> Path:
        return self.dir / "themes"

    @classmethod
    def resolve(cls, override: str | os.PathLike[str] | None = None) -> Paths:
        """Pick the directory: ``override`` > ``$DEEPSEEK_TUI_CONFIG_DIR`` > the platform's.

        Nothing is created here, so read-only commands leave no trace on disk.
        """
        if override is not None and str(override).strip():
            chosen = Path(override)
        elif os.environ.get(ENV_CONFIG_DIR, "").strip():
            chosen = Path(os.environ[ENV_CONFIG_DIR].strip())
        else:
            # appauthor=False: without it Windows nests the app name twice.
            chosen = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
        # Absolute so that every message naming a file gives the full path.
        return cls(chosen.expanduser().absolute())

    def ensure_dir(self) -> None:
        """Create the directory (owner-only, it holds credentials) if it is missing."""
        try:
            self.dir.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            if not self.dir.is_dir():
                raise
            # A directory the user made is theirs: we don't change its mode here
            # (`tighten_permissions` takes group/other access away once it holds ours).
            return
        # mkdir's mode is filtered through the umask; make it exactly 0700.
        os.chmod(self.dir, 0o700)


@dataclass
class Settings:
    """Everything in ``config.toml``; ``None`` means "leave it to the server/model"."""

    base_url: str = DEFAULT_BASE_URL
    model: str = DEFAULT_MODEL
    thinking: bool | None = None  # None = the model's own default
    temperature: float | None = None  # None = don't send (server default)
    top_p: float | None = None
    max_tokens: int | None = None
    # The defaults of a new conversation's request parameters (each conversation
    # keeps its own): JSON mode, stop sequences, penalties, V4's reasoning effort.
    json_mode: bool = False
    stop: list[str] = field(default_factory=list)
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    reasoning_effort: str | None = None  # "high" or "max"
    system_prompt: str = ""
    theme: str = "deepseek-dark"  # shipped in themes/; Textual's own stay available
    reasoning_expanded: bool = False  # reasoning panel default after the answer starts
    attach_limit_kb: int = 200  # a larger attached file is sent only when confirmed
    # Ask the model for a short title after a new conversation's first answer (one
    # small request each); off: the title is the question's first words.
    model_titles: bool = False
    connect_timeout: float = 10.0
    write_timeout: float = 60.0  # seconds the server may stop reading the request
    headers_timeout: float = 60.0  # seconds from sending until the answer's headers
    first_data_timeout: float = 600.0  # seconds until the first data line
    stall_timeout: float = 120.0  # seconds without a data line once data flows
    max_attempts: int = 3  # retries for retryable errors, incl. the first attempt
    models: list[str] = field(default_factory=list)  # extra model ids for the picker
    # USD per 1M tokens by model id: {"cache_hit": …, "cache_miss": …, "output": …}
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    peak_pricing: bool = True  # weekday peak hours bill at twice off-peak
    provider: str = DEFAULT_PROVIDER  # the profile used when --provider is not given
    # [providers.NAME] tables as written (checked when read): see `profile()`.
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    # [presets.NAME] tables as written (checked when read): see `preset()`.
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)

    def validate(self) -> list[str]:
        """Return the problems as plain sentences; an empty list means usable."""
        return [sentence for _, sentence in self.problems()]

    def problems(self) -> list[tuple[str, str]]:
        """(setting, sentence) for each problem; the setting ("top_p",
        "providers.NAME.base_url", "presets.NAME") tells a form which field it is about."""
        problems: list[tuple[str, str]] = []

        def wrong(setting: str, sentence: str) -> None:
            problems.append((setting, f"{setting} {sentence}"))

        # Comparisons are written so that NaN fails them too.
        if self.temperature is not None and not 0 <= self.temperature <= 2:
            wrong("temperature", f"must be between 0 and 2, got {self.temperature}.")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            wrong("top_p", f"must be greater than 0 and at most 1, got {self.top_p}.")
        if self.max_tokens is not None and not self.max_tokens >= 1:
            wrong("max_tokens", f"must be at least 1, got {self.max_tokens}.")
        for name in ("frequency_penalty", "presence_penalty"):
            value = getattr(self, name)
            if value is not None and not -2 <= value <= 2:
                wrong(name, f"must be between -2 and 2, got {value}.")
        if len(self.stop) > MAX_STOP or not all(self.stop):
            wrong("stop", f"takes up to {MAX_STOP} sequences, none of them empty.")
        if self.reasoning_effort is not None and self.reasoning_effort not in REASONING_EFFORTS:
            wrong(
                "reasoning_effort",
                f"must be {' or '.join(REASONING_EFFORTS)}, got {self.reasoning_effort!r}.",
            )
        for name in (
            "connect_timeout",
            "write_timeout",
            "headers_timeout",
            "first_data_timeout",
            "stall_timeout",
        ):
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                wrong(name, f"must be a positive number of seconds, got {value}.")
        if not self.max_attempts >= 1:
            wrong("max_attempts", f"must be at least 1, got {self.max_attempts}.")
        if not self.attach_limit_kb >= 1:
            wrong("attach_limit_kb", f"must be at least 1, got {self.attach_limit_kb}.")
        url_problem = base_url_problem(self.base_url)
        if url_problem:
            problems.append(("base_url", f"base_url: {url_problem}"))
        if not self.model.strip():
            wrong("model", "must not be empty.")
        if self.provider not in self.provider_names():
            problems.append(("provider", unknown_provider(self.provider, self.provider_names())))
        for name in self.providers:
            url_problem = base_url_problem(self.profile(name).base_url)
            if url_problem:
                where = f"providers.{name}.base_url"
                problems.append((where, f"{where}: {url_problem}"))
        for name in self.presets:
            # Its values alone, over the defaults: the top level's problems are said above.
            values = Settings().with_preset(name, self.presets[name])
            problems.extend((f"presets.{name}", f"presets.{name}: {p}") for p in values.validate())
        return problems

    # --- presets --------------------------------------------------------------------------

    def preset_names(self) -> list[str]:
        """The built-in presets, then the ones config.toml adds, in the file's order."""
        return [*BUILTIN_PRESETS, *(name for name in self.presets if name not in BUILTIN_PRESETS)]

    def preset(self, name: str) -> dict[str, Any]:
        """The [presets.NAME] table called `name`: config.toml's, else the built-in one
        (a user table replaces a built-in one whole). `UnknownPreset` for any other."""
        if name in self.presets:
            return self.presets[name]
        if name in BUILTIN_PRESETS:
            return BUILTIN_PRESETS[name]
        raise UnknownPreset(unknown_preset(name, self.preset_names()))

    def with_preset(self, name: str | None, table: Mapping[str, Any] | None = None) -> Settings:
        """These settings with preset `name`'s values on top (`table` instead of the
        named one when given); `name` None: a copy of these."""
        if name is None:
            return replace(self)
        chosen = self.preset(name) if table is None else table
        changes = {
            key: list(value) if isinstance(value, list) else value
            for key, value in chosen.items()
            if key != "description"
        }
        return replace(self, **changes)

    # --- provider profiles --------------------------------------------------------------

    def provider_names(self) -> list[str]:
        """The built-in profiles, then the ones config.toml adds, in the file's order."""
        return [*PROVIDERS, *(name for name in self.providers if name not in PROVIDERS)]

    def profile(self, name: str) -> Provider:
        """The profile called `name`: a built-in one (`deepseek` from the top-level
        base_url, model, models and prices; `segmind`) with its [providers.NAME] table
        on top, or one config.toml defines. `UnknownProvider` for any other name."""
        table = self.providers.get(name, {})
        if name == "deepseek":
            base = Provider(
                name,
                title="DeepSeek",
                base_url=self.base_url,
                model=self.model,
                models=(*DEEPSEEK_MODELS, *self.models),
                key_env=ENV_API_KEY,
                supports_prefix=True,
                prices=self.prices,
                builtin_prices=True,
            )
        elif name == "segmind":
            base = Provider(
                name,
                kind="segmind",
                title="Segmind",
                base_url=SEGMIND_BASE_URL,
                model=SEGMIND_MODELS[0],
                models=SEGMIND_MODELS,
                key_env="SEGMIND_API_KEY",
                supports_prefix=False,
            )
        elif name in self.providers:
            base = Provider(name, title=name, key_env=env_key_name(name))
        else:
            raise UnknownProvider(unknown_provider(name, self.provider_names()))
        changes: dict[str, Any] = {
            key: tuple(value) if key == "models" else value for key, value in table.items()
        }
        profile = replace(base, **changes)
        if not profile.model and profile.models:
            profile = replace(profile, model=profile.models[0])
        if "models" in table and profile.model not in profile.models:
            profile = replace(profile, models=(*profile.models, profile.model))
        return profile

    def set_profile_value(self, name: str, key: str, value: Any) -> None:
        """Change one value of a profile where it is kept: DeepSeek's base_url and
        model at the top level (unless its table sets them), others in their table."""
        if (
            name == "deepseek"
            and key in ("base_url", "model")
            and key not in self.providers.get(name, {})
        ):
            setattr(self, key, value)
            return
        self.providers.setdefault(name, {})[key] = value

    def to_toml_dict(self) -> dict[str, Any]:
        """The settings as a TOML-ready dict; TOML has no null, so ``None`` is left out."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, list):
                value = list(value)
            elif isinstance(value, dict):
                if not value:
                    continue  # an empty [prices] table is noise in the file
                value = _copy_tables(value)
            out[f.name] = value
        return out

    @classmethod
    def from_toml_dict(cls, data: Mapping[str, Any], *, path: Path) -> Settings:
        """Build settings from parsed TOML; ``path`` only serves the error message.

        Unknown keys are ignored so that a config written by a newer version still loads.
        """
        values: dict[str, Any] = {}
        if "providers" in data:
            values["providers"] = _read_providers(data["providers"], path)
        if "presets" in data:
            values["presets"] = _read_presets(data["presets"], path)
        for name, kind in _FIELD_KINDS.items():
            if name not in data or name in ("providers", "presets"):
                continue
            value = data[name]
            converted = _convert(value, kind)
            if converted is _WRONG:
                raise ConfigError(
                    f"Invalid value in {path}: {name!r} must be {_KIND_WORDS[kind]}, "
                    f"got {_show(value)}.",
                    path=path,
                )
            values[name] = converted
        return cls(**values)


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
    if not _PROVIDER_NAME.fullmatch(name):
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
}
_PROVIDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _read_tables(
    value: object, path: Path, section: str, noun: str, kinds: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Check `[section.NAME]` tables: a table of tables, names of letters, digits, -
    and _, each key one of `kinds` and of its kind. A `ConfigError` names the first
    wrong value."""
    if not isinstance(value, dict):
        raise _wrong(path, f"'{section}' must be a table of [{section}.NAME] tables.")
    out: dict[str, dict[str, Any]] = {}
    for name, table in value.items():
        if not _PROVIDER_NAME.fullmatch(name):
            raise _wrong(
                path, f"the {noun} name {_show(name)} may hold only letters, digits, - and _."
            )
        where = f"'{section}.{name}"
        if not isinstance(table, dict):
            raise _wrong(path, f"{where}' must be a table.")
        entry: dict[str, Any] = {}
        for key, item in table.items():
            kind = kinds.get(key)
            if kind is None:
                raise _wrong(
                    path, f"{where}' has no setting {key!r} (it takes {', '.join(kinds)})."
                )
            converted = _convert(item, kind)
            if converted is _WRONG:
                raise _wrong(
                    path, f"{where}.{key}' must be {_KIND_WORDS[kind]}, got {_show(item)}."
                )
            entry[key] = converted
        out[name] = entry
    return out


def _wrong(path: Path, message: str) -> ConfigError:
    return ConfigError(f"Invalid value in {path}: {message}", path=path)


def _read_providers(value: object, path: Path) -> dict[str, dict[str, Any]]:
    """Check the [providers.NAME] tables; a `ConfigError` names the first wrong value."""

    def wrong(message: str) -> ConfigError:
        return _wrong(path, message)

    out = _read_tables(value, path, "providers", "provider", _PROVIDER_KEYS)
    for name, entry in out.items():
        where = f"'providers.{name}"
        if entry.get("kind", "openai") not in PROVIDER_KINDS:
            raise wrong(
                f'{where}.kind\' must be "openai" or "segmind", got {_show(entry["kind"])}.'
            )
        if "api" in entry and entry["api"] not in SEGMIND_APIS:
            raise wrong(f'{where}.api\' must be "v1" or "v2", got {_show(entry["api"])}.')
        if "key_env" in entry and not _ENV_NAME.fullmatch(entry["key_env"]):
            shown = _show(entry["key_env"])
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
_PRESET_SETTINGS = (
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


def _read_presets(value: object, path: Path) -> dict[str, dict[str, Any]]:
    """Check the [presets.NAME] tables (their ranges are `Settings.validate`'s)."""
    kinds = {"description": "str", **{key: _FIELD_KINDS[key] for key in _PRESET_SETTINGS}}
    return _read_tables(value, path, "presets", "preset", kinds)


def _copy_tables(value: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of nested tables (lists copied too), for writing TOML."""
    return {
        key: _copy_tables(item)
        if isinstance(item, dict)
        else list(item)
        if isinstance(item, list | tuple)
        else item
        for key, item in value.items()
    }


# Field name -> the type named in its annotation, without "| None" (TOML cannot say null).
# Computed from the dataclass so a new field cannot be forgotten; an unsupported type
# fails at import instead of at a user's first load.
_FIELD_KINDS: dict[str, str] = {
    f.name: str(f.type).removesuffix(" | None") for f in fields(Settings)
}
_KIND_WORDS = {
    "str": "a string",
    "bool": "true or false",
    "float": "a number",
    "int": "a whole number",
    "list[str]": "a list of strings",
    "dict[str, dict[str, float]]": (
        'a table of model prices, e.g. [prices."deepseek-chat"] with numbers '
        "cache_hit, cache_miss and output"
    ),
}
_PRICE_KEYS = {"cache_hit", "cache_miss", "output"}
assert set(_FIELD_KINDS.values()) - {"dict[str, dict[str, Any]]"} <= set(_KIND_WORDS), _FIELD_KINDS
_WRONG = object()


def _convert(value: object, kind: str) -> object:
    """Return ``value`` as ``kind``, or ``_WRONG``; bool is never a number here."""
    if kind == "str":
        return value if isinstance(value, str) else _WRONG
    if kind == "bool":
        return value if isinstance(value, bool) else _WRONG
    if isinstance(value, bool):  # bool is an int subclass; `temperature = true` is a mistake
        return _WRONG
    if kind == "float":
        return float(value) if isinstance(value, int | float) else _WRONG
    if kind == "int":
        return value if isinstance(value, int) else _WRONG
    if kind == "list[str]":
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return list(value)
        return _WRONG
    # dict[str, dict[str, float]]: the price table
    if not isinstance(value, dict):
        return _WRONG
    table: dict[str, dict[str, float]] = {}
    for model, entry in value.items():
        if not isinstance(entry, dict) or not set(entry) <= _PRICE_KEYS:
            return _WRONG
        numbers = {key: _convert(number, "float") for key, number in entry.items()}
        if any(number is _WRONG for number in numbers.values()):
            return _WRONG
        table[model] = numbers  # type: ignore[assignment]
    return table


def _show(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|(end of document))\)\s*$")


def _read_toml(path: Path) -> dict[str, Any] | None:
    """Parse a TOML file; ``None`` if it does not exist, ``ConfigError`` if unusable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror or exc}.", path=path) from exc
    try:
        # utf-8-sig: editors on Windows like to add a BOM that tomllib would reject.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"Cannot read {path}: it is not UTF-8 text (fix or remove the file).", path=path
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError only carries the position inside its message.
        reason = str(exc)
        where = ""
        match = _TOML_POSITION.search(reason)
        if match:
            reason = reason[: match.start()]
            where = f"line {match[1]}: " if match[1] else "end of file: "
        raise ConfigError(
            f"Cannot read {path}: {where}{reason.rstrip('.')} (fix or remove the file).",
            path=path,
        ) from exc


def load_settings(paths: Paths) -> Settings:
    """Read ``config.toml``; defaults if it is missing. Never writes the file."""
    data = _read_toml(paths.config_file)
    if data is None:
        return Settings()
    return Settings.from_toml_dict(data, path=paths.config_file)


def save_settings(paths: Paths, settings: Settings) -> None:
    """Write ``config.toml`` in one step, so a crash leaves the old or the new file."""
    paths.ensure_dir()
    atomic_write(paths.config_file, tomli_w.dumps(settings.to_toml_dict()).encode("utf-8"))


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` so readers see either the old or the new bytes.

    The temporary file is created with ``mode`` from the start, so a secret is never
    readable by others, not even for a moment.
    """
    path = Path(path)
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, mode)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 48 random bits
        raise FileExistsError(f"Cannot create a temporary file next to {path}.")
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) or not isinstance(exc, Exception):
            raise  # keep OSErrors as they are, and never swallow Ctrl-C
        raise OSError(f"Cannot write {path}: {exc}") from exc
    _fsync_dir(path.parent)


def tighten_permissions(paths: Paths) -> str | None:
    """Take group and other access away from the config dir (it holds keys and
    history) and from `credentials.toml` when they have it; returns one line saying
    what changed, or None. Only what the user owns is changed, and only those bits
    (a read-only dir stays read-only). The history's files are reached through the
    dir only, and are not touched (a damaged one is left exactly as it is). A folder
    holding none of our files is left alone (`--config-dir .` must not chmod it)."""
    if os.name != "posix":
        return None
    ours = (paths.credentials_file, paths.database, paths.config_file)
    if not any(file.is_file() for file in ours):
        return None
    candidates = [paths.dir]
    if paths.credentials_file.is_file():
        candidates.append(paths.credentials_file)
    changed: list[str] = []
    for path in candidates:
        try:
            found = path.stat()
            mode = found.st_mode & 0o7777
            if found.st_uid != os.geteuid() or not mode & 0o077:
                continue
            os.chmod(path, mode & ~0o077)
        except OSError:
            continue
        name = str(path) if path == paths.dir else path.name
        changed.append(f"{name} {mode & 0o777:o}→{mode & ~0o077 & 0o777:o}")
    if not changed:
        return None
    return "Made private what other users could read: " + ", ".join(changed) + "."


# What `atomic_write` names its temporary files: ".<name>.<12 hex digits>.tmp".
_TEMP_FILE = re.compile(r"\..+\.[0-9a-f]{12}\.tmp")
# A save takes milliseconds; a temporary file this old belongs to no running save.
LEFTOVER_AGE = 60.0


def remove_leftover_temp_files(paths: Paths, *, older_than: float = LEFTOVER_AGE) -> list[Path]:
    """Delete the temporary files of saves that were interrupted (a kill, a power cut):
    a half-written ``.credentials.toml.….tmp`` may hold a key. Files younger than
    ``older_than`` seconds are left alone: another process may be saving right now.
    Returns what was removed."""
    import time

    removed: list[Path] = []
    try:
        entries = list(os.scandir(paths.dir))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not _TEMP_FILE.fullmatch(entry.name):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False) and (
                now - entry.stat(follow_symlinks=False).st_mtime >= older_than
            ):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def write_crash_report(paths: Paths, error: BaseException, *, key: str | None = None) -> Path:
    """Write what a bug report needs about `error` to a new file in the config dir and
    return its path: the version, the platform and the traceback, without local
    variables (they hold keys and messages) and with keys masked."""
    import platform
    import time
    import traceback

    from deepseek_tui import __version__

    lines = [
        f"deepseek-tui {__version__} crashed at {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"Python {platform.python_version()} on {platform.platform()}",
        "",
        *traceback.format_exception(error),
    ]
    report = hide_keys("".join(line if line.endswith("\n") else line + "\n" for line in lines), key)
    paths.ensure_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    for attempt in range(100):
        path = paths.dir / f"crash-{stamp}{f'-{attempt}' if attempt else ''}.txt"
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as file:
            file.write(report)
        return path
    raise FileExistsError(f"Cannot create a crash report in {paths.dir}.")  # pragma: no cover


def _fsync_dir(directory: Path) -> None:
    """Persist the rename itself; without this a power cut can bring back the old file."""
    if os.name != "posix":
        return  # Windows cannot open a directory; NTFS journals the rename anyway
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        # Some filesystems refuse fsync on directories; the new file is already in place.
        pass
    finally:
        os.close(dir_fd)


# credentials.toml: {"providers": {"<provider>": {"api_key": "…"}}}


@dataclass(frozen=True)
class ApiKey:
    """An API key and where it came from; its repr never shows the secret."""

    value: str = field(repr=False)
    source: Literal["env", "file"]

    @property
    def masked(self) -> str:
        return mask_key(self.value)


def mask_key(key: str) -> str:
    """Show enough of a key to recognise it (``sk-…abcd``) and never more than 4 of its end.

    The "sk-" prefix is not secret; of the rest at least half always stays hidden, so
    short keys show less (``…cd``, then ``****``).
    """
    prefix = "sk-" if key.startswith("sk-") else ""
    secret = key[len(prefix) :]
    if len(secret) >= 12:
        return (prefix or secret[:2]) + "…" + secret[-4:]
    if len(secret) >= 8:
        return prefix + "…" + secret[-4:]
    if len(secret) >= 6:
        return prefix + "…" + secret[-2:]
    return "****"


# DeepSeek's keys: "sk-" and 32 hex digits; anything of that shape in text from
# outside (a server's words, an exception's message) is taken for a key.
_KEY_SHAPED = re.compile(r"\bsk-[A-Za-z0-9_-]{12,}")
_SHORTEST_KEY = 8  # below this, replacing a "key" everywhere would mangle words


def hide_keys(text: str, key: str | None = None) -> str:
    """`text` with API keys masked as `mask_key` shows them (``sk-…abcd``): `key`
    wherever it appears, and anything shaped like a DeepSeek key."""
    if key and len(key) >= _SHORTEST_KEY and key in text:
        text = text.replace(key, mask_key(key))
    return _KEY_SHAPED.sub(lambda found: mask_key(found.group()), text)


def _read_credentials(path: Path) -> dict[str, Any]:
    """The parsed credentials file (empty if missing), checked for the shape we write."""
    data = _read_toml(path)
    if data is None:
        return {}
    providers = data.get("providers", {})
    if not isinstance(providers, dict):
        raise ConfigError(f"Invalid value in {path}: 'providers' must be a table.", path=path)
    for name, entry in providers.items():
        if not isinstance(entry, dict):
            raise ConfigError(
                f"Invalid value in {path}: 'providers.{name}' must be a table.", path=path
            )
        # The value is a secret: the message never shows it.
        if "api_key" in entry and not isinstance(entry["api_key"], str):
            raise ConfigError(
                f"Invalid value in {path}: 'providers.{name}.api_key' must be a string.",
                path=path,
            )
    return data


def load_api_key(
    paths: Paths,
    provider: str = "deepseek",
    *,
    environ: Mapping[str, str] | None = None,
    key_env: str | None = None,
) -> ApiKey | None:
    """Find the key: the provider's environment variable first (``key_env``, by default
    ``$DEEPSEEK_API_KEY``, ``$SEGMIND_API_KEY``, ``$NAME_API_KEY``), then the
    credentials file. Each provider has its own entry: one's key is never another's."""
    env = os.environ if environ is None else environ
    from_env = env.get(key_env or env_key_name(provider), "").strip()
    if from_env:
        # The file is not even read, so a broken one cannot block an env key.
        return ApiKey(from_env, "env")
    data = _read_credentials(paths.credentials_file)
    stored = data.get("providers", {}).get(provider, {}).get("api_key", "").strip()
    return ApiKey(stored, "file") if stored else None


def env_key_name(provider: str) -> str:
    """The environment variable that holds a provider's key unless its profile names
    another (`key_env`)."""
    if provider == "deepseek":
        return ENV_API_KEY
    return re.sub(r"[^A-Z0-9_]", "_", provider.upper()) + "_API_KEY"


# Why a typed or pasted key cannot be used: the one sentence every front end shows.
INVALID_KEY = "The API key contains spaces or control characters; paste only the key itself."


def key_problem(key: str) -> str | None:
    """Why `key` (surrounding whitespace aside) cannot be a key, or None. An empty
    key is not judged here: the settings screen reads it as "keep the current one"."""
    if any(ch.isspace() or not ch.isprintable() for ch in key.strip()):
        return INVALID_KEY
    return None


def store_api_key(paths: Paths, key: str, provider: str = "deepseek") -> None:
    """Save ``key`` for ``provider`` (file 0600, dir 0700), keeping every other entry."""
    key = key.strip()
    if not key:
        raise ValueError("The API key is empty.")
    problem = key_problem(key)
    if problem:
        raise ValueError(problem)
    # Read first: a file we cannot parse raises here instead of being overwritten.
    data = _read_credentials(paths.credentials_file)
    data.setdefault("providers", {}).setdefault(provider, {})["api_key"] = key
    paths.ensure_dir()
    atomic_write(paths.credentials_file, tomli_w.dumps(data).encode("utf-8"), mode=0o600)


def delete_api_key(paths: Paths, provider: str = "deepseek") -> bool:
    """Remove the stored key for ``provider``; True if there was one. Env is not touched."""
    data = _read_credentials(paths.credentials_file)
    providers = data.get("providers", {})
    entry = providers.get(provider, {})
    if "api_key" not in entry:
        return False
    del entry["api_key"]
    if not entry:
        del providers[provider]
    if not providers:
        data.pop("providers", None)
    if data:
        atomic_write(paths.credentials_file, tomli_w.dumps(data).encode("utf-8"), mode=0o600)
    else:
        # Nothing left worth keeping: an absent file is clearer than an empty one.
        paths.credentials_file.unlink(missing_ok=True)
    return True


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be an API base URL, as one plain sentence; None when it can
    (http or https, a host, a port that exists, brackets that close)."""
    url = url.strip()
    shown = url if len(url) <= 80 else url[:79] + "…"
    example = "give one like https://api.deepseek.com"
    if not url:
        return f"The base URL is empty: {example}."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError as error:
        return f"The base URL {shown!r} is not a valid URL ({error}): {example}."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"The base URL {shown!r} is not an http(s) URL: {example}."
    return None


def resolve_base_url(
    settings: Settings,
    override: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    provider: str = "deepseek",
) -> str:
    """The provider's API base URL, without a trailing /: ``override`` (--base-url) >
    its environment variable (``$DEEPSEEK_BASE_URL`` for DeepSeek, ``$SEGMIND_BASE_URL``
    for Segmind; a gateway has none) > its profile."""
    env = os.environ if environ is None else environ
    profile = settings.profile(provider)
    from_env = {"deepseek": ENV_BASE_URL, "segmind": "SEGMIND_BASE_URL"}.get(provider)
    candidates = (override, env.get(from_env) if from_env else None, profile.base_url)
    for candidate in candidates:
        if candidate and candidate.strip():
            return candidate.strip().rstrip("/")
    return DEFAULT_BASE_URL
