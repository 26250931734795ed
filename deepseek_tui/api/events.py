"""The event vocabulary that flows up from the wire: one stream, typed events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    """The stream ended. `reason` is the wire's finish_reason, or one of ours:

    `stop`, `length`, `content_filter`, `tool_calls`, `insufficient_system_resource`
    come from the server; `interrupted` means the stream ended without a finish
    (connection cut, EOF without `[DONE]`).
    `skipped_lines` counts malformed data lines that were ignored.
    """

    reason: str
    skipped_lines: int = 0


@dataclass(frozen=True, slots=True)
class Reply:
    """A whole answer, from the non-streaming path (or collected from a stream)."""

    content: str
    reasoning: str | None
    finish_reason: str
    usage: Usage | None = None
    model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


StreamEvent = ReasoningDelta | ContentDelta | Usage | Finished
