"""A tool call's row (issue 21): inert and capped whatever a server sends, opened and
closed from the keyboard, and the waiting call's decision answered by `decide`."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from deepseek_tui.tui.widgets.tool_call import CallResult, ToolCallView

HOSTILE = "roll\x1b]2;pwned\x07[bold]x[/]\n"
HUGE = "\n".join(f"line {i} \x1b[31m[red]x[/]" for i in range(400_000))  # ~10 MB


class Rows(App[None]):
    def compose(self) -> ComposeResult:
        yield ToolCallView("c1", "time", "{}", server="demo")
        yield ToolCallView(
            "c2",
            HOSTILE,
            '{"sides": 6, "note": "\\u001b]52;c;eA==\\u0007"}',
            server="demo\x9b",
            state="done",
            result=CallResult(HUGE, seconds=0.4, cut=True),
        )


async def test_rows_are_inert_capped_and_decided_from_the_keyboard() -> None:
    app = Rows()
    async with app.run_test(size=(100, 30)) as pilot:
        first, second = app.query(ToolCallView)
        waiting = asyncio.create_task(first.decision())
        await pilot.pause()
        assert first.state == "waiting" and "y allow" in first.state_line()

        second.focus()
        await pilot.press("enter")
        assert second.opened
        shown = second.details().plain + second.row().plain + second.state_line()
        for byte in ("\x1b", "\x07", "\x9b", "\n[bold]"):
            assert byte not in second.row().plain
        assert "\x1b" not in shown and "\x07" not in shown
        assert "roll␛]2;pwned␇[bold]x[/]" in second.row().plain  # drawn, one line
        assert "cut for the model" in second.state_line()
        # 40 lines of a 10 MB result, and how many more
        assert second.details().plain.count("\nline ") <= 40
        assert "399,960 more lines · s show all" in second.details().plain
        await pilot.press("s")
        assert "398,000 more lines" in second.details().plain
        await pilot.press("enter")
        assert not second.opened

        assert first.decide("always")
        assert await waiting == "always"
        assert not first.decide("deny")  # no longer waiting

        # A result replaced in the same state redraws the line; a failed call's saved
        # reason (what the model was sent, "Error: …") reads once as "failed:".
        second.finish("done", CallResult("ok", seconds=1.5))
        await pilot.pause()
        assert "1.5 s" in str(second.query_one(".tool-state").render())
        second.finish("failed", CallResult("Error: no such tool", reason="Error: no such tool"))
        assert second.state_line() == "✗ failed: no such tool"
