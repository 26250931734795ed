"""DeepSeek's exact wire shapes (stream chunks, completion body, usage) for a finished reply."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FINGERPRINT",
    "Completion",
    "HugeReasoning",
    "ToolCallPieces",
    "completion_body",
    "encode",
    "error_body",
    "stream_chunks",
]

FINGERPRINT = "fp_emulator_0001"
_THINK_OPEN = "<think>\n"
_THINK_CLOSE = "\n</think>\n\n"


@dataclass(frozen=True)
class ToolCallPieces:
    """One tool call of an answer: its id, name and arguments cut into fragments."""

    id: str
    name: str
    arguments: tuple[str, ...]


@dataclass(frozen=True)
class Completion:
    """One answer, already cut into pieces; each piece counts as one completion token
    (a tool call's argument fragments too)."""

    id: str
    created: int
    model: str
    thinking: bool
    reasoning: tuple[str, ...]
    content: tuple[str, ...]
    finish_reason: str
    prompt_tokens: int
    cache_hit_tokens: int
    reasoning_done: bool = True  # False when max_tokens ran out while still thinking
    tool_calls: tuple[ToolCallPieces, ...] = ()  # (the finish reason is then "tool_calls")

    def usage(self) -> dict[str, Any]:
        """DeepSeek's usage object: prompt = hit + miss, completion includes reasoning."""
        completion = len(self.reasoning) + len(self.content)
        completion += sum(len(call.arguments) + 1 for call in self.tool_calls)
        usage: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
            "prompt_tokens_details": {"cached_tokens": self.cache_hit_tokens},
        }
        if self.thinking:
            usage["completion_tokens_details"] = {"reasoning_tokens": len(self.reasoning)}
        usage["prompt_cache_hit_tokens"] = self.cache_hit_tokens
        usage["prompt_cache_miss_tokens"] = self.prompt_tokens - self.cache_hit_tokens
        return usage


def encode(obj: Any) -> str:
    """Compact JSON as DeepSeek sends it (raw UTF-8, no spaces)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def error_body(message: str, type_: str, code: str = "invalid_request_error") -> dict[str, Any]:
    """The OpenAI-shaped error wrapper DeepSeek uses for every JSON error."""
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def _grouped(pieces: Sequence[str], size: int) -> Sequence[str]:
    if size <= 1:
        return pieces
    return ["".join(pieces[start : start + size]) for start in range(0, len(pieces), size)]


def stream_chunks(
    completion: Completion,
    *,
    include_usage: bool = False,
    reasoning_field: str = "reasoning_content",
    usage_chunk: str = "finish",
    pieces_per_chunk: int = 1,
) -> list[dict[str, Any]]:
    """Every `data:` chunk of a stream, in order, without the final [DONE]. With
    `pieces_per_chunk` over 1, each delta carries that many pieces (tokens) at once."""
    head = {
        "id": completion.id,
        "object": "chat.completion.chunk",
        "created": completion.created,
        "model": completion.model,
        "system_fingerprint": FINGERPRINT,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        out = {**head, "choices": [choice]}
        if "usage" in extra:
            out["usage"] = extra["usage"]
        elif include_usage:
            out["usage"] = None
        return out

    separate = usage_chunk == "separate"
    final = {} if separate else {"usage": completion.usage()}
    if completion.thinking and reasoning_field != "think_tags":
        key = reasoning_field
        chunks = [chunk({"role": "assistant", "content": None, key: ""})]
        reasoning = _grouped(completion.reasoning, pieces_per_chunk)
        chunks += [chunk({"content": None, key: piece}) for piece in reasoning]
        content = _grouped(completion.content, pieces_per_chunk)
        chunks += [chunk({"content": piece, key: None}) for piece in content]
        quiet = {"content": None, key: None}
        chunks += [chunk({**quiet, "tool_calls": [part]}) for part in _call_parts(completion)]
        chunks.append(chunk({"content": "", key: None}, completion.finish_reason, **final))
    else:
        chunks = [chunk({"role": "assistant", "content": ""})]
        pieces = _grouped(_plain_pieces(completion), pieces_per_chunk)
        chunks += [chunk({"content": piece}) for piece in pieces]
        parts = _call_parts(completion)
        chunks += [chunk({"content": None, "tool_calls": [part]}) for part in parts]
        chunks.append(chunk({"content": ""}, completion.finish_reason, **final))
    if separate:
        # OpenAI-style gateways: usage alone, in an extra chunk with no choices.
        chunks.append({**head, "choices": [], "usage": completion.usage()})
    return chunks


class HugeReasoning(Sequence[dict[str, Any]]):
    """A thinking answer's chunks with `total` characters of reasoning in deltas of
    `chunk` characters (paragraphs of ~2 KB, or with `shape` "line" one line without
    a line end), then its answer; each chunk made as it is sent (a list of 100,000
    dicts would itself take gigabytes). `sent_chars`: how much has gone out."""

    _WORDS = ("the", "model", "weighs", "each", "step", "of", "the", "plan", "once")

    def __init__(
        self, completion: Completion, total: int, *, chunk: int = 2_000, shape: str = "paragraphs"
    ) -> None:
        self.completion, self.total, self.chunk = completion, total, chunk
        self.count = -(-total // chunk)
        self.sent_chars = 0
        words = self._WORDS
        paragraph = " ".join(words[i % len(words)] for i in range(400))[:1_998]
        unit = paragraph + ("\n\n" if shape == "paragraphs" else " ")
        self.text = (unit * (-(-chunk // len(unit)) + 1))[: chunk * 2]  # any window of it
        self.head = {
            "id": completion.id,
            "object": "chat.completion.chunk",
            "created": completion.created,
            "model": completion.model,
            "system_fingerprint": FINGERPRINT,
        }
        self.answer = list(completion.content)

    def __len__(self) -> int:
        return 1 + self.count + len(self.answer) + 1

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**self.head, "choices": [choice], **extra}

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        if index == 0:
            return self._chunk({"role": "assistant", "content": None, "reasoning_content": ""})
        if index <= self.count:
            start = (index - 1) * self.chunk
            size = min(self.chunk, self.total - start)
            offset = start % (len(self.text) - self.chunk)
            self.sent_chars = max(self.sent_chars, start + size)
            piece = self.text[offset : offset + size]
            return self._chunk({"content": None, "reasoning_content": piece})
        if index <= self.count + len(self.answer):
            piece = self.answer[index - self.count - 1]
            return self._chunk({"content": piece, "reasoning_content": None})
        if index > len(self) - 1:
            raise IndexError(index)
        usage = self.completion.usage()
        tokens = self.total // 4
        usage["completion_tokens"] += tokens
        usage["total_tokens"] += tokens
        usage["completion_tokens_details"] = {"reasoning_tokens": tokens}
        finish = self.completion.finish_reason
        return self._chunk({"content": "", "reasoning_content": None}, finish, usage=usage)


def _call_parts(completion: Completion) -> list[dict[str, Any]]:
    """The `tool_calls` deltas of the answer's calls, as V4 streams them: the first
    with the id, type and name and `arguments: ""`, then one per fragment with the
    same index and `"id": ""`, `"name": ""`."""
    parts: list[dict[str, Any]] = []
    for index, call in enumerate(completion.tool_calls):
        function = {"name": call.name, "arguments": ""}
        parts.append({"index": index, "id": call.id, "type": "function", "function": function})
        for fragment in call.arguments:
            function = {"name": "", "arguments": fragment}
            parts.append({"index": index, "id": "", "type": "function", "function": function})
    return parts


def _plain_pieces(completion: Completion) -> list[str]:
    """Content pieces, with the reasoning inlined as <think>…</think> for open-weights hosts."""
    if not completion.thinking:
        return list(completion.content)
    pieces = [_THINK_OPEN, *completion.reasoning]
    if completion.reasoning_done:
        pieces.append(_THINK_CLOSE)
    return pieces + list(completion.content)


def completion_body(
    completion: Completion, *, reasoning_field: str = "reasoning_content"
) -> dict[str, Any]:
    """The non-streaming `chat.completion` object."""
    message: dict[str, Any] = {"role": "assistant"}
    if completion.thinking and reasoning_field == "think_tags":
        message["content"] = "".join(_plain_pieces(completion))
    else:
        message["content"] = "".join(completion.content)
        if completion.thinking:
            message[reasoning_field] = "".join(completion.reasoning)
    if completion.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": "".join(call.arguments)},
            }
            for call in completion.tool_calls
        ]
    return {
        "id": completion.id,
        "object": "chat.completion",
        "created": completion.created,
        "model": completion.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": completion.finish_reason,
            }
        ],
        "usage": completion.usage(),
        "system_fingerprint": FINGERPRINT,
    }
