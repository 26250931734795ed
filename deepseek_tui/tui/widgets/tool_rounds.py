"""The tool calls of an answer, a part its `AssistantMessage` owns: one `ToolCallView`
row per call, in order with the answer's text, kept up to date by the turn's events
(the wire's `ToolCalls`; the session's waiting, running, done), and the rows of an
answer read back from the history (`rows_for`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual.widgets import Static

from deepseek_tui.api.events import ToolCall, ToolCalls
from deepseek_tui.tools.events import ToolCallDone, ToolCallRunning, ToolCallWaiting
from deepseek_tui.tui.widgets.tool_call import CallResult, ToolCallView

if TYPE_CHECKING:
    from textual.widget import Widget

# How a saved call's status reads on its row ("done" is the row's ✓).
STATES = {"done", "failed", "denied", "interrupted", "stopped"}


def names(call: ToolCall, info: Any = None) -> tuple[str | None, str]:
    """(server, tool) of a call: from what the tool box knows of it, else from its wire
    name (`server__tool`), else the wire name alone."""
    if info is not None:
        return getattr(info, "server", None), getattr(info, "tool", call.name)
    server, found, tool = call.name.partition("__")
    return (server, tool) if found and server and tool else (None, call.name)


def result_of(run: Any) -> tuple[str, CallResult | None]:
    """A saved `ToolRun` as the row's state and result."""
    if run is None:
        return "interrupted", None
    status = getattr(run, "status", "done")
    state = status if status in STATES else "failed"
    output = getattr(run, "output", "") or ""
    reason = output if state == "failed" else ""
    return state, CallResult(
        output, seconds=getattr(run, "seconds", None), cut=getattr(run, "cut", False), reason=reason
    )


def rows_for(calls: Sequence[ToolCall], runs: dict[str, Any]) -> list[ToolCallView]:
    """The rows of a saved answer's calls; `runs` the saved result of each call id (a
    call without one was interrupted: the app stopped during it)."""
    rows = []
    for call in calls:
        run = runs.get(call.id)
        server, tool = names(call)
        if run is not None:
            server, tool = getattr(run, "server", None) or server, getattr(run, "tool", tool)
        state, result = result_of(run)
        rows.append(
            ToolCallView(call.id, tool, call.arguments, server=server, state=state, result=result)
        )
    return rows


class ToolResultEntry(Static):
    """A saved tool result in the history: not drawn (its call's row shows it), kept
    so the view's widgets stay one per history entry."""

    def __init__(self) -> None:
        super().__init__("", classes="tool-result")
        self.display = False


def saved_parts(history: Sequence[Any], entry: Any) -> tuple[list[ToolCallView], bool]:
    """For a saved answer: its calls' rows (each result from the tool messages after
    it) and whether it goes on from a tool result (a later round of a turn)."""
    index = next((i for i, message in enumerate(history) if message is entry), None)
    if index is None:
        return [], False
    continues = index > 0 and history[index - 1].role == "tool"
    calls = getattr(entry, "tool_calls", ()) or ()
    if not calls:
        return [], continues
    runs: dict[str, Any] = {}
    for message in history[index + 1 :]:
        if message.role != "tool":
            break
        runs[message.tool_call_id] = message.tool
    return rows_for(calls, runs), continues


def turn_spend(history: Sequence[Any], entry: Any) -> tuple[Any, float | None]:
    """(usage, cost) of the turn `entry` ends: its answers since the question added up
    (a turn with tool calls has several), as the live answer's line says them."""
    index = next((i for i, message in enumerate(history) if message is entry), None)
    if index is None:
        return entry.usage, entry.cost
    usage, cost = entry.usage, entry.cost
    for message in reversed(history[:index]):
        if message.role == "user":
            break
        if message.role != "assistant":
            continue
        if message.usage is not None:
            usage = message.usage if usage is None else usage + message.usage
        if message.cost is not None:
            cost = message.cost if cost is None else cost + message.cost
    return usage, cost


class CallRows:
    """The rows of a streaming answer. `mount(widget)` puts a row in the answer where
    its text goes on (before the waiting line)."""

    def __init__(self, mount: Callable[[Widget], Any]) -> None:
        self._mount = mount
        self.rows: dict[str, ToolCallView] = {}
        self._rounds: list[list[str]] = []  # the call ids of each `ToolCalls`
        self._allowed: set[str] = set()  # Y: the rest of a round runs without asking

    async def approve(self, call: ToolCall) -> str:
        """The user's decision on `call` ("allow", "always", "deny", "stop"), asked on
        its row; Y allows it and the rest of its round."""
        row = self.rows.get(call.id)
        if row is None:
            return "deny"  # never shown: never run
        if call.id in self._allowed:
            return "allow"
        ids = next((ids for ids in self._rounds if call.id in ids), [call.id])
        row.round_left = len(ids) - ids.index(call.id)
        decision = await row.decision()
        if decision == "all":
            self._allowed.update(ids[ids.index(call.id) :])
            return "allow"
        return decision

    def row(self, call_id: str) -> ToolCallView | None:
        return self.rows.get(call_id)

    @property
    def waiting(self) -> ToolCallView | None:
        """The row that waits for the user's decision, if one does."""
        return next((row for row in self.rows.values() if row.waiting), None)

    @staticmethod
    def handles(event: object) -> bool:
        return isinstance(event, ToolCalls | ToolCallWaiting | ToolCallRunning | ToolCallDone)

    async def show(self, event: object) -> bool:
        """Show a tool event; False when `event` is not one."""
        if isinstance(event, ToolCalls):
            self._rounds.append([call.id for call in event.calls])
            for call in event.calls:
                await self._add(call)
            return True
        if isinstance(event, ToolCallWaiting | ToolCallRunning):
            row = self.rows.get(event.call.id) or await self._add(event.call)
            row.server, row.tool = names(event.call, event.info)
            row.refresh_row()
            if isinstance(event, ToolCallRunning):
                row.state = "running"
            return True
        if isinstance(event, ToolCallDone):
            row = self.rows.get(event.call.id) or await self._add(event.call)
            state, result = result_of(getattr(event.message, "tool", None))
            row.finish(state, result)
            return True
        return False

    async def _add(self, call: ToolCall) -> ToolCallView:
        server, tool = names(call)
        row = ToolCallView(call.id, tool, call.arguments, server=server)
        self.rows[call.id] = row
        await self._mount(row)
        return row

    @property
    def stopped(self) -> bool:
        """A call was stopped (Esc while it waited or ran)."""
        return any(row.state == "stopped" for row in self.rows.values())

    def stop_waiting(self) -> None:
        """The turn ended (Esc): no row says its keys any more."""
        for row in self.rows.values():
            if row.state in ("waiting", "asked", "running"):
                row.finish("stopped", row.result)
