"""The conversation engine, no UI: `Session` (engine.py) sends, persists and streams;
each answer is a `Reply` (reply.py), iterated for its events and then asked how it
ended; saver.py saves a streaming answer off the event loop; window.py keeps the
context window's state and makes the next request (`NextRequest`: the body, its
gauge, the turns left out); tools.py runs a turn's tool calls (approval, run, each
result saved) and the next answer, and defines the events it adds."""

from __future__ import annotations

from deepseek_tui.session.engine import (
    SAVE_INTERVAL,
    SUMMARY_REQUEST,
    Session,
    parameters_from,
    valid_text,
)
from deepseek_tui.session.reply import Reply, TurnEvent
from deepseek_tui.session.tools import unanswered_calls
from deepseek_tui.session.window import NextRequest, sendable
from deepseek_tui.tools.events import (
    RoundStarted,
    ToolCallDone,
    ToolCallRunning,
    ToolCallWaiting,
    ToolEvent,
)

__all__ = [
    "SAVE_INTERVAL",
    "SUMMARY_REQUEST",
    "NextRequest",
    "Reply",
    "RoundStarted",
    "Session",
    "ToolCallDone",
    "ToolCallRunning",
    "ToolCallWaiting",
    "ToolEvent",
    "TurnEvent",
    "parameters_from",
    "sendable",
    "unanswered_calls",
    "valid_text",
]
