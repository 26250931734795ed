"""The tools panel (^p "Tools…", F4): each MCP server with its state and each of its
tools, on or off for this conversation and asked or always allowed. Keys act on the
row under the cursor: space on/off, a ask/always, r restarts a server, ctrl+r reloads
config.toml (servers added or removed while the app runs). It shows and asks; what a
change does is the `ToolsControl`'s job, which says in one sentence what it did."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from deepseek_tui.terminal import one_line, sanitize
from deepseek_tui.tui.tool_servers import ServerRow, ToolRow
from deepseek_tui.tui.widgets.dialogs import Dialog

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from deepseek_tui.tui.tool_servers import ToolsControl

HINT = "space on/off · a ask/always · r restart · ctrl+r reload · esc close"
NAME_WIDTH = 20  # cells a tool's name takes, so the approvals line up
DESCRIPTION = 120  # characters of a description shown (it is one line, cut with …)


def server_line(server: ServerRow) -> Content:
    """`● demo · connected · 3 tools`, `✗ files · failed: …` (inert, one line; the
    last stderr line on a second)."""
    name = (sanitize(server.name, name=True), "bold")
    if server.state == "connected":
        count = len(server.tools)
        tools = f"{count} tool" if count == 1 else f"{count} tools"
        return Content.assemble(("● ", "$success"), name, f" · connected · {tools}")
    if server.state == "failed":
        reason = one_line(server.reason or "did not start", DESCRIPTION)
        line = Content.assemble(("✗ ", "$error"), name, (f" · failed: {reason}", "$text-error"))
        if server.last_stderr:
            last = one_line(server.last_stderr, DESCRIPTION)
            line = line.append(Content.styled(f"\n    last: {last}", "$text-muted"))
        return line
    if server.state == "off":
        return Content.assemble(("○ ", "$text-muted"), name, " · off (enabled = false)")
    return Content.assemble(("◌ ", "$warning"), name, " · connecting…")


def tool_line(tool: ToolRow) -> Content:
    """`    ✓ roll_dice            always  Roll dice` (inert, one line)."""
    name = sanitize(tool.name, name=True).ljust(NAME_WIDTH)
    parts: list[tuple[str, str] | str] = [
        "    ",
        ("✓ ", "$success") if tool.on else ("· ", "$text-muted"),
        (name, "" if tool.on else "$text-muted"),
        (" always " if tool.always else " ask    ", "bold" if tool.always else "$text-muted"),
    ]
    if tool.description:
        parts.append((" " + one_line(tool.description, DESCRIPTION), "$text-muted"))
    return Content.assemble(*parts)


class ToolsPanel(Dialog[None]):
    """The servers and their tools; Esc closes."""

    AUTO_FOCUS = "OptionList"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("space", "toggle_on", "On/off", show=False),
        Binding("a", "toggle_always", "Ask/always", show=False),
        Binding("r", "restart", "Restart", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
    ]
    CSS_PATH = "tools_panel.tcss"

    def __init__(self, control: ToolsControl) -> None:
        super().__init__()
        self.control = control
        self._rows: dict[str, ServerRow | ToolRow] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Tools", classes="title")
            yield OptionList(*self._options())
            yield Static("", classes="said", markup=False)
            yield Static(HINT, classes="hint", markup=False)

    def _options(self) -> list[Option]:
        self._rows.clear()
        options: list[Option] = []
        servers = self.control.rows()
        if not servers:
            return [Option("No MCP servers: add one with `deepseek-tui mcp add`.", disabled=True)]
        for server in servers:
            key = f"s:{server.name}"
            self._rows[key] = server
            options.append(Option(server_line(server), id=key))
            for tool in server.tools:
                key = f"t:{tool.wire_name}"
                self._rows[key] = tool
                options.append(Option(tool_line(tool), id=key))
        return options

    def refresh_rows(self) -> None:
        """Show the rows as they are now, the cursor kept on the same row."""
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(self._options())
        if highlighted is not None and options.option_count:
            options.highlighted = min(highlighted, options.option_count - 1)

    def say(self, sentence: str) -> None:
        self.query_one(".said", Static).update(sanitize(sentence))

    def _current(self) -> ServerRow | ToolRow | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        option = options.get_option_at_index(options.highlighted)
        return self._rows.get(option.id or "")

    def _server_of(self, row: ServerRow | ToolRow | None) -> ServerRow | None:
        if isinstance(row, ServerRow) or row is None:
            return row
        return next((s for s in self.control.rows() if row in s.tools), None)

    def action_toggle_on(self) -> None:
        row = self._current()
        if not isinstance(row, ToolRow):
            self.say("Space turns the tool under the cursor on or off.")
            return
        self.say(self.control.set_on(row.wire_name, not row.on))
        self.refresh_rows()

    def action_toggle_always(self) -> None:
        row = self._current()
        if not isinstance(row, ToolRow):
            self.say("a sets the tool under the cursor to ask or always.")
            return
        self.say(self.control.set_always(row.wire_name, not row.always))
        self.refresh_rows()

    async def action_restart(self) -> None:
        server = self._server_of(self._current())
        if server is None:
            self.say("There is no server to restart.")
            return
        self.say(f"Restarting {sanitize(server.name, name=True)}…")
        self.say(await self.control.restart(server.name))
        self.refresh_rows()

    async def action_reload(self) -> None:
        self.say("Reading config.toml…")
        self.say(await self.control.reload())
        self.refresh_rows()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter: a tool on/off; on a failed server, restart it."""
        row = self._rows.get(event.option.id or "")
        if isinstance(row, ToolRow):
            self.action_toggle_on()
        elif isinstance(row, ServerRow) and row.state == "failed":
            self.run_worker(self.action_restart(), exclusive=True)
