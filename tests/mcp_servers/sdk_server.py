"""A test MCP server written with the official SDK's `MCPServer`: over stdio by default,
over streamable HTTP on 127.0.0.1 with `--http` (it prints the port on stdout, then
serves until killed). Tools: echo, add, pid, slow, fail, picture, die."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

from mcp.server.mcpserver import Image, MCPServer

server = MCPServer("sdk-test")


@server.tool()
def echo(text: str) -> str:
    """Say the text back."""
    return text


@server.tool()
def add(a: int, b: int) -> int:
    """Add two whole numbers."""
    return a + b


@server.tool()
def pid() -> str:
    """The server's process id."""
    return str(os.getpid())


@server.tool()
async def slow(seconds: float) -> str:
    """Answer after a while."""
    await asyncio.sleep(seconds)
    return "done"


@server.tool()
def fail() -> str:
    """Always fails."""
    raise ValueError("this tool always fails")


@server.tool()
def picture() -> list:
    """Some text and a 2 KB PNG."""
    return ["a picture:", Image(data=b"\x89PNG" + b"\0" * 2044, format="png")]


@server.tool()
def die() -> str:
    """Exits in the middle of the call."""
    os._exit(3)


def serve_http() -> None:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    app = server.streamable_http_app()
    config = uvicorn.Config(app, log_level="warning")
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


if __name__ == "__main__":
    if "--http" in sys.argv:
        serve_http()
    else:
        server.run()
