"""The tools panel's keys act on the row under the cursor and show what the control
said; a server's name, reason and stderr line are inert (issue 21 §3, §5)."""

from __future__ import annotations

from dataclasses import replace

from textual.app import App
from textual.widgets import OptionList, Static

from deepseek_tui.tui.screens.tools_panel import ServerRow, ToolRow, ToolsPanel


class Control:
    def __init__(self) -> None:
        self.servers = [
            ServerRow("demo", "connected", (ToolRow("demo__time", "time", "The time"),)),
            ServerRow("bad\x1b]2;x\x07", "failed", reason="exited\x07", last_stderr="boom\x1b[2J"),
        ]
        self.restarted: list[str] = []

    def rows(self) -> list[ServerRow]:
        return self.servers

    def set_on(self, wire_name: str, on: bool) -> str:
        tool = replace(self.servers[0].tools[0], on=on)
        self.servers[0] = replace(self.servers[0], tools=(tool,))
        return f"{wire_name} {'on' if on else 'off'}."

    def set_always(self, wire_name: str, always: bool) -> str:
        tool = replace(self.servers[0].tools[0], always=always)
        self.servers[0] = replace(self.servers[0], tools=(tool,))
        return "always" if always else "ask"

    async def restart(self, server: str) -> str:
        self.restarted.append(server)
        return "restarted"

    async def reload(self) -> str:
        return "Nothing changed in config.toml."


async def test_keys_change_the_row_under_the_cursor_and_text_stays_inert() -> None:
    control = Control()

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ToolsPanel(control))

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.screen
        assert isinstance(panel, ToolsPanel)
        options = panel.query_one(OptionList)
        shown = "\n".join(
            options.get_option_at_index(i).prompt.plain for i in range(options.option_count)
        )
        assert "\x1b" not in shown and "\x07" not in shown
        assert "bad␛]2;x␇ · failed: exited␇" in shown and "last: boom␛[2J" in shown

        await pilot.press("down", "space")  # the tool row
        assert not control.servers[0].tools[0].on
        assert "demo__time off." in str(panel.query_one(".said", Static).render())
        await pilot.press("a")
        assert control.servers[0].tools[0].always
        await pilot.press("down", "r")
        await pilot.pause()
        assert control.restarted == ["bad\x1b]2;x\x07"]
        await pilot.press("escape")
        assert not isinstance(app.screen, ToolsPanel)
