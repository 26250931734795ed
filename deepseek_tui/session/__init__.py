"""The conversation engine, no UI: `Session` (engine.py) sends, persists and streams;
each answer is a `Reply` (reply.py), iterated for its events and then asked how it
ended; saver.py saves a streaming answer off the event loop; window.py keeps the
context window's state and makes the next request (`NextRequest`: the body, its
gauge, the turns left out)."""

from __future__ import annotations

from deepseek_tui.session.engine import (
    SAVE_INTERVAL,
    SUMMARY_REQUEST,
    Session,
    parameters_from,
    valid_text,
)
from deepseek_tui.session.reply import Reply
from deepseek_tui.session.window import NextRequest, sendable

__all__ = [
    "SAVE_INTERVAL",
    "SUMMARY_REQUEST",
    "NextRequest",
    "Reply",
    "Session",
    "parameters_from",
    "sendable",
    "valid_text",
]
