"""The widget of each saved history entry, as the conversation view shows it: a
question (with its files), an answer (its reasoning, its calls' rows from the tool
messages after it, the line under it: a turn with tool calls counts all its answers),
a tool message (not drawn: its call's row shows it); and `LeftOut`, the line before
the first message requests carry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.widget import Widget

    from deepseek_tui.messages import Message, MessageDraft

    Entry = Message | MessageDraft


class LeftOut(Static):
    """The line before the first message sent: the turns above it are left out of
    requests (they stay in the history). Our own words, inert."""

    DEFAULT_CSS = """
    LeftOut {
        margin: 1 2 0 2;
        color: $text-muted;
    }
    """

    def __init__(self, turns: int) -> None:
        what = "turn above is" if turns == 1 else f"{turns} turns above are"
        words = f"▲ The {what} left out of what is sent to the model (kept in the history)."
        super().__init__(Text(words), markup=False)


def entry_widget(
    entry: Entry,
    history: Sequence[Entry],
    *,
    branch: str,
    expanded: bool,
    currency: str,
    json_mode: bool,
) -> Widget:
    """The widget for `entry` of `history`; `branch` its "‹ 1/2 ›" label, `expanded`
    whether reasoning shows open, `json_mode` whether its answer was asked as JSON."""
    from deepseek_tui.api.events import FinishReason
    from deepseek_tui.messages import Message
    from deepseek_tui.tui.widgets.answer_status import status_line
    from deepseek_tui.tui.widgets.attachments import AttachedQuestion
    from deepseek_tui.tui.widgets.messages import AssistantMessage
    from deepseek_tui.tui.widgets.question import UserMessage
    from deepseek_tui.tui.widgets.tool_rounds import ToolResultEntry, saved_parts, turn_spend

    if entry.role == "tool":
        return ToolResultEntry()
    if entry.role == "user":
        if entry.attachments:
            return AttachedQuestion(entry.content, entry.attachments, branch=branch)
        return UserMessage(entry.content, branch=branch)
    reason = entry.finish_reason
    if isinstance(entry, Message) and entry.unfinished:
        reason = FinishReason.INTERRUPTED
    rows, continues = saved_parts(history, entry)
    usage, cost = turn_spend(history, entry) if continues else (None, None)
    called = reason == FinishReason.TOOL_CALLS  # its rows say what came next
    return AssistantMessage(
        model=entry.model or "?",
        content=entry.content,
        reasoning=entry.reasoning or "",
        finished=True,
        reasoning_expanded=expanded,
        status=""
        if called
        else status_line(
            reason,
            usage or entry.usage,  # a turn with tool calls: all its answers'
            cost if cost is not None else entry.cost,
            continuable=bool(entry.content.strip()),
            error=entry.error or "",
            currency=currency,
        ),
        branch=branch,
        reasoning_tokens=entry.usage.reasoning_tokens if entry.usage else 0,
        reasoning_seconds=entry.reasoning_seconds,
        error=entry.error or "",
        json_mode=json_mode,
        tool_rows=rows,
        continues=continues,
    )
