"""MCP servers in config.toml: the `[mcp_servers.NAME]` tables (keys as Codex CLI users
know them) checked like `[providers.NAME]`, typed as `McpServer`. The changes the `mcp`
command and "allow always" make to the file are settings.py's `change_config`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from deepseek_tui.config.files import ConfigError
from deepseek_tui.config.kinds import TABLE_NAME, invalid_value, read_tables, show

# [mcp_servers.NAME] keys -> the kind of value they take.
_SERVER_KEYS = {
    "command": "str",
    "args": "list[str]",
    "env": "dict[str, str]",
    "cwd": "str",
    "url": "str",
    "bearer_token_env_var": "str",
    "headers": "dict[str, str]",
    "enabled": "bool",
    "enabled_tools": "list[str]",
    "disabled_tools": "list[str]",
    "startup_timeout_sec": "float",
    "tool_timeout_sec": "float",
    "approve": "str",
    "auto_approve": "list[str]",
}
_STDIO_ONLY = ("command", "args", "env", "cwd")
_HTTP_ONLY = ("url", "bearer_token_env_var", "headers")
APPROVE_CHOICES = ("ask", "auto")
DEFAULT_STARTUP_TIMEOUT = 10.0
DEFAULT_TOOL_TIMEOUT = 60.0
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass(frozen=True)
class McpServer:
    """One `[mcp_servers.NAME]` table, checked, with its defaults filled in."""

    name: str
    transport: Literal["stdio", "http"]
    command: str = ""
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    cwd: str | None = None
    url: str = ""
    bearer_token_env_var: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    enabled: bool = True
    enabled_tools: tuple[str, ...] | None = None  # None: every tool the server lists
    disabled_tools: tuple[str, ...] = ()
    startup_timeout_sec: float = DEFAULT_STARTUP_TIMEOUT
    tool_timeout_sec: float = DEFAULT_TOOL_TIMEOUT
    approve: Literal["ask", "auto"] = "ask"
    auto_approve: tuple[str, ...] = ()

    def offers(self, tool: str) -> bool:
        """Whether `tool` (its name on the server) is offered to the model."""
        if self.enabled_tools is not None and tool not in self.enabled_tools:
            return False
        return tool not in self.disabled_tools

    def auto_approved(self, tool: str) -> bool:
        return self.approve == "auto" or tool in self.auto_approve

    @classmethod
    def from_table(cls, name: str, table: dict[str, Any]) -> McpServer:
        """A table `read_mcp_servers` has checked, as a value."""
        return cls(
            name=name,
            transport="http" if "url" in table else "stdio",
            command=table.get("command", ""),
            args=tuple(table.get("args", ())),
            env=tuple(table.get("env", {}).items()),
            cwd=table.get("cwd") or None,
            url=table.get("url", ""),
            bearer_token_env_var=table.get("bearer_token_env_var") or None,
            headers=tuple(table.get("headers", {}).items()),
            enabled=table.get("enabled", True),
            enabled_tools=tuple(table["enabled_tools"]) if "enabled_tools" in table else None,
            disabled_tools=tuple(table.get("disabled_tools", ())),
            startup_timeout_sec=table.get("startup_timeout_sec", DEFAULT_STARTUP_TIMEOUT),
            tool_timeout_sec=table.get("tool_timeout_sec", DEFAULT_TOOL_TIMEOUT),
            approve=table.get("approve", "ask"),
            auto_approve=tuple(table.get("auto_approve", ())),
        )


def read_mcp_servers(value: object, path: Path) -> dict[str, dict[str, Any]]:
    """Check the [mcp_servers.NAME] tables; a `ConfigError` names the first wrong value
    (one sentence naming the file, the table and the key)."""

    def wrong(message: str) -> ConfigError:
        return invalid_value(path, message)

    out = read_tables(value, path, "mcp_servers", "MCP server", _SERVER_KEYS)
    for name, entry in out.items():
        where = f"'mcp_servers.{name}"
        if ("command" in entry) == ("url" in entry):
            raise wrong(
                f'{where}\' needs either command = "…" (a server it starts) or '
                'url = "https://…" (a streamable HTTP server), not both.'
            )
        kind, others = (
            ("a stdio server (command)", _HTTP_ONLY)
            if "command" in entry
            else ("an HTTP server (url)", _STDIO_ONLY)
        )
        for key in others:
            if key in entry:
                raise wrong(f"{where}.{key}' does not apply to {kind}.")
        if "command" in entry and not entry["command"].strip():
            raise wrong(f"{where}.command' must name the program to run.")
        if "url" in entry:
            url = entry["url"].strip()
            if not re.match(r"https?://[^/\s]+", url):
                raise wrong(f"{where}.url' must start with http:// or https://, got {show(url)}.")
            entry["url"] = url
        env_var = entry.get("bearer_token_env_var")
        if env_var is not None and not _ENV_NAME.fullmatch(env_var):
            shown = show(env_var)
            raise wrong(
                f"{where}.bearer_token_env_var' must name an environment variable, got {shown}."
            )
        for key in entry.get("env", {}):
            if not _ENV_NAME.fullmatch(key):
                raise wrong(f"{where}.env' has {show(key)}, not an environment variable's name.")
        for key in entry.get("headers", {}):
            if not _HEADER_NAME.fullmatch(key):
                raise wrong(f"{where}.headers' has {show(key)}, not a header name.")
        if entry.get("approve", "ask") not in APPROVE_CHOICES:
            raise wrong(f'{where}.approve\' must be "ask" or "auto", got {show(entry["approve"])}.')
        for key in ("startup_timeout_sec", "tool_timeout_sec"):
            if key in entry and not 0 < entry[key] <= 86_400:
                raise wrong(f"{where}.{key}' must be a number of seconds above 0.")
    return out


def server_name_problem(name: str) -> str | None:
    """Why `name` cannot name an MCP server (one sentence), or None."""
    if not TABLE_NAME.fullmatch(name):
        return (
            f"{show(name)} cannot name a server: up to 40 letters, digits, - and _, "
            "starting with a letter or digit."
        )
    return None
