"""One tool call in an answer: a row `⚙ server › tool  {"city": "Paris"}` and its state
(waiting for you, running with its seconds, `✓ 0.4 s · 1.2 KB`, failed, denied,
interrupted, stopped). Closed by default; Enter or a click opens it: the arguments as
highlighted JSON, the result's first lines ("show all" for more) and whether the model
was sent less. It owns the user's decision on a waiting call: `decide` answers the
awaiting `decision()` and posts `Decided`.

Everything it shows came from a server or the model: made inert (`sanitize`) and capped
before Rich sees it, so a 10 MB result or a name full of escapes costs one frame of
plain text, never a freeze or a byte to the terminal."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from deepseek_tui.terminal import one_line, sanitize
from deepseek_tui.tui.widgets import spinner

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.events import Click
    from textual.timer import Timer

State = Literal["asked", "waiting", "running", "done", "failed", "denied", "interrupted", "stopped"]
# "all": allow this call and the rest of its round (Y).
Decision = Literal["allow", "all", "always", "deny", "stop"]

APPROVAL_KEYS = "y allow · a always (this tool) · n deny · esc stop"
# What a closed row shows of the arguments, and what an open one shows of a result:
# enough to recognise a call, never enough to stall a frame.
ROW_ARGUMENTS = 200
PREVIEW_LINES = 40
ALL_LINES = 2_000
LINE_CHARS = 500


@dataclass(frozen=True, slots=True)
class CallResult:
    """What came of the call, as the row shows it."""

    output: str = ""
    seconds: float | None = None
    cut: bool = False  # the model was sent less than `output`
    reason: str = ""  # why it failed (a failed call)


class ToolCallView(Vertical, can_focus=True):
    """A call's row; its details below it once opened."""

    class Decided(Message):
        """The user decided on this waiting call."""

        def __init__(self, view: ToolCallView, decision: Decision) -> None:
            super().__init__()
            self.view = view
            self.decision = decision

        @property
        def control(self) -> ToolCallView:
            return self.view

    class Waiting(Message):
        """The call starts (`waiting`) or stops waiting for the user's decision: the
        screen lends the decision keys, or takes them back."""

        def __init__(self, view: ToolCallView, waiting: bool) -> None:
            super().__init__()
            self.view = view
            self.waiting = waiting

        @property
        def control(self) -> ToolCallView:
            return self.view

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "toggle", "Open/close", show=False, tooltip="Open or close it (or a click)"
        ),
        Binding("s", "show_all", "Show all", show=False, tooltip="Show all of its result"),
    ]

    DEFAULT_CSS = """
    ToolCallView {
        height: auto;
        margin: 0 1 1 1;
        padding: 0 1;
        border-left: thick $secondary 50%;
        background: $surface;
        /* Focused (Enter opens it, s shows all): the bar lights up, so the row the
           keys act on is plain in every theme, not only by a faint background. */
        &:focus { background: $boost; border-left: thick $accent; }
        & > .tool-row { text-wrap: nowrap; text-overflow: ellipsis; }
        & > .tool-state { color: $text-muted; }
        & > .tool-state.-waiting { color: $warning; text-style: bold; }
        & > .tool-state.-failed { color: $error; }
        & > .tool-details { display: none; padding: 0 0 0 2; }
        &.-open > .tool-details { display: block; }
    }
    """

    state: reactive[State] = reactive("asked", init=False)
    opened: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        call_id: str,
        tool: str,
        arguments: str,
        *,
        server: str | None = None,
        state: State | str = "asked",
        result: CallResult | None = None,
        started: float | None = None,
    ) -> None:
        super().__init__(classes="tool-call")
        self.call_id = call_id
        self.server = server
        self.tool = tool
        self.arguments = arguments
        self.result = result
        self.started = started
        self.show_all = False
        self.round_left = 1  # waiting: this call and those after it in its round (Y)
        self._ticks = 0
        self._timer: Timer | None = None
        self._decision: asyncio.Future[Decision] | None = None
        self.set_reactive(ToolCallView.state, state)  # type: ignore[arg-type]

    def compose(self) -> ComposeResult:
        yield Static(self.row(), classes="tool-row", markup=False)
        yield Static(self.state_line(), classes="tool-state", markup=False)
        yield Static("", classes="tool-details", markup=False)

    def on_mount(self) -> None:
        self._show_state()

    # --- what it says ------------------------------------------------------------------

    def row(self) -> Text:
        """`⚙ server › tool  {"city": "Paris"}`, one line, inert."""
        name = sanitize(self.tool, name=True)
        where = f"{sanitize(self.server, name=True)} › " if self.server else ""
        line = Text.assemble(("⚙ ", "bold"), (where, "dim"), (name, "bold"))
        arguments = one_line(self.arguments, ROW_ARGUMENTS)
        if arguments:
            line.append("  ")
            line.append(arguments, style="dim")
        return line

    def state_line(self) -> str:
        """The call's state in a few words ("✓ 0.4 s · 1.2 KB")."""
        state, result = self.state, self.result
        if state == "waiting":
            if self.round_left > 1:  # Y is worth saying only when it allows more
                return APPROVAL_KEYS.replace(" · a ", f" · Y all {self.round_left} · a ", 1)
            return APPROVAL_KEYS
        if state == "asked":
            return "…"
        if state == "running":
            started = self.started if self.started is not None else spinner.clock()
            return f"{spinner.frame(self._ticks)} running · {spinner.clock() - started:.0f} s"
        if state == "done":
            parts = ["✓"]
            if result is not None:
                if result.seconds is not None:
                    parts.append(f"{result.seconds:.1f} s ·")
                parts.append(_size(len(result.output.encode("utf-8", "replace"))))
                if result.cut:
                    parts.append("· cut for the model")
            return " ".join(parts)
        if state == "failed":
            reason = result.reason if result is not None and result.reason else "failed"
            # A saved reason is what the model was sent ("Error: …"): "failed:" says it.
            return f"✗ failed: {one_line(reason.removeprefix('Error: '), 300)}"
        return {
            "denied": "denied",
            "interrupted": "interrupted: the app stopped before it returned",
            "stopped": "stopped",
        }[state]

    def details(self) -> Text:
        """Opened: the arguments as JSON, the result's first lines, whether it was cut."""
        text = Text()
        text.append("Arguments\n", style="bold")
        text.append_text(_json(self.arguments))
        result = self.result
        if result is not None and (result.output or self.state in ("done", "failed")):
            text.append("\n\nResult\n", style="bold")
            limit = ALL_LINES if self.show_all else PREVIEW_LINES
            shown, more = _lines(result.output, limit)
            text.append(shown)
            if more:
                hint = "" if self.show_all else " · s show all"
                text.append(f"\n… {more:,} more lines{hint}", style="dim italic")
            if result.cut:
                text.append("\nThe model was sent the first part only.", style="dim italic")
        return text

    # --- what changes it -----------------------------------------------------------------

    def refresh_row(self) -> None:
        """Show the row again (the server and tool's names became known)."""
        if self.is_mounted:
            self.query_one(".tool-row", Static).update(self.row())

    def watch_state(self) -> None:
        if self.state == "running" and self._timer is None:
            self.started = self.started if self.started is not None else spinner.clock()
            self._timer = self.set_interval(spinner.TICK, self._turn)
        elif self.state != "running" and self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.is_mounted:
            self._show_state()

    def watch_opened(self, opened: bool) -> None:
        self.set_class(opened, "-open")
        if opened:
            self.query_one(".tool-details", Static).update(self.details())

    def finish(self, state: State | str, result: CallResult | None) -> None:
        """The call ended (or was denied, interrupted, stopped)."""
        self.result = result
        self.state = state  # type: ignore[assignment]  # a saved status: STATES
        if self.is_mounted:  # the same state again (a result replaced) is not a change
            self._show_state()
        if self.opened:
            self.query_one(".tool-details", Static).update(self.details())

    def _turn(self) -> None:
        self._ticks += 1
        self._show_state()

    def _show_state(self) -> None:
        line = next(self.query(".tool-state").results(Static), None)
        if line is None:  # being removed (the conversation shown again meanwhile)
            return
        line.update(self.state_line())
        line.set_class(self.state == "waiting", "-waiting")
        line.set_class(self.state == "failed", "-failed")

    # --- the user's decision -----------------------------------------------------------

    async def decision(self) -> Decision:
        """Wait for the user: the row says the keys until `decide` is called."""
        self._decision = asyncio.get_running_loop().create_future()
        self.state = "waiting"
        self.post_message(self.Waiting(self, True))
        try:
            return await self._decision
        finally:
            self._decision = None
            self.post_message(self.Waiting(self, False))

    @property
    def waiting(self) -> bool:
        return self._decision is not None and not self._decision.done()

    def decide(self, decision: Decision) -> bool:
        """The user's answer to a waiting call; False when it was not waiting."""
        if not self.waiting:
            return False
        assert self._decision is not None
        self._decision.set_result(decision)
        self.state = "asked"  # the keys go at once; the session says what comes next
        self.post_message(self.Decided(self, decision))
        return True

    # --- keys and the mouse --------------------------------------------------------------

    def action_toggle(self) -> None:
        self.opened = not self.opened

    def action_show_all(self) -> None:
        if self.opened and not self.show_all:
            self.show_all = True
            self.query_one(".tool-details", Static).update(self.details())

    def on_click(self, event: Click) -> None:
        event.stop()
        self.action_toggle()


def _json(arguments: str) -> Text:
    """The arguments pretty-printed and highlighted when they are JSON; else as written."""
    if len(arguments) <= 100_000:
        try:
            shown = json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
        except (ValueError, RecursionError):
            shown = arguments
    else:
        shown = arguments
    text, more = _lines(shown, PREVIEW_LINES)
    highlighted = JSONHighlighter()(Text(text))
    if more:
        highlighted.append(f"\n… {more:,} more lines", style="dim italic")
    return highlighted


def _lines(text: str, limit: int) -> tuple[str, int]:
    """The first `limit` lines of `text` (each at most LINE_CHARS), inert, and how many
    lines are left out. Reads only what it shows, so a 10 MB result costs nothing."""
    lines: list[str] = []
    start = 0
    while len(lines) < limit and start <= len(text):
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        line = text[start:end]
        if len(line) > LINE_CHARS:
            line = line[: LINE_CHARS - 1] + "…"
        lines.append(line)
        start = end + 1
    if not text:
        return "", 0
    more = 0 if start > len(text) else text.count("\n", start) + 1
    return sanitize("\n".join(lines)), more


def _size(length: int) -> str:
    if length < 1024:
        return f"{length} B"
    if length < 1024 * 1024:
        return f"{length / 1024:.1f} KB"
    return f"{length / 1024 / 1024:.1f} MB"
