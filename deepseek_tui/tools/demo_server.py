"""The demo's MCP server: harmless tools (the time, dice, a word count) over stdio, so
`--demo` shows a tool call with no setup. Plain JSON-RPC on the stdlib (the 2025
handshake), not the SDK's server: it starts in a blink and needs nothing installed.

Run: `python -m deepseek_tui.tools.demo_server`; `demo_server_config()` is its
[mcp_servers.NAME] table, its tools approved.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime
from typing import Any

NAME = "demo"
# The handshake versions it speaks (newest last); a client asking for another gets the newest.
VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")

TOOLS: list[dict[str, Any]] = [
    {
        "name": "current_time",
        "description": "The current date and time: local (with its UTC offset) and UTC.",
        "inputSchema": {"type": "object", "properties": {}},
    },
    {
        "name": "roll_dice",
        "description": "Roll dice and give each face and the total.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "count": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
                "sides": {"type": "integer", "minimum": 2, "maximum": 1000, "default": 6},
            },
        },
    },
    {
        "name": "word_count",
        "description": "Count the words, lines and characters of a text.",
        "inputSchema": {
            "type": "object",
            "properties": {"text": {"type": "string", "description": "the text to count"}},
            "required": ["text"],
        },
    },
]


def demo_server_config() -> dict[str, Any]:
    """The demo server as a [mcp_servers.NAME] table: this Python runs it, and its
    tools are approved (harmless, and a newcomer should see a call at once)."""
    return {"command": sys.executable, "args": ["-m", __name__], "approve": "auto"}


class _BadArguments(ValueError):
    pass


def _integer(arguments: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = arguments.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _BadArguments(f"{key} must be a whole number from {low} to {high}")
    return value


def run_tool(name: str, arguments: dict[str, Any]) -> str:
    """The tool's text result; `_BadArguments` or `KeyError` (no such tool)."""
    if name == "current_time":
        local = datetime.now().astimezone()
        utc = local.astimezone(UTC)
        return (
            f"Local time: {local:%A %d %B %Y, %H:%M:%S} (UTC{local:%z}). "
            f"UTC: {utc:%Y-%m-%dT%H:%M:%SZ}."
        )
    if name == "roll_dice":
        count = _integer(arguments, "count", 1, 1, 100)
        sides = _integer(arguments, "sides", 6, 2, 1000)
        faces = [random.randint(1, sides) for _ in range(count)]
        return f"Rolled {count}d{sides}: {', '.join(map(str, faces))} (total {sum(faces)})."
    if name == "word_count":
        text = arguments.get("text")
        if not isinstance(text, str):
            raise _BadArguments("text must be a string")
        counts = (len(text.split()), len(text.splitlines()), len(text))
        names = ("word", "line", "character")
        return (
            ", ".join(
                f"{n} {name}{'' if n == 1 else 's'}" for n, name in zip(counts, names, strict=True)
            )
            + "."
        )
    raise KeyError(name)


def answer(message: dict[str, Any]) -> dict[str, Any] | None:
    """The reply to one JSON-RPC message (None for a notification)."""
    method, ident = message.get("method"), message.get("id")
    if ident is None:
        return None
    params = message.get("params") or {}
    if method == "initialize":
        asked = params.get("protocolVersion")
        result: dict[str, Any] = {
            "protocolVersion": asked if asked in VERSIONS else VERSIONS[-1],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "deepseek-tui-demo", "version": "1"},
        }
    elif method == "ping":
        result = {}
    elif method == "tools/list":
        result = {"tools": TOOLS}
    elif method == "tools/call":
        try:
            text = run_tool(str(params.get("name")), params.get("arguments") or {})
            result = {"content": [{"type": "text", "text": text}], "isError": False}
        except _BadArguments as error:
            result = {"content": [{"type": "text", "text": str(error)}], "isError": True}
        except KeyError:
            error = {"code": -32602, "message": f"Unknown tool: {params.get('name')}"}
            return {"jsonrpc": "2.0", "id": ident, "error": error}
    else:
        error = {"code": -32601, "message": f"Method not found: {method}"}
        return {"jsonrpc": "2.0", "id": ident, "error": error}
    return {"jsonrpc": "2.0", "id": ident, "result": result}


def main() -> None:
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict):
            continue
        reply = answer(message)
        if reply is not None:
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
