"""The MCP servers whose tools the chat offers, a part the app owns: made and started
after the first frame (the `mcp` SDK is imported then, and only when a server is
configured), handed to the session, stopped at quit. It is the tools panel's
`ToolsControl` and says what the status line shows ("tools 7 · 1 failed")."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from deepseek_tui.config import Paths, Settings
    from deepseek_tui.session import Session
    from deepseek_tui.tools import ToolBox


@dataclass(frozen=True, slots=True)
class ToolRow:
    """One tool as the panel shows it."""

    wire_name: str  # what the model calls it: the row's id
    name: str  # its name on its server
    description: str = ""
    on: bool = True  # offered to the model in this conversation
    always: bool = False  # runs without asking


@dataclass(frozen=True, slots=True)
class ServerRow:
    """One server as the panel shows it."""

    name: str
    state: str  # "connecting" | "connected" | "failed" | "off"
    tools: tuple[ToolRow, ...] = ()
    reason: str = ""  # why it failed
    last_stderr: str = ""  # the server's last line on stderr


class ToolsControl(Protocol):
    """What the panel reads and changes: the chat's tools (the servers and this
    conversation's choices). Each change returns the sentence to show."""

    def rows(self) -> Sequence[ServerRow]: ...

    def set_on(self, wire_name: str, on: bool) -> str: ...

    def set_always(self, wire_name: str, always: bool) -> str: ...

    async def restart(self, server: str) -> str: ...

    async def reload(self) -> str: ...


class ToolServers:
    """Given the config dir and the app's settings (changed in place by Settings),
    whether the demo runs, the session (made if need be), `changed` (the status line
    is out of date) and `say` (one sentence for the user)."""

    def __init__(
        self,
        paths: Paths,
        settings: Settings,
        *,
        demo: Callable[[], bool],
        session: Callable[[], Session],
        changed: Callable[[], None],
        say: Callable[[str], None],
    ) -> None:
        self.paths = paths
        self.settings = settings
        self._demo = demo
        self._session = session
        self._changed = changed
        self._say = say
        self.box: ToolBox | None = None
        self._said: set[str] = set()  # problems said once each

    def configured(self) -> bool:
        """Whether any server is set up (no `mcp` import to know it)."""
        return self._demo() or any(s.enabled for s in self.settings.mcp_server_list())

    async def start(self) -> None:
        """Start the servers (in the background: the chat goes on meanwhile); each
        that fails is said once, with why."""
        if self.box is not None or not self.configured():
            return
        from deepseek_tui.tools import ToolBox, import_sdk

        box = ToolBox.from_settings(self.settings, self.paths, demo=self._demo())
        if box is None:
            return
        self.box = box
        self._changed()
        # The SDK's imports (~1 s) in a thread: keys typed meanwhile are not held.
        await asyncio.to_thread(import_sdk)
        await box.start()
        self._session().tools = box
        self._settled()

    def _settled(self) -> None:
        self._changed()
        if self.box is None:
            return
        for problem in self.box.problems():
            if problem not in self._said:
                self._said.add(problem)
                self._say(problem)

    async def aclose(self) -> None:
        if self.box is not None:
            with contextlib.suppress(Exception):
                await self.box.aclose()

    # --- the status line ----------------------------------------------------------------

    def status(self) -> tuple[str, bool]:
        """("tools 7 · 1 failed", warn): the tools the next request offers and the
        servers that failed; ("", False) without servers."""
        if self.box is None:
            return "", False
        servers = self.box.servers()
        if any(s.state == "connecting" for s in servers):
            return "tools connecting…", False
        if self._session().offered_tools(say=False) is None:
            return "no tools here", False  # the provider takes none (Segmind): none are sent
        off = self._off()
        count = sum(1 for s in servers for t in s.tools if t.wire_name not in off)
        failed = sum(1 for s in servers if s.state == "failed")
        text = f"tools {count}"
        if failed:
            text += f" · {failed} failed"
        return text, bool(failed)

    def _off(self) -> frozenset[str]:
        return frozenset(self._session().tools_off)

    # --- the panel's ToolsControl -------------------------------------------------------

    def rows(self) -> list[ServerRow]:
        if self.box is None:
            return []
        off = self._off()
        return [
            ServerRow(
                name=server.name,
                state=server.state,
                tools=tuple(
                    ToolRow(
                        tool.wire_name,
                        tool.tool,
                        tool.description,
                        on=tool.wire_name not in off,
                        always=tool.auto_approved,
                    )
                    for tool in server.tools
                ),
                reason=server.reason or "",
                last_stderr=server.last_stderr,
            )
            for server in self.box.servers()
        ]

    def set_on(self, wire_name: str, on: bool) -> str:
        said = self._session().set_tool_on(wire_name, on)
        self._changed()
        return said

    def set_always(self, wire_name: str, always: bool) -> str:
        if self.box is None:
            return "There are no tools."
        said = self.box.allow_always(wire_name) if always else self.box.ask_again(wire_name)
        self._changed()
        return said

    async def restart(self, server: str) -> str:
        if self.box is None:
            return "There are no servers to restart."
        said = await self.box.restart(server)
        self._settled()
        return said

    async def reload(self) -> str:
        """Read config.toml again: servers added are started, removed ones stopped."""
        from deepseek_tui.config import ConfigError, load_settings

        try:
            settings = load_settings(self.paths)
        except (ConfigError, OSError) as error:
            return f"config.toml was not read: {error}"
        if self.box is None:
            self.settings.mcp_servers = settings.mcp_servers
            await self.start()
            return "Started the servers of config.toml." if self.box else "No servers set up."
        said = await self.box.reload(settings)
        self._settled()
        return said
