"""The event vocabulary that flows up from the wire: one stream, typed events."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal


class FinishReason(StrEnum):
    """How an answer ended: the wire's `finish_reason`, or one of ours.

    A member is a `str`, so it is stored and compared as the plain value. A reason
    a server invents that is not listed here stays a plain string (`parse`).
    """

    # From the server.
    STOP = "stop"
    LENGTH = "length"
    CONTENT_FILTER = "content_filter"
    INSUFFICIENT_SYSTEM_RESOURCE = "insufficient_system_resource"
    TOOL_CALLS = "tool_calls"
    # Ours: the user stopped it, the connection broke, or the request failed.
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"
    ERROR = "error"

    @classmethod
    def parse(cls, value: str) -> FinishReason | str:
        """The member for `value`, or `value` itself when it is not one we know."""
        try:
            return cls(value)
        except ValueError:
            return value

    @property
    def sentence(self) -> str:
        """How the answer ended, as one plain sentence (no UI, no keys)."""
        return _TEXTS[self][1]

    @property
    def label(self) -> str:
        """How the answer ended in a few lower-case words, for a status line."""
        return _TEXTS[self][0]

    @property
    def cut_short(self) -> bool:
        """The answer ended before the model was done (so it can be continued)."""
        return self in (FinishReason.LENGTH, FinishReason.STOPPED, FinishReason.INTERRUPTED)


# The one table of words for how an answer ended: a short label (status lines) and
# a sentence (exports, `ask`).
_TEXTS = {
    FinishReason.STOP: ("complete", "Complete."),
    FinishReason.LENGTH: ("cut at max_tokens", "Cut at the max_tokens limit."),
    FinishReason.CONTENT_FILTER: ("cut by the content filter", "Cut by the content filter."),
    FinishReason.INSUFFICIENT_SYSTEM_RESOURCE: (
        "cut short: server out of resources",
        "Cut short: the server was out of resources.",
    ),
    FinishReason.TOOL_CALLS: ("ended to call a tool", "Ended to call a tool."),
    FinishReason.STOPPED: ("stopped", "Stopped before the end."),
    FinishReason.INTERRUPTED: ("interrupted", "Interrupted: the connection broke before the end."),
    FinishReason.ERROR: ("failed", "Failed with an error before the end."),
}
UNFINISHED = "Unfinished: the app stopped while this answer was streaming."


def thought_label(seconds: float | None, tokens: int = 0) -> str:
    """What finished reasoning is called, everywhere (live, reopened, `ask`):
    "Thought for 12 s · 340 tokens". Without a time (saved before times were kept)
    it is "Reasoning · 340 tokens"."""
    if seconds is None:
        label = "Reasoning"
    elif seconds < 10:
        label = f"Thought for {seconds:.1f} s"
    elif seconds < 60:
        label = f"Thought for {seconds:.0f} s"
    else:
        minutes, rest = divmod(round(seconds), 60)
        label = f"Thought for {minutes} min {rest} s"
    return f"{label} · {tokens:,} tokens" if tokens else label


def finish_sentence(reason: str | None) -> str:
    """One plain sentence for any finish reason: ours, the wire's, one a server made
    up, or None (the answer's stream never ended)."""
    if reason is None:
        return UNFINISHED
    known = FinishReason.parse(reason)
    if isinstance(known, FinishReason):
        return known.sentence
    return f"Finish reason: {reason}."


def finish_label(reason: str) -> str:
    """A few words for any finish reason, for a status line."""
    known = FinishReason.parse(reason)
    return known.label if isinstance(known, FinishReason) else f"finish: {reason}"


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of the model's chain of thought (`reasoning_content`)."""

    text: str


@dataclass(frozen=True, slots=True)
class ContentDelta:
    """A piece of the answer itself."""

    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one answer, as DeepSeek reports them.

    `prompt_tokens` = cache hit + cache miss; `completion_tokens` includes
    `reasoning_tokens`.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int = 0
    prompt_cache_hit_tokens: int = 0
    prompt_cache_miss_tokens: int = 0

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Usage:
        def num(value: Any) -> int:
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        details = data.get("completion_tokens_details")
        details = details if isinstance(details, dict) else {}
        prompt = num(data.get("prompt_tokens"))
        completion = num(data.get("completion_tokens"))
        hit = data.get("prompt_cache_hit_tokens")
        if hit is None:  # OpenAI-style gateways only send the mirror field
            mirror = data.get("prompt_tokens_details")
            hit = mirror.get("cached_tokens") if isinstance(mirror, dict) else None
        hit = num(hit)
        miss = data.get("prompt_cache_miss_tokens")
        miss = num(miss) if miss is not None else max(prompt - hit, 0)
        return cls(
            prompt_tokens=prompt,
            completion_tokens=completion,
            total_tokens=num(data.get("total_tokens")) or prompt + completion,
            reasoning_tokens=num(details.get("reasoning_tokens")),
            prompt_cache_hit_tokens=hit,
            prompt_cache_miss_tokens=miss,
        )

    def __add__(self, other: Usage) -> Usage:
        """Two answers' counts together (a turn's answers around its tool calls)."""
        return Usage(
            **{name: getattr(self, name) + getattr(other, name) for name in self.to_dict()}
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "prompt_cache_hit_tokens": self.prompt_cache_hit_tokens,
            "prompt_cache_miss_tokens": self.prompt_cache_miss_tokens,
        }


@dataclass(frozen=True, slots=True)
class Finished:
    """The stream ended, for `reason`: a `FinishReason` the server sent (a reason
    we do not know stays a plain string). `skipped_lines` counts malformed data
    lines that were ignored.
    """

    reason: FinishReason | str
    skipped_lines: int = 0


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One function call the model asked for, as the wire carries it. `arguments` is the
    JSON text the model wrote (it may not be valid JSON)."""

    id: str
    name: str  # the wire name (`server__tool`)
    arguments: str = ""

    def to_wire(self) -> dict[str, Any]:
        # Key order fixed: the replayed history must serialize byte-identically
        # (DeepSeek's prefix cache).
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True, slots=True)
class ToolCalls:
    """The answer ended to call these tools: yielded once, right before
    `Finished(FinishReason.TOOL_CALLS)`, in index order (never empty: a server that
    says `tool_calls` and sends none is a `ProtocolError`)."""

    calls: tuple[ToolCall, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """A whole answer, from the non-streaming path (or collected from a stream)."""

    content: str
    reasoning: str | None
    finish_reason: FinishReason | str
    usage: Usage | None = None
    model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class Waiting:
    """Nothing of the answer yet, and why: the client says what it waits for, so a
    user sees the app working between Enter and the first token.

    `connecting`: the request is being sent (`attempt` of `attempts`);
    `waiting`: the server accepted it and the model has not said anything yet;
    `retrying`: a retryable failure, the next attempt starts in `delay` seconds;
    `queued` / `running`: a submit-and-poll job (Segmind) is in the queue / running.
    """

    stage: Literal["connecting", "waiting", "retrying", "queued", "running"]
    attempt: int = 1
    attempts: int = 1
    delay: float = 0.0
    reason: str = ""  # why a retry is needed, in a few words ("rate limited")

    def describe(self, remaining: float | None = None) -> str:
        """A few lower-case words; `remaining` is how long a retry still waits."""
        if self.stage == "connecting":
            if self.attempt > 1:
                return f"connecting (attempt {self.attempt}/{self.attempts})…"
            return "connecting…"
        if self.stage == "waiting":
            return "waiting for the model"
        if self.stage == "retrying":
            left = self.delay if remaining is None else max(remaining, 0.0)
            why = f"{self.reason}: " if self.reason else ""
            return f"{why}retrying {self.attempt}/{self.attempts} in {left:.0f} s"
        if self.stage == "queued":
            return "queued at Segmind"
        return "Segmind is running the job"


StreamEvent = ReasoningDelta | ContentDelta | ToolCalls | Usage | Finished | Waiting
