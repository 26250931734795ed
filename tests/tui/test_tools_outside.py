"""Tools in the chat when the outside goes wrong (issue 21), over loopback: the emulator
asks for calls, real MCP servers started by the app run them (tests/mcp_servers/
plain_server.py: `hostile` mode, and `fail-start`). One app: a failed server in the
status line and the tools panel, hostile names and results inert on screen, the round
limit then ^f (twice: another round of calls, then the answer), a 10 MB result opened
with Enter, and Esc while a call runs."""

from __future__ import annotations

import sys

from textual.widgets import OptionList

from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator
from deepseek_tui.tools.names import wire_names
from deepseek_tui.tui.screens.tools_panel import ToolsPanel
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.messages import AssistantMessage
from deepseek_tui.tui.widgets.tool_call import LINE_CHARS, PREVIEW_LINES
from tests.helpers import (
    MCP_SERVERS,
    answered,
    app_with_config,
    screen_text,
    send,
    tool_rows,
    wait_for,
)
from tests.mcp_servers.plain_server import HOSTILE_NAME, HUGE_LINE, HUGE_LINES

SERVER = str(MCP_SERVERS / "plain_server.py")
CONFIG = f"""
tool_rounds = 1

[mcp_servers.plain]
command = {sys.executable!r}
args = [{SERVER!r}, "hostile"]
approve = "auto"

[mcp_servers.broken]
command = {sys.executable!r}
args = [{SERVER!r}, "fail-start"]
"""
HOSTILE = wire_names([("plain", HOSTILE_NAME)])[0]
# What must never reach the terminal: ESC, BEL, the C1 CSI and NEL.
RAW = ("\x1b", "\x07", "\x9b", "\x85")


def inert(app) -> None:
    shown = screen_text(app)
    assert not any(byte in shown for byte in RAW), shown


def stopped_by_rounds(app) -> bool:
    answers = list(app.screen.query(AssistantMessage))
    return bool(answers) and "^f goes on" in answers[-1].status


def turns(emulator: Emulator) -> list[dict]:
    """The bodies of the chat's requests (they offer tools; a title request does not,
    and may come at any time)."""
    return [
        r.body
        for r in emulator.requests
        if r.path.endswith("chat/completions") and isinstance(r.body, dict) and r.body.get("tools")
    ]


async def test_outside_failures_stay_inert_and_the_turn_goes_on(
    make_app, emulator: Emulator, paths: Paths
) -> None:
    app = app_with_config(make_app, paths, CONFIG)
    async with app.run_test(size=(100, 40)) as pilot:
        status = app.screen.status
        conversation = app.screen.conversation

        # A server that fails to start: counted on the status line, in the warning colour.
        await wait_for(pilot, lambda: status.tools == "tools 9 · 1 failed", "tools 9 · 1 failed")
        assert status.tools_warning

        # The panel says why and its last stderr line, escapes shown, never run;
        # the hostile tool's name and description are plain text.
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ToolsPanel), "the tools panel")
        options = app.screen.query_one(OptionList)
        shown = [options.get_option_at_index(i).prompt.plain for i in range(options.option_count)]
        broken = next(line for line in shown if "broken" in line)
        assert "✗ broken · failed:" in broken
        assert "last: plain_server: " in broken and "cannot open /nowhere/db" in broken
        assert any("evil" in line and "[red]Not red[/]" in line for line in shown)
        assert not any(byte in line for line in shown for byte in RAW)
        inert(app)
        await pilot.press("escape")

        # Round 1 calls the hostile tool; tool_rounds = 1 stops the turn there.
        await send(pilot, f'call tool {HOSTILE} {{"text": "x"}} then call tool plain__huge {{}}')
        await wait_for(pilot, lambda: stopped_by_rounds(app), "stopped by the round limit")
        await answered(pilot)
        (hostile,) = tool_rows(app)
        assert hostile.state == "done" and hostile.result is not None
        assert "[bold red]boom[/]" in hostile.result.output  # kept as it came
        hostile.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: hostile.opened, "the hostile call open")
        await pilot.pause()
        assert "[bold red]boom[/]" in screen_text(app)  # shown, not parsed as markup
        inert(app)

        # ^f: another round (the 10 MB call), stopped by the limit again.
        sent = len(turns(emulator))
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: len(tool_rows(app)) == 2, "round 2's call")
        await wait_for(pilot, lambda: tool_rows(app)[1].state == "done", "the 10 MB call done")
        await answered(pilot)
        assert stopped_by_rounds(app) and len(turns(emulator)) == sent + 1
        huge = tool_rows(app)[1]
        assert huge.result is not None and huge.result.cut
        assert len(huge.result.output) == len(HUGE_LINE) * HUGE_LINES  # the whole text kept
        # The model was sent the capped text (tool_output_limit_kb, 64 KB by default).
        tool_messages = [m for m in turns(emulator)[-1]["messages"] if m["role"] == "tool"]
        assert len(tool_messages[-1]["content"].encode()) <= 65 * 1024

        # Enter opens it at once: the details are the first lines, the rest counted.
        huge.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: huge.opened, "the 10 MB call open")
        details = huge.details().plain
        assert len(details) < (PREVIEW_LINES + 10) * (LINE_CHARS + 1)
        assert f"{HUGE_LINES + 1 - PREVIEW_LINES:,} more lines · s show all" in details
        await pilot.press("s")
        assert huge.show_all and len(huge.details().plain) < 2_100 * (LINE_CHARS + 1)

        # ^f again: the model answers from the results (quoting the hostile one).
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: len(turns(emulator)) == sent + 2, "the answer asked for")
        await answered(pilot)
        assert not stopped_by_rounds(app)
        inert(app)

        # Esc while a call runs: the row says stopped, the turn stops, nothing runs on.
        app.screen.query_one(Composer).focus()  # the 10 MB row had it
        await send(pilot, "call tool plain__hang {}")
        await wait_for(
            pilot, lambda: tool_rows(app)[-1].state == "running", "the hang call running"
        )
        running = tool_rows(app)[-1]
        await pilot.press("escape")
        await wait_for(pilot, lambda: running.state == "stopped", "the call stopped")
        await answered(pilot)
        assert not conversation.streaming
        assert not [r for r in tool_rows(app) if r.state in ("waiting", "asked", "running")]
        assert app.session.messages[-1].tool.status == "stopped"
        turn = running.parent
        assert turn.status == "stopped among tool calls · ^f asks the model with the results"

        # The server is still there for the next call: the hung one was abandoned.
        await send(pilot, 'call tool plain__echo {"text": "still here"}')
        await wait_for(pilot, lambda: tool_rows(app)[-1].state == "done", "the echo done")
        await answered(pilot)
        assert tool_rows(app)[-1].result.output == "still here"
        inert(app)
