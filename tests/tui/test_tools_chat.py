"""Tools in the chat (issue 21), over loopback: the emulator asks for calls and a real
MCP server (the built-in demo server, started by the app) runs them. One app through
the paths a user takes: allow, deny, always (written to config.toml), Y for a round,
Esc while a call waits, the composer keeping what was typed, the status line and the
tools panel, and the conversation reopened with the same rows."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from textual.widgets import OptionList

from deepseek_tui.config import Paths, load_settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.screens.tools_panel import ToolsPanel
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.tool_call import ToolCallView
from tests.helpers import (
    answered,
    app_with_config,
    screen_text,
    send,
    tool_rows,
    wait_for,
    wait_process_gone,
)

CONFIG = f"""
[mcp_servers.demo]
command = {sys.executable!r}
args = ["-m", "deepseek_tui.tools.demo_server"]
"""


async def waiting(pilot, count: int) -> ToolCallView:
    """The row that waits, once `count` rows are shown."""
    await wait_for(
        pilot,
        lambda: len(tool_rows(pilot.app)) == count and pilot.app.screen.conversation.waiting_call,
        f"call {count} waiting",
    )
    row = pilot.app.screen.conversation.waiting_call
    assert row is not None and "y allow" in row.state_line()
    return row


async def test_calls_are_approved_denied_stopped_and_shown_again(
    make_app, emulator: Emulator, paths: Paths
) -> None:
    app = app_with_config(make_app, paths, CONFIG)
    async with app.run_test(size=(100, 40)) as pilot:
        status = app.screen.status
        await wait_for(pilot, lambda: status.tools == "tools 3", "tools 3 on the status line")

        # y: the call runs, the composer keeps what was being typed.
        await send(pilot, "call tool demo__current_time {}")
        row = await waiting(pilot, 1)
        composer = app.screen.query_one(Composer)
        # In the middle of typing, y, a and n are text: "any" typed as the call
        # appears neither allows nor denies it.
        await pilot.press("d", "r", "a", "f", "t", "y")
        assert composer.text == "drafty" and row.state == "waiting"
        await pilot.press("backspace")
        composer._typed_at = float("-inf")  # a pause (LENT_AFTER) without waiting it out
        await pilot.press("y")
        await wait_for(pilot, lambda: row.state == "done", "the call done")
        await answered(pilot)
        assert composer.text == "draft" and row.result is not None
        assert "UTC" in row.result.output and row.state_line().startswith("✓")
        composer.clear()

        # n: denied, and the model is told.
        await send(pilot, 'call tool demo__word_count {"text": "a b c"}')
        row = await waiting(pilot, 2)
        await pilot.press("n")
        await answered(pilot)
        assert row.state == "denied"

        # Y: this call and the rest of its round; a: always, written to config.toml.
        await send(
            pilot,
            'call tool demo__word_count {"text": "one"} call tool demo__word_count '
            '{"text": "two words"} then call tool demo__roll_dice {"sides": 6}',
        )
        row = await waiting(pilot, 4)
        assert "Y all 2" in row.state_line()  # said only when a round has more calls
        await pilot.press("Y")
        await waiting(pilot, 5)  # the next round's call asks again
        await pilot.press("a")
        await answered(pilot)
        assert [r.state for r in tool_rows(app)[2:]] == ["done", "done", "done"]
        assert load_settings(paths).mcp_servers["demo"]["auto_approve"] == ["roll_dice"]

        # Esc while a call waits: it and the turn stop, nothing runs.
        await send(pilot, 'call tool demo__word_count {"text": "stop me"}')
        row = await waiting(pilot, 6)
        await pilot.press("escape")
        await wait_for(pilot, lambda: row.state == "stopped", "the call stopped")
        await answered(pilot)

        # The tools panel: the server and its tools, roll_dice always allowed.
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ToolsPanel), "the tools panel")
        options = app.screen.query_one(OptionList)
        shown = [options.get_option_at_index(i).prompt.plain for i in range(options.option_count)]
        assert shown[0] == "● demo · connected · 3 tools"
        assert any("roll_dice" in line and "always" in line for line in shown)
        await pilot.press("escape")

        # Reopened: the same rows, in the same states, results included.
        before = [(r.tool, r.state, r.result.output if r.result else None) for r in tool_rows(app)]
        app.screen.show_messages()
        await wait_for(pilot, lambda: len(tool_rows(app)) == len(before), "the rows shown again")
        after = [(r.tool, r.state, r.result.output if r.result else None) for r in tool_rows(app)]
        assert after == before
        assert "\x1b" not in screen_text(app)
        servers = demo_servers()
        assert servers, "the demo server runs while the app does"
    # Quit: no server process is left.
    for pid in servers:
        wait_process_gone(pid)


def demo_servers() -> list[int]:
    """The pids of this process's demo MCP servers running now (its children: the
    launcher execs the server in place)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes()
                if parent == os.getpid() and b"deepseek_tui.tools.demo_server" in command:
                    found.append(int(entry.name))
    return found
