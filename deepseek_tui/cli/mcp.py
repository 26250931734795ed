"""`mcp list|add|remove|import`: the MCP servers of config.toml, how each stands (started
for real by `list`), and changing the tables without touching the rest of the file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deepseek_tui.cli.output import CliError, _fit, _Output, _terminal_width
from deepseek_tui.cli.settings import _paths, _settings
from deepseek_tui.config import ConfigError, Paths, change_config, server_name_problem

if TYPE_CHECKING:
    from deepseek_tui.tools import ServerState

# A Claude Desktop / Cursor / oterm file is a few kB; past this it is not one.
_MAX_IMPORT = 1_000_000


def run_mcp(args: argparse.Namespace) -> int:
    paths = _paths(args)
    if args.action == "list":
        return _list(paths, as_json=args.json)
    if args.action == "add":
        return _add(paths, args)
    if args.action == "remove":
        return _remove(paths, args.name)
    return _import(paths, args.file)


def _list(paths: Paths, *, as_json: bool) -> int:
    import asyncio

    settings = _settings(paths)
    servers = settings.mcp_server_list()
    out = _Output(sys.stdout)
    if not servers:
        if as_json:
            out.write("[]\n")
        else:
            out.write(
                f"No MCP servers in {paths.config_file}: add one with "
                "`deepseek-tui mcp add NAME -- COMMAND [ARGS…]` or `--url URL`.\n"
            )
        return 0
    from deepseek_tui.tools import ToolBox

    box = ToolBox(servers, paths)

    async def look() -> list[ServerState]:
        try:
            await box.start()
            return box.servers()  # as they stood, before they are stopped
        finally:
            await box.aclose()

    states = asyncio.run(look())
    if as_json:
        rows = [
            {
                "name": state.name,
                "transport": state.transport,
                "state": state.state,
                "reason": state.reason,
                "last_stderr": state.last_stderr or None,
                "log": str(state.log) if state.log else None,
                "tools": [
                    {
                        "name": tool.tool,
                        "wire_name": tool.wire_name,
                        "description": tool.description,
                        "auto_approved": tool.auto_approved,
                    }
                    for tool in state.tools
                ],
            }
            for state in states
        ]
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return 0
    width = max(_terminal_width(), 40)
    for state in states:
        if state.state == "connected":
            count = len(state.tools)
            how = f"connected, {count} tool{'' if count == 1 else 's'}"
        elif state.state == "off":
            how = "off (enabled = false)"
        else:
            how = f"failed: {state.reason}"
        out.write(_fit(state.name, width // 3) + f"  {state.transport}  ")
        out.write(_fit(how, max(width - len(state.name) - 10, 20)) + "\n")
        if state.state == "failed" and state.last_stderr:
            out.write("  " + _fit(f"last stderr: {state.last_stderr}", width - 2) + "\n")
        if state.state == "failed" and state.log:
            out.write("  " + _fit(f"log: {state.log}", width - 2) + "\n")
        for tool in state.tools:
            mark = " (auto)" if tool.auto_approved else ""
            name = _fit(tool.wire_name + mark, width - 2)
            room = width - 4 - len(name)
            about = "  " + _fit(tool.description, room) if tool.description and room > 10 else ""
            out.write(f"  {name}{about}\n")
    return 0


def _change(paths: Paths, change: Any) -> None:
    try:
        change_config(paths, change)
    except OSError as error:
        raise CliError(f"could not write {paths.config_file}: {error.strerror or error}") from None


def _servers_of(data: dict[str, Any], paths: Paths) -> dict[str, Any]:
    servers = data.setdefault("mcp_servers", {})
    if not isinstance(servers, dict):
        raise ConfigError(
            f"Invalid value in {paths.config_file}: 'mcp_servers' must be a table of "
            "[mcp_servers.NAME] tables.",
            path=paths.config_file,
        )
    return servers


def _add(paths: Paths, args: argparse.Namespace) -> int:
    name: str = args.name
    problem = server_name_problem(name)
    if problem:
        raise CliError(problem, 2)
    command: list[str] = args.server_command or []
    if bool(command) == bool(args.url):
        raise CliError(
            "give the server's command after -- (mcp add NAME -- COMMAND …) or --url URL", 2
        )
    table: dict[str, Any] = (
        {"url": args.url} if args.url else {"command": command[0], "args": command[1:]}
    )
    env = {}
    for item in args.env or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"--env takes KEY=VALUE, not {item!r}", 2)
        env[key] = value
    if env:
        if args.url:
            raise CliError("--env is for a server it starts, not one at a URL", 2)
        table["env"] = env
    if args.bearer_token_env_var:
        if not args.url:
            raise CliError("--bearer-token-env-var is for a server at a URL", 2)
        table["bearer_token_env_var"] = args.bearer_token_env_var

    def change(data: dict[str, Any]) -> None:
        servers = _servers_of(data, paths)
        if name in servers:
            raise CliError(
                f"there is an MCP server called {name} already in {paths.config_file} "
                f"(`deepseek-tui mcp remove {name}` first)"
            )
        servers[name] = table

    _change(paths, change)
    print(f"Added the MCP server {name} to {paths.config_file}.")
    return 0


def _remove(paths: Paths, name: str) -> int:
    def change(data: dict[str, Any]) -> None:
        servers = data.get("mcp_servers")
        if not isinstance(servers, dict) or name not in servers:
            raise CliError(f"there is no MCP server called {name} in {paths.config_file}")
        del servers[name]
        if not servers:
            del data["mcp_servers"]

    _change(paths, change)
    print(f"Removed the MCP server {name} from {paths.config_file}.")
    return 0


def _read_json(file: str) -> Any:
    try:
        if file == "-":
            raw = sys.stdin.buffer.read(_MAX_IMPORT + 1)
        else:
            with open(file, "rb") as handle:
                raw = handle.read(_MAX_IMPORT + 1)
    except OSError as error:
        raise CliError(f"cannot read {file}: {error.strerror or error}") from None
    if len(raw) > _MAX_IMPORT:
        raise CliError(f"{file} is over 1 MB: not an MCP servers file")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise CliError(f"{file} is not JSON ({error})") from None


def _strings(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _table_from(entry: object) -> tuple[dict[str, Any] | None, str]:
    """An `mcpServers` entry (Claude Desktop, Cursor, oterm) as our table, or None and
    why it cannot be one."""
    if not isinstance(entry, dict):
        return None, "it is not an object"
    kind = str(entry.get("type") or entry.get("transport") or "")
    if kind == "sse":
        return None, "SSE servers are not supported (streamable HTTP and stdio are)"
    table: dict[str, Any] = {}
    if isinstance(entry.get("command"), str) and entry["command"].strip():
        table["command"] = entry["command"]
        args = entry.get("args", [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            return None, "its args are not a list of strings"
        if args:
            table["args"] = args
        if entry.get("env"):
            if not _strings(entry["env"]):
                return None, "its env is not a table of strings"
            table["env"] = entry["env"]
        if isinstance(entry.get("cwd"), str) and entry["cwd"]:
            table["cwd"] = entry["cwd"]
    elif isinstance(entry.get("url"), str) and entry["url"].strip():
        table["url"] = entry["url"].strip()
        if entry.get("headers"):
            if not _strings(entry["headers"]):
                return None, "its headers are not a table of strings"
            table["headers"] = entry["headers"]
    else:
        return None, "it has neither a command nor a url"
    if entry.get("disabled") is True:
        table["enabled"] = False
    return table, ""


def _import(paths: Paths, file: str) -> int:
    from deepseek_tui.config.servers import read_mcp_servers

    data = _read_json(file)
    found = data.get("mcpServers", data.get("servers")) if isinstance(data, dict) else None
    if not isinstance(found, dict) or not found:
        raise CliError(f'{file} has no "mcpServers" object (the Claude Desktop/Cursor format)')
    added: list[str] = []
    skipped: list[str] = []

    def change(config: dict[str, Any]) -> None:
        servers = _servers_of(config, paths)
        for name, entry in found.items():
            problem = server_name_problem(str(name))
            table, why = _table_from(entry)
            if problem:
                skipped.append(problem)
            elif name in servers:
                skipped.append(f"{name}: there is one of that name already (kept as it is)")
            elif table is None:
                skipped.append(f"{name}: {why}")
            else:
                try:
                    read_mcp_servers({name: dict(table)}, Path(file))
                except ConfigError as error:
                    skipped.append(f"{name}: {str(error).split(': ', 1)[-1]}")
                    continue
                servers[name] = table
                added.append(name)
        if not servers:
            del config["mcp_servers"]

    _change(paths, change)
    out = _Output(sys.stdout)
    if added:
        out.write(_fit(f"Imported {', '.join(added)} into {paths.config_file}.", 10_000) + "\n")
    for line in skipped:
        out.write(_fit(f"Skipped {line}", 10_000) + "\n")
    if not added:
        raise CliError(f"no server imported from {file}")
    return 0
