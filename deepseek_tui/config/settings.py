"""The settings in config.toml as one typed value: defaults, problems, presets and
profiles applied, and reading and writing the file."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from deepseek_tui.config.credentials import ENV_API_KEY, env_key_name
from deepseek_tui.config.files import ConfigError, Paths, atomic_write, edited_toml, read_toml
from deepseek_tui.config.kinds import KIND_WORDS, WRONG, convert, read_tables, show
from deepseek_tui.config.profiles import (
    BUILTIN_PRESETS,
    DEEPSEEK_MODELS,
    DEFAULT_MODEL,
    DEFAULT_PROVIDER,
    PRESET_SETTINGS,
    PROVIDERS,
    SEGMIND_MODELS,
    Provider,
    UnknownPreset,
    UnknownProvider,
    read_providers,
    unknown_preset,
    unknown_provider,
)
from deepseek_tui.config.servers import McpServer, read_mcp_servers
from deepseek_tui.config.urls import DEFAULT_BASE_URL, SEGMIND_BASE_URL, base_url_problem

# DeepSeek V4's `reasoning_effort`: two real tiers (it maps low/medium to high and
# xhigh to max, so offering those would only mislead). At most 16 stop sequences.
REASONING_EFFORTS = ("high", "max")
MAX_STOP = 16


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
    # [mcp_servers.NAME] tables as written (checked when read): see `mcp_server_list()`.
    mcp_servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What a tool's result may send the model (the whole result is saved), and how many
    # rounds of tool calls one turn may take before it stops.
    tool_output_limit_kb: int = 64
    tool_rounds: int = 8

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
        for name in ("tool_output_limit_kb", "tool_rounds"):
            if not getattr(self, name) >= 1:
                wrong(name, f"must be at least 1, got {getattr(self, name)}.")
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

    # --- MCP servers ----------------------------------------------------------------------

    def mcp_server_list(self) -> list[McpServer]:
        """The [mcp_servers.NAME] tables as values, in the file's order (disabled ones too)."""
        return [McpServer.from_table(name, table) for name, table in self.mcp_servers.items()]

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
            values["providers"] = read_providers(data["providers"], path)
        if "presets" in data:
            values["presets"] = _read_presets(data["presets"], path)
        if "mcp_servers" in data:
            values["mcp_servers"] = read_mcp_servers(data["mcp_servers"], path)
        for name, kind in _FIELD_KINDS.items():
            if name not in data or name in ("providers", "presets", "mcp_servers"):
                continue
            value = data[name]
            converted = convert(value, kind)
            if converted is WRONG:
                raise ConfigError(
                    f"Invalid value in {path}: {name!r} must be {KIND_WORDS[kind]}, "
                    f"got {show(value)}.",
                    path=path,
                )
            values[name] = converted
        return cls(**values)


def _read_presets(value: object, path: Path) -> dict[str, dict[str, Any]]:
    """Check the [presets.NAME] tables (their ranges are `Settings.validate`'s)."""
    kinds = {"description": "str", **{key: _FIELD_KINDS[key] for key in PRESET_SETTINGS}}
    return read_tables(value, path, "presets", "preset", kinds)


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
assert set(_FIELD_KINDS.values()) - {"dict[str, dict[str, Any]]"} <= set(KIND_WORDS), _FIELD_KINDS


def load_settings(paths: Paths) -> Settings:
    """Read ``config.toml``; defaults if it is missing. Never writes the file."""
    data = read_toml(paths.config_file)
    if data is None:
        return Settings()
    return Settings.from_toml_dict(data, path=paths.config_file)


def save_settings(paths: Paths, settings: Settings) -> None:
    """Write ``config.toml`` in one step, so a crash leaves the old or the new file;
    as an edit of the file there (`edited_toml`): its comments and layout stay, and a
    key these settings do not know (a newer version's) is kept."""
    paths.ensure_dir()
    text = edited_toml(
        paths.config_file, settings.to_toml_dict(), keep=lambda key: key not in _FIELD_KINDS
    )
    atomic_write(paths.config_file, text.encode("utf-8"))


def change_config(paths: Paths, change: Callable[[dict[str, Any]], None]) -> None:
    """Apply `change` to config.toml's tables and write the file in one step, as an
    edit (`edited_toml`: every other key, and the comments, stay); the result is read
    back as settings first, so a change never leaves a file that cannot load."""
    data = read_toml(paths.config_file) or {}
    change(data)
    Settings.from_toml_dict(data, path=paths.config_file)
    paths.ensure_dir()
    text = edited_toml(paths.config_file, data, keep=lambda _key: False)
    atomic_write(paths.config_file, text.encode("utf-8"))


def allow_tool_always(paths: Paths, server: str, tool: str) -> None:
    """Add `tool` to `[mcp_servers.SERVER].auto_approve` in config.toml."""

    def change(data: dict[str, Any]) -> None:
        table = data.get("mcp_servers", {}).get(server)
        if not isinstance(table, dict):
            raise ConfigError(
                f"{paths.config_file} has no [mcp_servers.{server}] table any more.",
                path=paths.config_file,
            )
        allowed = table.setdefault("auto_approve", [])
        if isinstance(allowed, list) and tool not in allowed:
            allowed.append(tool)

    change_config(paths, change)


def ask_tool_again(paths: Paths, server: str, tool: str) -> None:
    """Take `tool` out of `[mcp_servers.SERVER].auto_approve` in config.toml."""

    def change(data: dict[str, Any]) -> None:
        table = data.get("mcp_servers", {}).get(server)
        allowed = table.get("auto_approve") if isinstance(table, dict) else None
        if isinstance(allowed, list) and tool in allowed:
            allowed.remove(tool)

    change_config(paths, change)
