"""A test MCP server in plain JSON-RPC on the stdlib that knows only the 2025 handshake
(`initialize` at 2025-03-26 or 2025-06-18; any other method is "method not found"),
with a mode for each way a server goes wrong: `python plain_server.py MODE`.

ok: tools echo, pid, hang (never answers), die (exits mid-call), big (200 KB of text),
busy (sleeps an hour, deaf to stdin's end). spawner: works, and starts a process of
its own that sleeps an hour (as `npx` starts node); `pid` says both pids.
fail-start: writes a line to stderr and exits at once. hang-start: never answers
`initialize`. flood: writes 2 MB to stderr at start, then works. noisy: a line that is
not JSON on stdout first, then works. hostile: works, and adds a tool whose name and
description carry ESC, BEL, C1 bytes and Rich markup (its result too), and `huge`
(a 10 MB result in lines).
"""

from __future__ import annotations

import json
import os
import sys
import time

VERSIONS = ("2025-03-26", "2025-06-18")
SCHEMA = {"type": "object", "properties": {"text": {"type": "string"}}}
TOOLS = [
    {"name": "echo", "description": "Say the text back.", "inputSchema": SCHEMA},
    {"name": "pid", "description": "The process id.", "inputSchema": {"type": "object"}},
    {"name": "hang", "description": "Never answers.", "inputSchema": {"type": "object"}},
    {"name": "die", "description": "Exits mid-call.", "inputSchema": {"type": "object"}},
    {"name": "big", "description": "200 KB of text.", "inputSchema": {"type": "object"}},
    {"name": "busy", "description": "Works for an hour.", "inputSchema": {"type": "object"}},
    {"name": "dotted.name with spaces", "description": "An odd name.", "inputSchema": SCHEMA},
]

# Outside text at its worst: an SGR and an OSC title, BEL, C1 CSI (U+009B) and NEL
# (U+0085), and Rich markup that would raise MarkupError or restyle if parsed.
HOSTILE_NAME = "evil\x1b[31m[bold]\x07\x9b"
HOSTILE_DESCRIPTION = "[red]Not red[/] \x1b]0;owned\x07 \x9b2J [/bold] \x85end"
HOSTILE_RESULT = "\x1b[2J\x1b]0;owned\x07[bold red]boom[/] [/nope] \x9b31m\x85 \x07end"
HUGE_LINE = "z" * 99 + "\n"
HUGE_LINES = 100_000  # 10 MB
HOSTILE_TOOLS = [
    {"name": HOSTILE_NAME, "description": HOSTILE_DESCRIPTION, "inputSchema": SCHEMA},
    {"name": "huge", "description": "10 MB of text.", "inputSchema": {"type": "object"}},
]


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def text(ident: object, value: str, error: bool = False) -> None:
    result = {"content": [{"type": "text", "text": value}], "isError": error}
    send({"jsonrpc": "2.0", "id": ident, "result": result})


def main(mode: str) -> None:
    if mode == "fail-start":
        # An escape sequence too: it must reach the screen inert.
        print("plain_server: \x1b[31mcannot open /nowhere/db", file=sys.stderr, flush=True)
        sys.exit(2)
    if mode == "noisy":
        print("plain_server: not JSON, on stdout", flush=True)  # the SDK logs it as an error
    if mode == "flood":
        line = "x" * 1023 + "\n"
        for _ in range(2048):
            sys.stderr.write(line)
        sys.stderr.write("flood: done\n")
        sys.stderr.flush()
    grandchild = None
    if mode == "spawner":
        import subprocess

        sleeper = [sys.executable, "-c", "import time; time.sleep(3600)"]
        grandchild = subprocess.Popen(sleeper, stdin=subprocess.DEVNULL)
    for raw in sys.stdin:
        message = json.loads(raw)
        method, ident = message.get("method"), message.get("id")
        if ident is None:
            continue
        if method == "initialize":
            if mode == "hang-start":
                print("plain_server: waiting for something", file=sys.stderr, flush=True)
                time.sleep(3600)
            asked = message["params"].get("protocolVersion")
            version = asked if asked in VERSIONS else VERSIONS[-1]
            result = {
                "protocolVersion": version,
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "plain", "version": "1"},
            }
            send({"jsonrpc": "2.0", "id": ident, "result": result})
        elif method == "tools/list":
            tools = TOOLS + HOSTILE_TOOLS if mode == "hostile" else TOOLS
            send({"jsonrpc": "2.0", "id": ident, "result": {"tools": tools}})
        elif method == "tools/call":
            name = message["params"]["name"]
            arguments = message["params"].get("arguments") or {}
            if name == "hang":
                continue  # never answered
            if name == "die":
                print("plain_server: dying mid-call", file=sys.stderr, flush=True)
                os._exit(4)
            if name == "busy":
                # Deaf to stdin while it works: only a signal stops it.
                print("plain_server: busy", file=sys.stderr, flush=True)
                time.sleep(3600)
            if name == "pid":
                text(ident, f"{os.getpid()} {grandchild.pid}" if grandchild else str(os.getpid()))
            elif name == "big":
                text(ident, "y" * 200_000)
            elif name == "huge":
                text(ident, HUGE_LINE * HUGE_LINES)
            elif name == HOSTILE_NAME:
                text(ident, HOSTILE_RESULT)
            else:
                text(ident, str(arguments.get("text", "")))
        elif method == "ping":
            send({"jsonrpc": "2.0", "id": ident, "result": {}})
        else:
            error = {"code": -32601, "message": f"Method not found: {method}"}
            send({"jsonrpc": "2.0", "id": ident, "error": error})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ok")
