"""Builds the wire request from a conversation: pure, so every rule is tested alone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from deepseek_tui.api.models import model_traits


class HistoryMessage(Protocol):
    """What the builder needs of a stored message."""

    role: str
    content: str


@dataclass(frozen=True, slots=True)
class WireMessage:
    role: str
    content: str


def build_messages(
    history: Iterable[HistoryMessage], system_prompt: str = ""
) -> list[dict[str, Any]]:
    """The `messages` array for a chat request.

    - The system prompt goes first; stored system messages join it.
    - Past answers send their `content` only, never `reasoning_content` (the R1-era
      API rejects it, later ones ignore it).
    - Answers with no content (a failed or reasoning-only turn) are dropped.
    - No two same-role messages in a row: a failed turn's dangling user message is
      merged into the next one, so nothing the user typed is lost.
    - The first non-system message is the user's.
    """
    system_parts = [system_prompt.strip()] if system_prompt.strip() else []
    turns: list[WireMessage] = []
    for message in history:
        role, content = message.role, message.content or ""
        if role == "system":
            if content.strip():
                system_parts.append(content.strip())
            continue
        if role not in ("user", "assistant") or not content.strip():
            continue
        if turns and turns[-1].role == role:
            turns[-1] = WireMessage(role, f"{turns[-1].content}\n\n{content}")
            continue
        if not turns and role == "assistant":
            continue
        turns.append(WireMessage(role, content))
    messages: list[dict[str, Any]] = []
    if system_parts:
        messages.append({"role": "system", "content": "\n\n".join(system_parts)})
    messages.extend({"role": m.role, "content": m.content} for m in turns)
    return messages


@dataclass(frozen=True)
class ChatRequest:
    """One chat completion request, before it becomes JSON."""

    model: str
    messages: Sequence[dict[str, Any]]
    thinking: bool | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    # Continue this partial answer (DeepSeek's beta "chat prefix completion").
    prefix: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def thinks(self) -> bool:
        return model_traits(self.model).thinks(self.thinking)

    def body(self, *, stream: bool) -> dict[str, Any]:
        """The JSON body. Thinking requests get no sampling or logprobs fields:
        reasoners ignore the first and reject the second with 400."""
        traits = model_traits(self.model)
        messages = list(self.messages)
        if self.prefix is not None:
            messages.append({"role": "assistant", "content": self.prefix, "prefix": True})
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        if traits.thinking == "toggle" and self.thinking is not None:
            body["thinking"] = {"type": "enabled" if self.thinking else "disabled"}
        if not traits.thinks(self.thinking):
            if self.temperature is not None:
                body["temperature"] = self.temperature
            if self.top_p is not None:
                body["top_p"] = self.top_p
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        body.update(self.extra)
        if traits.thinks(self.thinking):
            for key in (
                "logprobs",
                "top_logprobs",
                "temperature",
                "top_p",
                "presence_penalty",
                "frequency_penalty",
            ):
                body.pop(key, None)
        body["stream"] = stream
        if stream:
            # DeepSeek sends usage anyway; OpenAI-style gateways only when asked.
            body["stream_options"] = {"include_usage": True}
        return body


def beta_base_url(base_url: str) -> str:
    """The base URL for beta features: `…/beta` in place of `…` or `…/v1`."""
    base = base_url.rstrip("/")
    if base.endswith("/beta"):
        return base
    return base.removesuffix("/v1") + "/beta"
