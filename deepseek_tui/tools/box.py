"""ToolBox: the configured MCP servers, started together through the official `mcp`
SDK, their tools as the wire's `tools` array, calls run with their time limits.

`mcp` (pydantic, starlette, anyio, httpx2: ~1 s to import) is imported inside the
methods that start servers, never by importing this module: a ToolBox exists only
when a server is enabled, and the start path never makes one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from deepseek_tui.config import (
    ConfigError,
    McpServer,
    Paths,
    Settings,
    allow_tool_always,
    ask_tool_again,
)
from deepseek_tui.terminal import sanitize
from deepseek_tui.tools.demo_server import NAME as DEMO_NAME
from deepseek_tui.tools.demo_server import demo_server_config
from deepseek_tui.tools.names import MAX_TOOLS, wire_names
from deepseek_tui.tools.results import result_text
from deepseek_tui.tools.stderr_log import StderrLog

State = Literal["connecting", "connected", "failed", "off"]
_LAUNCHER = Path(__file__).with_name("launcher.py")
_EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}


@dataclass(frozen=True)
class ToolInfo:
    """One tool a server offers, as the model sees it (`wire_name`) and as the server
    names it (`server`, `tool`)."""

    server: str
    tool: str
    wire_name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    auto_approved: bool = False


@dataclass(frozen=True)
class ServerState:
    """A server as it stands: how it is reached, whether it runs, its tools, and why
    not (`reason`, and the last line it wrote to stderr)."""

    name: str
    transport: Literal["stdio", "http"]
    state: State
    tools: tuple[ToolInfo, ...] = ()
    reason: str | None = None
    last_stderr: str = ""
    log: Path | None = None


@dataclass(frozen=True)
class ToolOutcome:
    """What came of one call. `text` is the result for the model (text parts joined,
    other parts described); `reason` says why it failed when the tool never answered
    (timed out, the server stopped, an unknown tool), None when it did."""

    text: str
    is_error: bool
    seconds: float
    reason: str | None = None


def log_path(paths: Paths, server: str) -> Path:
    """Where a server's stderr goes: `<config dir>/logs/mcp-NAME.log`."""
    return paths.dir / "logs" / f"mcp-{server}.log"


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _leaf(error: BaseException) -> BaseException:
    """The first real error inside exception groups (anyio's task groups wrap them)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _why(error: BaseException) -> str:
    """A failure to start or to call, in a few words."""
    error = _leaf(error)
    if isinstance(error, TimeoutError):
        return "it did not answer in time"
    message = getattr(error, "message", None)  # mcp's MCPError
    if isinstance(message, str) and message:
        if "closed" in message.lower():
            return "it stopped (the connection closed)"
        return _one_line(message)
    response = getattr(error, "response", None)  # httpx2's HTTPStatusError
    status = getattr(response, "status_code", None)
    if status is not None:
        return f"it answered HTTP {status}"
    if type(error).__name__ in ("ConnectError", "ConnectTimeout"):
        return "nothing answers at its URL"
    if isinstance(error, OSError) and error.strerror:
        return _one_line(error.strerror)
    if type(error).__name__ in ("EndOfStream", "ClosedResourceError", "BrokenResourceError"):
        return "it stopped (the connection closed)"
    return _one_line(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)


def _quiet_sdk_logging() -> None:
    """The SDK logs what goes wrong with a server (a stdout line that is not JSON, with
    a traceback) through `logging`; with no handler anywhere Python writes that to
    stderr, which in the TUI is the screen. A NullHandler on "mcp" keeps it off the
    terminal (a handler on the root, a debug log, still gets it)."""
    import logging

    logger = logging.getLogger("mcp")
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())


def import_sdk() -> None:
    """Import what starting a server needs of the SDK (~1 s on a 2-core machine): done
    in a thread by the TUI before `start()`, so the interface is not held meanwhile."""
    import anyio  # noqa: F401
    import mcp_types  # noqa: F401
    from mcp.client import Client  # noqa: F401
    from mcp.client.stdio import stdio_client  # noqa: F401
    from mcp.client.streamable_http import streamable_http_client  # noqa: F401


class _Server:
    """One server's connection, held open by its own task (`run`): anyio's scopes
    must be left in the task that entered them."""

    def __init__(self, config: McpServer, log: Path) -> None:
        self.config = config
        self.log = log
        self.state: State = "connecting" if config.enabled else "off"
        self.reason: str | None = None
        self.tools: list[tuple[str, str, dict[str, Any]]] = []  # (name, description, schema)
        self.client: Any = None
        self.stderr: StderrLog | None = None
        self.ready = asyncio.Event()
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    @property
    def last_stderr(self) -> str:
        return self.stderr.last_line if self.stderr is not None else ""

    def fail(self, reason: str) -> None:
        if self.state in ("connecting", "connected"):
            self.state, self.reason = "failed", reason
        self.ready.set()

    async def run(self) -> None:
        try:
            async with AsyncExitStack() as stack:
                await self._connect(stack)
        except BaseException as error:
            task = asyncio.current_task()
            if isinstance(error, asyncio.CancelledError) and task and task.cancelling():
                self.fail("it was stopped")
                raise
            why = _why(error)
            if self.state == "connecting" and why.startswith("it stopped"):
                why = "it exited as it started"
            self.fail(why)
            if not isinstance(error, Exception):
                raise
        finally:
            self.client = None
            if self.stderr is not None:
                self.stderr.close_writer()
            self.ready.set()

    async def _connect(self, stack: AsyncExitStack) -> None:
        """Connect, list the tools, then hold the connection until `stop`. The start's
        deadline is a scope around the whole connection (anyio's scopes nest: the
        client's task group may not outlive a scope entered after it), lifted once
        the tools are listed."""
        import math

        import anyio
        import mcp_types
        from mcp.client import Client

        from deepseek_tui import __version__

        _quiet_sdk_logging()
        transport = self._stdio(stack) if self.config.transport == "stdio" else self._http(stack)
        client = Client(
            await transport,
            client_info=mcp_types.Implementation(name="deepseek-tui", version=__version__),
        )
        limit = self.config.startup_timeout_sec
        with anyio.CancelScope(deadline=anyio.current_time() + limit) as scope:
            async with client:
                tools: list[tuple[str, str, dict[str, Any]]] = []
                cursor: str | None = None
                for _ in range(100):  # a server that pages forever must not hang the start
                    page = await client.list_tools(cursor=cursor)
                    for tool in page.tools:
                        schema = tool.input_schema if isinstance(tool.input_schema, dict) else {}
                        tools.append((tool.name, tool.description or tool.title or "", schema))
                    cursor = page.next_cursor
                    if not cursor:
                        break
                scope.deadline = math.inf
                self.client, self.tools = client, tools
                if self.state == "connecting":  # not given up on meanwhile
                    self.state = "connected"
                self.ready.set()
                await self.stop.wait()
        if scope.cancelled_caught and self.client is None:
            self.fail(f"it did not start within {limit:g} s")

    async def _stdio(self, stack: AsyncExitStack) -> Any:
        from mcp.client.stdio import StdioServerParameters, get_default_environment, stdio_client

        config = self.config
        env = get_default_environment() | dict(config.env)
        if config.cwd is not None and not Path(config.cwd).expanduser().is_dir():
            raise _Refused(f"its cwd {config.cwd} is not a folder")
        cwd = str(Path(config.cwd).expanduser()) if config.cwd else None
        found = shutil.which(config.command, path=env.get("PATH"))
        if found is None and os.sep not in config.command:
            raise _Refused(f"command not found: {config.command}")
        command, args = found or config.command, list(config.args)
        if sys.platform.startswith("linux"):
            # Dies with us, even at kill -9, with what it started (launcher.py).
            args = ["-I", "-S", str(_LAUNCHER), str(os.getpid()), command, *args]
            command = sys.executable
        params = StdioServerParameters(command=command, args=args, env=dict(env), cwd=cwd)
        self.stderr = StderrLog(self.log)
        log = self.stderr

        @asynccontextmanager
        async def transport() -> AsyncIterator[Any]:
            try:
                async with stdio_client(params, errlog=log.writer) as streams:
                    log.close_writer()  # the server has its own copy now
                    yield streams
            finally:
                log.close_writer()

        return transport()

    async def _http(self, stack: AsyncExitStack) -> Any:
        from mcp.client.streamable_http import streamable_http_client
        from mcp.shared._httpx_utils import create_mcp_http_client

        headers = dict(self.config.headers)
        variable = self.config.bearer_token_env_var
        if variable:
            token = os.environ.get(variable, "").strip()
            if not token:
                raise _Refused(f"${variable} (its bearer token) is not set")
            headers["Authorization"] = f"Bearer {token}"
        http = await stack.enter_async_context(create_mcp_http_client(headers=headers))
        return streamable_http_client(self.config.url, http_client=http)


class _Refused(Exception):
    """A server that cannot be started as configured; `str()` says why."""

    @property
    def message(self) -> str:
        return str(self)


class ToolBox:
    """The enabled MCP servers of the settings and their tools. `start()` them, offer
    `specs()` to the model, `find()` and `call()` what it asks for, `aclose()` at the
    end (every server process stops).

    Use it on one long-lived event loop, the app's: each server's connection is a task
    of the loop that started it, and on Linux a stdio server dies with the thread that
    spawned it (PR_SET_PDEATHSIG), so a loop in a short-lived worker thread would take
    its servers with it when the thread ends."""

    def __init__(
        self,
        servers: list[McpServer],
        paths: Paths,
        *,
        output_limit_kb: int = 64,
        rounds: int = 8,
    ) -> None:
        self.paths = paths
        self.output_limit_kb = output_limit_kb
        self.rounds = rounds
        self._servers = {
            config.name: _Server(config, log_path(paths, config.name)) for config in servers
        }
        self._tools: dict[str, ToolInfo] = {}
        self._specs: tuple[dict[str, Any], ...] = ()
        self._left_out = 0
        self._started = False

    @classmethod
    def from_settings(
        cls, settings: Settings, paths: Paths, *, demo: bool = False
    ) -> ToolBox | None:
        """A ToolBox of the enabled servers; None when there is none (and then `mcp`
        is never imported). `demo`: the built-in demo server too, its tools approved
        (unless a server is called "demo" already); the settings are not changed, so
        a save in the demo never writes it to config.toml."""
        servers = [server for server in settings.mcp_server_list() if server.enabled]
        if demo and all(server.name != DEMO_NAME for server in settings.mcp_server_list()):
            servers.append(McpServer.from_table(DEMO_NAME, demo_server_config()))
        if not servers:
            return None
        return cls(
            servers,
            paths,
            output_limit_kb=settings.tool_output_limit_kb,
            rounds=settings.tool_rounds,
        )

    async def start(self) -> None:
        """Start every server at once; return when each is connected, failed or out
        of its startup_timeout_sec (a slow one is given up on, and stopped, in the
        background)."""
        if self._started:
            return
        self._started = True

        await asyncio.gather(
            *(self._start_one(s) for s in self._servers.values() if s.state != "off")
        )
        self._map_tools()

    @staticmethod
    async def _start_one(server: _Server) -> None:
        server.task = asyncio.create_task(server.run(), name=f"mcp {server.config.name}")
        try:
            await asyncio.wait_for(server.ready.wait(), server.config.startup_timeout_sec)
        except TimeoutError:
            server.fail(f"it did not start within {server.config.startup_timeout_sec:g} s")

    @staticmethod
    async def _stop_one(server: _Server) -> None:
        server.stop.set()
        if server.task is not None:
            await asyncio.wait([server.task], timeout=15)
        if server.stderr is not None:
            server.stderr.wait_closed(1.0)

    async def restart(self, name: str) -> str:
        """Stop the server and start it again (the tools panel's r): the sentence to
        show, with how it went."""
        server = self._servers.get(name)
        if server is None:
            return sanitize(f"There is no server called {name}.", name=True)
        await self._stop_one(server)
        fresh = self._servers[name] = _Server(replace(server.config, enabled=True), server.log)
        await self._start_one(fresh)
        self._map_tools()
        return self._said(fresh)

    async def reload(self, settings: Settings) -> str:
        """Take config.toml's servers as they are now: those added are started, those
        removed stopped, those changed started again (the built-in demo server stays).
        The sentence to show says what changed."""
        wanted = {s.name: s for s in settings.mcp_server_list()}
        self.output_limit_kb, self.rounds = settings.tool_output_limit_kb, settings.tool_rounds
        removed = [n for n in self._servers if n not in wanted and n != DEMO_NAME]
        changed = [n for n in self._servers if n in wanted and wanted[n] != self._servers[n].config]
        added = [n for n in wanted if n not in self._servers]
        for name in removed:
            await self._stop_one(self._servers.pop(name))
        for name in changed:
            await self._stop_one(self._servers[name])
        starting = []
        for name in changed + added:
            server = self._servers[name] = _Server(wanted[name], log_path(self.paths, name))
            if server.state != "off":
                starting.append(self._start_one(server))
        await asyncio.gather(*starting)
        self._map_tools()
        parts = [
            f"{len(names)} {what}"
            for names, what in ((added, "added"), (removed, "removed"), (changed, "restarted"))
            if names
        ]
        if not parts:
            return "Nothing changed in config.toml's servers."
        return "Reloaded config.toml: " + ", ".join(parts) + "."

    def _said(self, server: _Server) -> str:
        name = server.config.name
        if server.state == "connected":
            count = sum(1 for info in self._tools.values() if info.server == name)
            return sanitize(f"{name} is connected: {count} tools.", name=True)
        why = server.reason or "it did not start"
        last = f' Its last words: "{server.last_stderr}"' if server.last_stderr else ""
        return sanitize(f"{name} is off: {why}.{last}", name=True)

    def _map_tools(self) -> None:
        pairs = [
            (server, tool)
            for server in self._servers.values()
            if server.state == "connected"
            for tool in server.tools
            if server.config.offers(tool[0])
        ]
        self._left_out = max(len(pairs) - MAX_TOOLS, 0)
        pairs = pairs[:MAX_TOOLS]
        names = wire_names([(server.config.name, tool[0]) for server, tool in pairs])
        self._tools = {
            wire: ToolInfo(
                server=server.config.name,
                tool=name,
                wire_name=wire,
                description=description,
                parameters=schema,
                auto_approved=server.config.auto_approved(name),
            )
            for wire, (server, (name, description, schema)) in zip(names, pairs, strict=True)
        }
        # Serialized once and parsed back: every request carries the same bytes
        # (prefix cache), whatever the SDK's objects would do on a second dump.
        frozen = json.dumps(
            [
                {
                    "type": "function",
                    "function": {
                        "name": info.wire_name,
                        "description": info.description,
                        "parameters": _schema(info.parameters),
                    },
                }
                for info in self._tools.values()
            ],
            ensure_ascii=False,
        )
        self._specs = tuple(json.loads(frozen))

    def servers(self) -> list[ServerState]:
        """Each configured server as it stands, in config.toml's order."""
        by_server: dict[str, list[ToolInfo]] = {}
        for info in self._tools.values():
            by_server.setdefault(info.server, []).append(info)
        return [
            ServerState(
                name=name,
                transport=server.config.transport,
                state=server.state,
                tools=tuple(by_server.get(name, ())),
                reason=server.reason,
                last_stderr=server.last_stderr,
                log=server.log if server.config.transport == "stdio" else None,
            )
            for name, server in self._servers.items()
        ]

    def problems(self) -> list[str]:
        """One sentence per server that failed (with the last line it wrote to stderr),
        and one if tools were left out: inert, ready to show."""
        out = []
        for state in self.servers():
            if state.state != "failed":
                continue
            sentence = f"MCP server {state.name} is off: {state.reason}."
            if state.last_stderr:
                sentence += f' Its last words: "{state.last_stderr}"'
            out.append(sanitize(sentence, name=True))
        if self._left_out:
            out.append(
                f"{self._left_out} MCP tools left out: the API takes at most {MAX_TOOLS} "
                "(disable some with disabled_tools in config.toml)."
            )
        return out

    def specs(self) -> tuple[dict[str, Any], ...]:
        """The wire's `tools` array: connected servers' tools in config order, names
        valid and mapped, the same objects (and bytes) every time."""
        return self._specs

    def find(self, wire_name: str) -> ToolInfo | None:
        return self._tools.get(wire_name)

    async def call(self, wire_name: str, arguments: dict[str, Any]) -> ToolOutcome:
        """Run one call within its server's tool_timeout_sec. Never raises for what a
        tool, a server or the protocol does (the outcome says it); a cancellation
        (Esc) propagates once the call is abandoned."""
        started = time.monotonic()

        def failed(text: str, reason: str) -> ToolOutcome:
            return ToolOutcome(text, True, time.monotonic() - started, reason)

        info = self._tools.get(wire_name)
        if info is None:
            return failed(f"There is no tool called {wire_name}.", "no such tool")
        server = self._servers[info.server]
        if server.state != "connected" or server.client is None:
            why = server.reason or "it is not running"
            return failed(f"The tool's server ({info.server}) is not running: {why}.", why)
        if not isinstance(arguments, dict):
            why = "the arguments are not a JSON object"
            return failed(f"The call was not made: {why}.", why)
        limit = server.config.tool_timeout_sec
        try:
            async with asyncio.timeout(limit):
                result = await server.client.call_tool(info.tool, arguments)
        except TimeoutError:
            why = f"no answer within {limit:g} s"
            return failed(f"The tool did not answer within {limit:g} s; the call was dropped.", why)
        except Exception as error:
            why = _why(error)
            if why.startswith("it stopped") or server.client is None:
                server.fail(f"{why} during a call")
                with contextlib.suppress(Exception):
                    server.stop.set()
                if server.stderr is not None:  # its last words may still be in the pipe
                    await asyncio.to_thread(server.stderr.wait_closed, 2.0)
            last = server.last_stderr
            detail = f' (its last words: "{last}")' if last else ""
            return failed(f"The tool failed: {why}{detail}.", why)
        text = result_text(list(result.content or []), result.structured_content)
        return ToolOutcome(text, bool(result.is_error), time.monotonic() - started)

    def allow_always(self, wire_name: str) -> str:
        """From now on, run this tool without asking: `auto_approve` in config.toml
        (the rest of the file kept). Returns the sentence to show."""
        return self._approve_always(wire_name, True)

    def ask_again(self, wire_name: str) -> str:
        """Ask before each call of this tool again: taken out of `auto_approve` in
        config.toml. Returns the sentence to show."""
        return self._approve_always(wire_name, False)

    def _approve_always(self, wire_name: str, always: bool) -> str:
        info = self._tools.get(wire_name)
        if info is None:
            return sanitize(f"There is no tool called {wire_name}.", name=True)
        server = self._servers[info.server]
        if not always and server.config.approve == "auto":
            return sanitize(
                f'Every tool of {info.server} runs without asking (approve = "auto" in '
                f"{self.paths.config_file}): change it there.",
                name=True,
            )
        others = tuple(tool for tool in server.config.auto_approve if tool != info.tool)
        kept = (*others, info.tool) if always else others
        server.config = replace(server.config, auto_approve=kept)
        self._tools[wire_name] = replace(info, auto_approved=always)
        how = "runs without asking" if always else "asks again"
        try:
            (allow_tool_always if always else ask_tool_again)(self.paths, info.server, info.tool)
        except (ConfigError, OSError) as error:
            return sanitize(
                f"{info.tool} ({info.server}) {how} until you quit; it could not be saved: {error}",
                name=True,
            )
        done = (
            "will run without asking: added to"
            if always
            else "will ask before each call: taken out of"
        )
        return sanitize(
            f"{info.tool} ({info.server}) {done} auto_approve in {self.paths.config_file}.",
            name=True,
        )

    async def aclose(self) -> None:
        """Stop every server and wait for it (bounded: the SDK closes stdin, then
        terminates, then kills); no process is left."""
        for server in self._servers.values():
            server.stop.set()
        tasks = [s.task for s in self._servers.values() if s.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=15)
        for server in self._servers.values():
            if server.state == "connected":
                server.state = "off"
            if server.stderr is not None:
                server.stderr.wait_closed(1.0)


def _schema(parameters: dict[str, Any]) -> dict[str, Any]:
    """The tool's input schema, or an empty object schema when it gave none usable."""
    if isinstance(parameters, dict) and parameters.get("type") == "object":
        return parameters
    return dict(_EMPTY_SCHEMA)
