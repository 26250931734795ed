"""How full the model's context window is: the next request's size in tokens, estimated
from the last answer's usage and what was added since (docs/architecture.md, "Context").

The server's `usage.prompt_tokens` is exact for the request it answered; what was added
since (the answer, the question being typed, attachments) is estimated by
`estimate_text` (about four characters a token, with a few for each message's frame),
scaled by how the last real count compared with our estimate of the same request, so a
tokenizer denser than four characters a token (Chinese, code) is learned as it goes.
No tokenizer is loaded: the figure must be cheap enough to follow typing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ANSWER_ROOM",
    "WARN_AT",
    "Calibration",
    "Gauge",
    "estimate_messages",
    "estimate_text",
    "format_tokens",
    "is_context_overflow",
    "prompt_tokens_from_error",
    "window_from_error",
]

CHARS_PER_TOKEN = 4
# DeepSeek counts the answer's max_tokens against the window, 4096 when none is sent:
# "you requested 66343 tokens (62247 in the messages, 4096 in the completion)".
ANSWER_ROOM = 4096
WARN_AT = 0.8  # the gauge warns from this share of the window on
# Our estimate stands for this many tokens of evidence before any real count is seen:
# a short first prompt (a greeting, mostly the chat template's own tokens) must not
# set the scale for a long paste that follows.
_PRIOR_TOKENS = 400
_OVERFLOW = re.compile(r"maximum context length|context[ _]length[ _]exceeded", re.IGNORECASE)
_IN_MESSAGES = re.compile(r"(\d+) in the messages")
_WINDOW = re.compile(r"maximum context length is (\d+) tokens")


def estimate_text(text: str) -> float:
    """Tokens in `text`, about four characters each (fractional: round the sum, not parts)."""
    return len(text) / CHARS_PER_TOKEN


# What a message carries besides its text: tool calls, the call a result answers and
# reasoning passed back with them, read by the model as their JSON.
_EXTRAS = ("reasoning_content", "tool_calls", "tool_call_id")


def estimate_messages(
    messages: Iterable[Mapping[str, Any]],
    extra_tokens: float = 0,
    tools: Sequence[Mapping[str, Any]] = (),
) -> float:
    """Tokens of a request's `messages`: each one's role and content (and its tool
    calls, result id and passed-back reasoning as JSON) and a few characters of
    framing (the chat template's markers), the `tools` offered as their JSON, plus
    `extra_tokens` for what rides along outside the messages."""
    chars = len(json.dumps(list(tools), ensure_ascii=False)) if tools else 0
    for m in messages:
        chars += len(str(m.get("role", ""))) + len(m.get("content") or "") + 3
        extras = {key: m[key] for key in _EXTRAS if key in m}
        if extras:
            chars += len(json.dumps(extras, ensure_ascii=False))
    return chars / CHARS_PER_TOKEN + extra_tokens


@dataclass(frozen=True)
class Calibration:
    """A real count next to our estimate of the same request: `scale` turns estimates
    into the server's tokens."""

    prompt_tokens: int  # what the server counted
    estimated: float  # what `estimate_messages` said of the same messages

    @property
    def scale(self) -> float:
        scale = (self.prompt_tokens + _PRIOR_TOKENS) / (self.estimated + _PRIOR_TOKENS)
        return min(max(scale, 0.25), 4.0)

    def tokens(self, estimated: float) -> int:
        """The server's count for a request we estimate at `estimated`: the real count
        plus the scaled difference (exact when nothing changed)."""
        return max(0, round(self.prompt_tokens + (estimated - self.estimated) * self.scale))


@dataclass(frozen=True)
class Gauge:
    """How full the window is: `used` tokens of the next request, of `window` (None
    when the model's window is unknown), with `answer_room` kept for the answer."""

    used: int
    window: int | None
    answer_room: int = ANSWER_ROOM

    @property
    def share(self) -> float | None:
        return None if not self.window else self.used / self.window

    @property
    def warning(self) -> bool:
        share = self.share
        return share is not None and share >= WARN_AT

    @property
    def fits(self) -> bool:
        """The request, with room for the answer, fits in the window (or the window is
        unknown: then the server decides)."""
        return self.window is None or self.used + self.answer_room <= self.window

    @property
    def label(self) -> str:
        """`ctx 12.4k/128k`, or `ctx 12.4k` when the window is unknown."""
        shown = f"ctx {format_tokens(self.used)}"
        return shown if self.window is None else f"{shown}/{format_tokens(self.window)}"


def format_tokens(count: int) -> str:
    """Short token counts, k = 1024 as DeepSeek's "128K" means: 850, 1.2k, 12.4k, 128k, 1M."""
    if count < 1024:
        return str(count)
    unit, size = ("M", 1024 * 1024) if count >= 1024 * 1024 else ("k", 1024)
    value = count / size
    if value >= 100:
        return f"{int(value)}{unit}"
    return f"{math.floor(value * 10) / 10:g}{unit}"


def is_context_overflow(error: str) -> bool:
    """Whether an error's sentence is the server saying the request is longer than the
    model's window (DeepSeek's 400 "This model's maximum context length is …")."""
    return _OVERFLOW.search(error) is not None


def prompt_tokens_from_error(error: str) -> int | None:
    """The messages' real size when an overflow error says it ("… (62247 in the
    messages, 4096 in the completion)"): a count as good as a usage."""
    match = _IN_MESSAGES.search(error) if is_context_overflow(error) else None
    return int(match.group(1)) if match else None


def window_from_error(error: str) -> int | None:
    """The model's window when an overflow error says it ("maximum context length is
    131072 tokens"): the server knows better than our table."""
    match = _WINDOW.search(error)
    return int(match.group(1)) if match else None
