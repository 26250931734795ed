"""Where deepseek-tui keeps its settings and API keys, and how it reads and writes them.

One concern per module: `files` (the config dir, TOML in, atomic writes, permissions),
`settings` (config.toml as `Settings`), `profiles` (providers and presets), `servers`
([mcp_servers.NAME]), `kinds` (the
kinds of value a setting takes), `credentials` (API keys), `urls` (base URLs), `crash`
(crash reports). Everything public is re-exported here: import it from
`deepseek_tui.config`.
"""

from __future__ import annotations

from deepseek_tui.config.crash import write_crash_report
from deepseek_tui.config.credentials import (
    ENV_API_KEY,
    INVALID_KEY,
    ApiKey,
    delete_api_key,
    env_key_name,
    hide_keys,
    key_problem,
    load_api_key,
    mask_key,
    remember_key,
    store_api_key,
)
from deepseek_tui.config.files import (
    APP_NAME,
    ENV_CONFIG_DIR,
    LEFTOVER_AGE,
    ConfigError,
    Paths,
    atomic_write,
    remove_leftover_temp_files,
    tighten_permissions,
)
from deepseek_tui.config.profiles import (
    BUILTIN_PRESETS,
    DEEPSEEK_MODELS,
    DEFAULT_MODEL,
    DEFAULT_PROVIDER,
    PROVIDER_KINDS,
    PROVIDERS,
    SEGMIND_APIS,
    SEGMIND_MODELS,
    Provider,
    ProviderKind,
    UnknownPreset,
    UnknownProvider,
    preset_name_problem,
    unknown_preset,
    unknown_provider,
)
from deepseek_tui.config.servers import APPROVE_CHOICES, McpServer, server_name_problem
from deepseek_tui.config.settings import (
    MAX_STOP,
    REASONING_EFFORTS,
    Settings,
    allow_tool_always,
    ask_tool_again,
    change_config,
    load_settings,
    save_settings,
)
from deepseek_tui.config.urls import (
    DEFAULT_BASE_URL,
    ENV_BASE_URL,
    SEGMIND_BASE_URL,
    base_url_problem,
    resolve_base_url,
)

__all__ = [
    "APPROVE_CHOICES",
    "APP_NAME",
    "BUILTIN_PRESETS",
    "DEEPSEEK_MODELS",
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "DEFAULT_PROVIDER",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_CONFIG_DIR",
    "INVALID_KEY",
    "LEFTOVER_AGE",
    "MAX_STOP",
    "PROVIDERS",
    "PROVIDER_KINDS",
    "REASONING_EFFORTS",
    "SEGMIND_APIS",
    "SEGMIND_BASE_URL",
    "SEGMIND_MODELS",
    "ApiKey",
    "ConfigError",
    "McpServer",
    "Paths",
    "Provider",
    "ProviderKind",
    "Settings",
    "UnknownPreset",
    "UnknownProvider",
    "allow_tool_always",
    "ask_tool_again",
    "atomic_write",
    "base_url_problem",
    "change_config",
    "delete_api_key",
    "env_key_name",
    "hide_keys",
    "key_problem",
    "load_api_key",
    "load_settings",
    "mask_key",
    "preset_name_problem",
    "remember_key",
    "remove_leftover_temp_files",
    "resolve_base_url",
    "save_settings",
    "server_name_problem",
    "store_api_key",
    "tighten_permissions",
    "unknown_preset",
    "unknown_provider",
    "write_crash_report",
]
