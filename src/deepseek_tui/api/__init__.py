"""The wire: requests, SSE → events, errors. Knows nothing of Textual or SQLite."""

from deepseek_tui.api.client import Balance, BalanceReport, DeepSeekClient
from deepseek_tui.api.events import (
    ContentDelta,
    Finished,
    ReasoningDelta,
    Reply,
    StreamEvent,
    Usage,
)
from deepseek_tui.api.request import ChatRequest, build_messages

__all__ = [
    "Balance",
    "BalanceReport",
    "ChatRequest",
    "ContentDelta",
    "DeepSeekClient",
    "Finished",
    "ReasoningDelta",
    "Reply",
    "StreamEvent",
    "Usage",
    "build_messages",
]
