"""The wire: requests, SSE → events, errors. Knows nothing of Textual or SQLite."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deepseek_tui.api.events import (
    ContentDelta,
    Finished,
    FinishReason,
    ReasoningDelta,
    Reply,
    StreamEvent,
    Usage,
    Waiting,
    finish_sentence,
)
from deepseek_tui.api.providers import ChatClient, client_for
from deepseek_tui.api.request import ChatRequest, build_messages

if TYPE_CHECKING:
    from deepseek_tui.api.client import Balance, BalanceReport, DeepSeekClient

_CLIENT_NAMES = {"Balance", "BalanceReport", "DeepSeekClient"}


def __getattr__(name: str) -> Any:
    # The client pulls in httpx (~0.1 s); the TUI's first paint should not wait for it.
    if name in _CLIENT_NAMES:
        from deepseek_tui.api import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Balance",
    "BalanceReport",
    "ChatClient",
    "ChatRequest",
    "ContentDelta",
    "DeepSeekClient",
    "FinishReason",
    "Finished",
    "ReasoningDelta",
    "Reply",
    "StreamEvent",
    "Usage",
    "Waiting",
    "build_messages",
    "client_for",
    "finish_sentence",
]
