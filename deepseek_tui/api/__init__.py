"""The wire: requests, SSE → events, errors. Knows nothing of Textual or SQLite.

The names below are loaded on first use (PEP 562), so importing one submodule
(`api.models` for the TUI's first frame) does not load the others, and httpx comes
only with the client (docs/architecture.md, "Start path")."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deepseek_tui.api.client import Balance, BalanceReport, DeepSeekClient
    from deepseek_tui.api.events import (
        ContentDelta,
        Finished,
        FinishReason,
        ReasoningDelta,
        Reply,
        StreamEvent,
        ToolCall,
        ToolCalls,
        Usage,
        Waiting,
        finish_sentence,
    )
    from deepseek_tui.api.providers import ChatClient, client_for
    from deepseek_tui.api.request import ChatRequest, build_messages

# name -> the submodule that defines it
_WHERE = {
    "Balance": "client",
    "BalanceReport": "client",
    "DeepSeekClient": "client",
    "ContentDelta": "events",
    "Finished": "events",
    "FinishReason": "events",
    "ReasoningDelta": "events",
    "Reply": "events",
    "StreamEvent": "events",
    "ToolCall": "events",
    "ToolCalls": "events",
    "Usage": "events",
    "Waiting": "events",
    "finish_sentence": "events",
    "ChatClient": "providers",
    "client_for": "providers",
    "ChatRequest": "request",
    "build_messages": "request",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value  # found once, then an ordinary attribute
    return value


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
    "ToolCall",
    "ToolCalls",
    "Usage",
    "Waiting",
    "build_messages",
    "client_for",
    "finish_sentence",
]
