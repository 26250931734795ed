"""Builds the wire request from a conversation: pure, so every rule is tested alone."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from deepseek_tui.api.events import ToolCall
from deepseek_tui.api.models import model_traits
from deepseek_tui.config import MAX_STOP, REASONING_EFFORTS

# The rule of JSON mode, said wherever it is switched on: DeepSeek refuses
# `response_format: json_object` unless the prompt mentions JSON ("Prompt must
# contain the word 'json' in some form…").
JSON_MODE_RULE = (
    "JSON mode: the answer is a JSON object. Your message or the system prompt must "
    'mention JSON (e.g. "reply in JSON") and should show the shape you want.'
)
# Said when a message would break that rule, before anything is sent.
JSON_MODE_MISSING = (
    "JSON mode is on, and DeepSeek answers only when the prompt mentions JSON: "
    'say "JSON" in your message (or the system prompt), or turn JSON mode off.'
)


class HistoryMessage(Protocol):
    """What the builder needs of a stored message. Tool calls ride on optional
    attributes, read with `getattr` so that older records work: `reasoning` (str or
    None), `tool_calls` (the assistant's `ToolCall`s) and `tool_call_id` (a `tool`
    message's)."""

    role: str
    content: str


# What a `tool` message says for a call that never returned (the app was killed during
# it): every call must be answered, or DeepSeek refuses the whole history.
INTERRUPTED_RESULT = "The call was interrupted before it returned a result."


@dataclass(slots=True)
class _Turn:
    """One message on its way to the wire."""

    role: str
    content: str
    reasoning: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str = ""
    pass_back: bool = False  # send `reasoning_content` (a tool-call turn's message)

    def wire(self) -> dict[str, Any]:
        # Key order fixed, and nothing that changes between requests: the replayed
        # history must serialize to the same bytes every time (DeepSeek's prefix cache).
        if self.role == "tool":
            return {"role": "tool", "tool_call_id": self.tool_call_id, "content": self.content}
        message: dict[str, Any] = {"role": self.role}
        # A tool-call message without text says null: never `[]`, which DeepSeek refuses.
        message["content"] = self.content if self.content or not self.tool_calls else None
        if self.pass_back:
            message["reasoning_content"] = self.reasoning or ""
        if self.tool_calls:
            message["tool_calls"] = [call.to_wire() for call in self.tool_calls]
        return message


def build_messages(
    history: Iterable[HistoryMessage], system_prompt: str = "", *, pass_back_reasoning: bool = True
) -> list[dict[str, Any]]:
    """The `messages` array for a chat request.

    - The system prompt goes first; stored system messages join it.
    - Past answers send their `content` only, never `reasoning_content` (the R1-era
      API rejects it, later ones ignore it) — except in a turn where the model called
      tools (between two user messages): with `pass_back_reasoning`, each assistant
      message of that turn carries its `reasoning_content` ("" when it had none: the
      field must be there), as V3.2 and V4 demand in thinking mode.
    - Answers with no content (a failed or reasoning-only turn) are dropped, but an
      assistant message with tool calls is kept (its content null when empty), each
      call followed by its `tool` message. A call with no result (the app was killed
      during it) gets one saying so (`INTERRUPTED_RESULT`); a `tool` message that
      answers no call just before it is dropped. Either would be a 400.
    - No two same-role messages in a row: a failed turn's dangling user message is
      merged into the next one, so nothing the user typed is lost. Tool-call and tool
      messages are never merged.
    - The first non-system message is the user's.
    """
    system_parts = [system_prompt.strip()] if system_prompt.strip() else []
    turns: list[_Turn] = []
    calls: tuple[ToolCall, ...] = ()  # the last tool-call message's, until its results end
    answered: set[str] = set()

    def close_calls() -> None:
        for call in calls:
            if call.id not in answered:
                turns.append(_Turn("tool", INTERRUPTED_RESULT, tool_call_id=call.id))

    for message in history:
        role, content = message.role, message.content or ""
        if role == "tool":
            call_id = getattr(message, "tool_call_id", None)
            if call_id in answered or not any(call.id == call_id for call in calls):
                continue
            answered.add(call_id)
            turns.append(_Turn("tool", content, tool_call_id=call_id))
            continue
        if role == "system":  # (joins the system prompt: it does not part a call from its results)
            if content.strip():
                system_parts.append(content.strip())
            continue
        close_calls()
        calls, answered = (), set()
        reasoning = getattr(message, "reasoning", None)
        reasoning = reasoning if isinstance(reasoning, str) else None
        made = _tool_calls(getattr(message, "tool_calls", ())) if role == "assistant" else ()
        if made:
            if turns:  # (an answer before any question is dropped, its results with it)
                turns.append(_Turn(role, content, reasoning, made))
                calls = made
            continue
        if role not in ("user", "assistant") or not content.strip():
            continue
        if turns and turns[-1].role == role and not turns[-1].tool_calls:
            turns[-1].content = f"{turns[-1].content}\n\n{content}"
            continue
        if not turns and role == "assistant":
            continue
        turns.append(_Turn(role, content, reasoning))
    close_calls()
    if pass_back_reasoning:
        _mark_tool_call_turns(turns)
    messages: list[dict[str, Any]] = []
    if system_parts:
        messages.append({"role": "system", "content": "\n\n".join(system_parts)})
    messages.extend(turn.wire() for turn in turns)
    return messages


def _tool_calls(value: object) -> tuple[ToolCall, ...]:
    """A record's tool calls: `ToolCall`s (or their wire dicts, as a JSON file keeps
    them); anything else is not a call."""
    if not isinstance(value, tuple | list):
        return ()
    calls = []
    for item in value:
        if isinstance(item, ToolCall):
            calls.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("id"), str):
            function = item.get("function")
            function = function if isinstance(function, Mapping) else {}
            name, arguments = function.get("name"), function.get("arguments")
            calls.append(
                ToolCall(
                    item["id"],
                    name if isinstance(name, str) else "",
                    arguments if isinstance(arguments, str) else "",
                )
            )
    return tuple(calls)


def _mark_tool_call_turns(turns: list[_Turn]) -> None:
    """Every assistant message between two user messages where tools were called
    passes its reasoning back."""
    start = 0
    for end in [*(i for i, turn in enumerate(turns) if turn.role == "user"), len(turns)]:
        answers = [turn for turn in turns[start:end] if turn.role == "assistant"]
        if any(turn.tool_calls for turn in answers):
            for turn in answers:
                turn.pass_back = True
        start = end


def pass_back_reasoning_for(model: str, setting: bool | None = None) -> bool:
    """Whether requests to `model` send tool-call turns' `reasoning_content` back:
    `setting` (a profile's `reasoning_pass_back`) when given, else the model's traits
    (`ModelTraits.pass_back_reasoning`)."""
    return model_traits(model).pass_back_reasoning if setting is None else setting


@dataclass(frozen=True)
class Parameters:
    """The request parameters a conversation keeps (saved with it): JSON mode, stop
    sequences, penalties, max_tokens and reasoning effort. None or empty means "not
    sent" (the server's default). What a model does not take is left out of its
    request by `ChatRequest.body`, so switching model never makes a request fail.
    `preset` is the name of the preset the conversation started from (never sent):
    its system prompt, thinking and temperature come back from it when reopened.
    `left_out_through` (never sent either) is the id of the last message requests
    leave out: it and the turns before it stay in the history, not in requests (a
    branch that does not go through it is sent whole)."""

    json_mode: bool = False
    stop: tuple[str, ...] = ()
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    preset: str | None = None
    left_out_through: int | None = None
    # The tools (by wire name) this conversation does not offer (never sent).
    tools_off: tuple[str, ...] = ()

    def problems(self, model: str | None = None) -> list[str]:
        """What is wrong, as sentences; with `model`, also what it cannot take."""
        problems = []
        for name in ("frequency_penalty", "presence_penalty"):
            value = getattr(self, name)
            # Written so that NaN fails too.
            if value is not None and not -2 <= value <= 2:
                problems.append(f"{name} must be between -2 and 2, got {value}.")
        if len(self.stop) > MAX_STOP:
            problems.append(f"At most {MAX_STOP} stop sequences, got {len(self.stop)}.")
        if any(not text for text in self.stop):
            problems.append("A stop sequence must not be empty.")
        if self.reasoning_effort is not None and self.reasoning_effort not in REASONING_EFFORTS:
            problems.append(
                f"reasoning_effort must be {' or '.join(REASONING_EFFORTS)}, "
                f"got {self.reasoning_effort!r}."
            )
        if self.max_tokens is not None:
            limit = model_traits(model).max_tokens if model else None
            if self.max_tokens < 1:
                problems.append(f"max_tokens must be at least 1, got {self.max_tokens}.")
            elif limit is not None and self.max_tokens > limit:
                problems.append(
                    f"{model} takes max_tokens up to {limit:,}, not {self.max_tokens:,}."
                )
        return problems

    def to_json(self) -> dict[str, Any]:
        """What differs from the defaults, JSON-ready (stored with the conversation)."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(self).items()
            if value is not None and value is not False and value != ()
        }

    @classmethod
    def from_json(cls, data: object) -> Parameters:
        """Back from `to_json`. A value of the wrong kind is dropped, not an error: a
        conversation must open whatever a newer version or a hand edit saved."""
        if not isinstance(data, Mapping):
            return cls()
        values: dict[str, Any] = {}
        if isinstance(data.get("json_mode"), bool):
            values["json_mode"] = data["json_mode"]
        stop = data.get("stop")
        if isinstance(stop, list) and all(isinstance(text, str) and text for text in stop):
            values["stop"] = tuple(stop[:MAX_STOP])
        for name in ("frequency_penalty", "presence_penalty"):
            value = data.get(name)
            if _number(value) and -2 <= value <= 2:
                values[name] = float(value)
        max_tokens = data.get("max_tokens")
        if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and max_tokens >= 1:
            values["max_tokens"] = max_tokens
        if data.get("reasoning_effort") in REASONING_EFFORTS:
            values["reasoning_effort"] = data["reasoning_effort"]
        if isinstance(data.get("preset"), str) and data["preset"]:
            values["preset"] = data["preset"]
        through = data.get("left_out_through")
        if isinstance(through, int) and not isinstance(through, bool) and through >= 1:
            values["left_out_through"] = through
        off = data.get("tools_off")
        if isinstance(off, list) and all(isinstance(name, str) for name in off):
            values["tools_off"] = tuple(off[:1000])
        return cls(**values)

    def summary(self) -> str:
        """A few words for the status bar and palette ("json · stop ×2 · max 512");
        empty when everything is the default."""
        parts = []
        if self.json_mode:
            parts.append("json")
        if self.stop:
            parts.append(f"stop ×{len(self.stop)}")
        if self.max_tokens is not None:
            parts.append(f"max {self.max_tokens}")
        if self.frequency_penalty is not None:
            parts.append(f"freq {self.frequency_penalty:g}")
        if self.presence_penalty is not None:
            parts.append(f"pres {self.presence_penalty:g}")
        if self.reasoning_effort is not None:
            parts.append(f"effort {self.reasoning_effort}")
        return " · ".join(parts)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def mentions_json(messages: Iterable[Mapping[str, Any]]) -> bool:
    """Whether the prompt says "json" somewhere, as JSON mode demands."""
    return any("json" in str(m.get("content") or "").lower() for m in messages)


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
    json_mode: bool = False
    stop: tuple[str, ...] = ()
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    reasoning_effort: str | None = None
    # The wire `tools` array (each `{"type": "function", "function": {"name",
    # "description", "parameters"}}`), sent when not empty; `tool_choice` ("none",
    # "auto", "required" or a named function) is never sent in thinking mode, where
    # DeepSeek answers anything but auto with 400 "Thinking mode does not support this
    # tool_choice" (and auto is what it does without one).
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: str | dict[str, Any] | None = None

    @classmethod
    def with_parameters(
        cls, model: str, messages: Sequence[dict[str, Any]], parameters: Parameters, **more: Any
    ) -> ChatRequest:
        """A request carrying a conversation's `Parameters` (its preset's name and the
        turns it leaves out are the conversation's, not the wire's)."""
        values = asdict(parameters)
        del values["preset"], values["left_out_through"], values["tools_off"]
        return cls(model, messages, **values, **more)

    @property
    def thinks(self) -> bool:
        return model_traits(self.model).thinks(self.thinking)

    @property
    def max_tokens_sent(self) -> int | None:
        """The `max_tokens` the body carries: held to the model's known limit (a
        conversation may have been set up for another model); None when not sent.
        The context gauge keeps this much for the answer, as the server counts it."""
        limit = model_traits(self.model).max_tokens
        if self.max_tokens is None or limit is None:
            return self.max_tokens
        return min(self.max_tokens, limit)

    @property
    def json_mode_sent(self) -> bool:
        """JSON mode is on and this model takes it (so the JSON rule applies)."""
        return self.json_mode and model_traits(self.model).json_output

    def body(self, *, stream: bool) -> dict[str, Any]:
        """The JSON body. Thinking requests get no sampling, penalty or logprobs
        fields: reasoners ignore the first two and reject the last with 400. A
        parameter the model does not take is left out (JSON mode for the reasoner,
        `reasoning_effort` unless a V4 model thinks), and `max_tokens` is held to the
        model's known limit (`max_tokens_sent`)."""
        traits = model_traits(self.model)
        thinks = traits.thinks(self.thinking)
        messages = list(self.messages)
        if self.prefix is not None:
            messages.append({"role": "assistant", "content": self.prefix, "prefix": True})
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        if traits.thinking == "toggle" and self.thinking is not None:
            body["thinking"] = {"type": "enabled" if self.thinking else "disabled"}
        if not thinks:
            if self.temperature is not None:
                body["temperature"] = self.temperature
            if self.top_p is not None:
                body["top_p"] = self.top_p
            if self.frequency_penalty is not None:
                body["frequency_penalty"] = self.frequency_penalty
            if self.presence_penalty is not None:
                body["presence_penalty"] = self.presence_penalty
        if self.max_tokens_sent is not None:
            body["max_tokens"] = self.max_tokens_sent
        if self.json_mode_sent:
            body["response_format"] = {"type": "json_object"}
        if self.stop:
            body["stop"] = list(self.stop[:MAX_STOP])
        if self.reasoning_effort is not None and traits.effort and thinks:
            body["reasoning_effort"] = self.reasoning_effort
        if self.tools:
            body["tools"] = list(self.tools)
            if self.tool_choice is not None and not thinks:
                body["tool_choice"] = self.tool_choice
        body.update(self.extra)
        if thinks:
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
