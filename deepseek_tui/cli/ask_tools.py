"""`ask` with tools: the enabled servers' tool box (`--no-tools`: none; `--demo`: the
demo server), how a call is approved on the command line, and `--show-tools` on
stderr. stdout stays the answer only: every word here goes to stderr, inert."""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
from typing import IO, TYPE_CHECKING, Any

from deepseek_tui.cli.output import _fit, _Output, _say

if TYPE_CHECKING:
    from deepseek_tui.api.events import ToolCall
    from deepseek_tui.config import Paths, Settings
    from deepseek_tui.messages import Message, MessageDraft
    from deepseek_tui.session.tools import Approve
    from deepseek_tui.tools import ToolBox

# How much of a call's arguments and result `--show-tools` shows, in cells.
SHOWN = 120
HOW_TO_ALLOW = (
    "{tool} was not run: there is no terminal to ask on; allow it with --approve-tools, "
    'or auto_approve = ["{name}"] in [mcp_servers.{server}] of config.toml.'
)


def tool_box(args: argparse.Namespace, settings: Settings, paths: Paths) -> ToolBox | None:
    """The tool box this `ask` offers the model: the enabled servers (and with
    `--demo` the demo server, its tools approved); None with `--no-tools` or none."""
    if getattr(args, "no_tools", False):
        return None
    from deepseek_tui.tools import ToolBox

    return ToolBox.from_settings(settings, paths, demo=bool(getattr(args, "demo", False)))


def name_of(info: Any, call: ToolCall) -> str:
    """A tool as the user knows it: `server/tool`, or the name the model used."""
    if info is None:
        return call.name
    return f"{info.server}/{info.tool}"


def approver(args: argparse.Namespace, out: _Output | None = None) -> Approve:
    """How a call that is not auto-approved is approved: every one with
    `--approve-tools`; else asked on the terminal (y/N on stderr), and denied when
    there is none (one stderr line names the tool and how to allow it)."""

    async def approve_all(info: Any, call: ToolCall) -> str:
        return "allow"

    if getattr(args, "approve_tools", False):
        return approve_all
    said: set[str] = set()

    async def ask(info: Any, call: ToolCall) -> str:
        terminal = _terminal()
        if terminal is None:
            if call.name not in said:
                said.add(call.name)
                _say(
                    HOW_TO_ALLOW.format(
                        tool=name_of(info, call),
                        name=getattr(info, "tool", call.name),
                        server=getattr(info, "server", "NAME"),
                    )
                )
            return "deny"
        try:
            if out is not None:
                out.end_line_if_tty()  # the question on a line of its own
            return await _ask_on(terminal, info, call)
        finally:
            if terminal is not sys.stdin:
                terminal.close()

    return ask


def _terminal() -> IO[str] | None:
    """Where an answer can be read: stdin when it is the terminal, else the process's
    terminal (/dev/tty: the prompt came from a pipe), else None."""
    if sys.stdin is not None and sys.stdin.isatty():
        return sys.stdin
    try:
        return open("/dev/tty", encoding="utf-8", errors="replace")
    except OSError:
        return None


async def _ask_on(terminal: IO[str], info: Any, call: ToolCall) -> str:
    """y/N (a: always, s: stop) asked on stderr, the answer read from the terminal."""
    err = _Output(sys.stderr)
    err.end_line()
    err.write(
        f"Run {_fit(name_of(info, call), 60)} {_fit(call.arguments or '{}', SHOWN)}? "
        "[y]es, [N]o, [a]lways, [s]top: "
    )
    line = await _read_line(terminal)
    word = line.strip().lower()
    if word in ("y", "yes"):
        return "allow"
    if word in ("a", "always"):
        return "always"
    if word in ("s", "stop"):
        return "stop"
    return "deny"


async def _read_line(terminal: IO[str]) -> str:
    """A line read in a daemon thread: ctrl+c cancels the wait, and the thread left
    blocked in the read never holds up the exit."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()

    def read() -> None:
        try:
            line = terminal.readline()
        except (OSError, ValueError):
            line = ""
        loop.call_soon_threadsafe(lambda: done.done() or done.set_result(line))

    threading.Thread(target=read, name="ask-approval", daemon=True).start()
    return await done


class ShowTools:
    """`--show-tools`: each call and a summary of its result on stderr, inert (the
    model's arguments and a server's output never run as escape sequences)."""

    def __init__(self, out: _Output) -> None:
        self._out = out
        self._err = _Output(sys.stderr)
        self._shown: set[str] = set()

    def calling(self, info: Any, call: ToolCall) -> None:
        self._shown.add(call.id)
        self._line(f"→ {_fit(name_of(info, call), 60)} {_fit(call.arguments or '{}', SHOWN)}")

    def done(self, call: ToolCall, message: Message | MessageDraft) -> None:
        run = message.tool
        if run is None:
            return
        if call.id not in self._shown:  # not run (denied, unknown, bad arguments)
            self.calling(None if run.server is None else run, call)
        name = f"{run.server}/{run.tool}" if run.server else run.tool
        text = run.output or message.content
        seconds = f" · {run.seconds:.1f} s" if run.seconds is not None else ""
        size = f" · {len(text):,} characters" if len(text) > SHOWN else ""
        self._line(f"← {_fit(name, 60)} {run.status}{seconds}{size}: {_fit(text, SHOWN)}")

    def _line(self, text: str) -> None:
        # On a terminal the answer's line is ended first, so a line starts the call's
        # (piped, stdout stays the answer's bytes alone).
        self._out.end_line_if_tty()
        self._err.end_line()
        self._err.write(text + "\n")
