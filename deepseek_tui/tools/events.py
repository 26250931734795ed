"""What happens to a tool call during a turn, as events the session yields among the
wire's (the TUI's rows and `ask --show-tools` read them). Here, below the session, so
widgets can tell them apart without importing the engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deepseek_tui.api.events import ToolCall
    from deepseek_tui.messages import Message, MessageDraft


@dataclass(frozen=True, slots=True)
class ToolCallWaiting:
    """The call waits for the user's approval (`Session.approve` is asked now)."""

    call: ToolCall
    info: Any  # ToolInfo


@dataclass(frozen=True, slots=True)
class ToolCallRunning:
    """The call was approved (or is auto-approved) and runs now."""

    call: ToolCall
    info: Any  # ToolInfo


@dataclass(frozen=True, slots=True)
class ToolCallDone:
    """The call's `tool` message, as saved: how it ended in `message.tool.status`."""

    call: ToolCall
    message: Message | MessageDraft


@dataclass(frozen=True, slots=True)
class RoundStarted:
    """A new assistant message starts: the model is asked again with the results.
    `n` counts the turn's requests (the first is 1, so this is 2 or more)."""

    n: int


ToolEvent = ToolCallWaiting | ToolCallRunning | ToolCallDone | RoundStarted
