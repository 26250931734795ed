"""Tools for the model: MCP servers from config.toml (`[mcp_servers.NAME]`) through the
official `mcp` SDK, which is imported only once a ToolBox starts a server (importing
this package never loads it). Beside `pricing` in the layers: it knows the config,
the wire's events and the terminal, no UI and no storage.

The public names load from their submodules on first use (PEP 562), so the demo
server (`python -m deepseek_tui.tools.demo_server`) starts without the config stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deepseek_tui.tools.box import (  # noqa: F401
        ServerState,
        ToolBox,
        ToolInfo,
        ToolOutcome,
        import_sdk,
        log_path,
    )
    from deepseek_tui.tools.demo_server import demo_server_config  # noqa: F401

_WHERE = {
    "ServerState": "box",
    "ToolBox": "box",
    "ToolInfo": "box",
    "ToolOutcome": "box",
    "import_sdk": "box",
    "log_path": "box",
    "demo_server_config": "demo_server",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
