"""Check a chat request the way DeepSeek does, with DeepSeek's exact error messages."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MODELS",
    "ChatRequest",
    "ModelSpec",
    "Rejected",
    "check_context",
    "parse_chat_request",
]

_DESERIALIZE = "Failed to deserialize the JSON body into the target type: "
_ROLES = ("system", "user", "assistant", "tool", "latest_reminder")
_BETA_URL = 'set base_url="https://api.deepseek.com/beta"'


@dataclass(frozen=True)
class ModelSpec:
    """What a model name means here: whether it thinks, and its max_tokens ceiling.

    `strict_history`: the R1-era ordering and reasoning_content rules (and no tool
    calls: R1 had no function calling, so tools offered to it are ignored).
    `pass_back`: how a thinking request that leaves out a tool-call turn's
    `reasoning_content` is refused, "v4" or "v3.2" (the two 400s differ).
    `listed`: in GET /models (V3.2 is served, as a gateway's id, for its 400's sake).
    """

    name: str
    thinking: str  # "never" | "always" | "toggle" (the request's "thinking" decides)
    max_tokens: int
    strict_history: bool = False
    default_thinking: bool = True  # a toggle model's, when the request does not say
    pass_back: str = "v4"
    listed: bool = True


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("deepseek-chat", "never", 8192),
        ModelSpec("deepseek-reasoner", "always", 65536, strict_history=True),
        ModelSpec("deepseek-v4-flash", "toggle", 384_000),
        ModelSpec("deepseek-v4-pro", "toggle", 384_000),
        ModelSpec(
            "deepseek-v3.2", "toggle", 65536, default_thinking=False, pass_back="v3.2", listed=False
        ),
    )
}


# Context windows in tokens: the 128K models say 131072 in their 400; V4 takes 1M.
CONTEXT_WINDOW = 131_072
CONTEXT_WINDOWS = {"deepseek-v4-flash": 1_048_576, "deepseek-v4-pro": 1_048_576}
# The answer's room counted against the window when the request sends no max_tokens.
DEFAULT_ANSWER_ROOM = 4096


class Rejected(Exception):
    """The request is refused: HTTP status, the error message and its type."""

    def __init__(self, status: int, message: str, type_: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_


@dataclass(frozen=True)
class ChatRequest:
    """The parts of a valid chat request that shape the answer."""

    model: str
    messages: list[dict[str, Any]]
    thinking: bool
    stream: bool = False
    include_usage: bool = False
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    prefix: bool = False
    json_mode: bool = False
    # The tools offered (each `{"type": "function", "function": {…}}`); empty when
    # none, and for a model that makes no tool calls (R1).
    tools: tuple[dict[str, Any], ...] = ()


def parse_chat_request(raw: bytes, *, beta: bool) -> ChatRequest:
    """Parse and check a /chat/completions body, or raise Rejected (400)."""
    body = _parse_json(raw)
    if not isinstance(body, dict):
        raise _deserialize(raw, f"invalid type: {_kind(body)}, expected a map")
    # serde reports the first missing field in declaration order: messages before model.
    for field in ("messages", "model"):
        if field not in body:
            raise _deserialize(raw, f"missing field `{field}`")
    messages = _check_messages(raw, body["messages"])
    spec = _check_model(raw, body["model"])
    thinking = _thinking(raw, body.get("thinking"), spec)
    stream = _optional(raw, body, "stream", bool, "a boolean") or False
    options = _optional(raw, body, "stream_options", dict, "a map") or {}
    _check_temperature(raw, body.get("temperature"))
    max_tokens = _check_max_tokens(raw, body.get("max_tokens"), spec)
    stop = _check_stop(raw, body.get("stop"))
    for penalty in ("frequency_penalty", "presence_penalty"):
        _check_penalty(raw, penalty, body.get(penalty))
    _check_reasoning_effort(raw, body.get("reasoning_effort"))
    json_mode = _check_response_format(raw, body.get("response_format"), messages, spec)
    if thinking:
        _reject_logprobs(body, spec)
    tools = _check_tools(raw, body.get("tools"))
    _check_tool_choice(raw, body.get("tool_choice"), thinking=thinking)
    _check_tool_messages(messages)
    if thinking and not spec.strict_history:
        _check_reasoning_passed_back(messages, spec)
    prefix = _check_prefix(messages, beta=beta)
    if spec.strict_history:
        _check_r1_history(messages, spec.name, prefix=prefix)
    return ChatRequest(
        model=spec.name,
        messages=messages,
        thinking=thinking,
        stream=stream,
        include_usage=options.get("include_usage") is True,
        max_tokens=max_tokens,
        stop=stop,
        prefix=prefix,
        json_mode=json_mode,
        tools=() if spec.strict_history else tools,
    )


# --- JSON and serde-style messages ----------------------------------------------


def _parse_json(raw: bytes) -> Any:
    if not raw.strip():
        raise Rejected(400, _json_syntax("EOF while parsing a value", 1, 0))
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise Rejected(400, _json_syntax("invalid unicode code point", 1, err.start + 1)) from None
    except json.JSONDecodeError as err:
        raise Rejected(400, _json_syntax(_serde_wording(err.msg), err.lineno, err.colno)) from None


def _json_syntax(what: str, line: int, column: int) -> str:
    # The wording of axum's JSON extractor, which DeepSeek's router is built on.
    return f"Failed to parse the request body as JSON: {what} at line {line} column {column}"


def _serde_wording(msg: str) -> str:
    known = {
        "Expecting value": "expected value",
        "Expecting property name enclosed in double quotes": "key must be a string",
        "Expecting ',' delimiter": "expected `,` or `}`",
        "Expecting ':' delimiter": "expected `:`",
        "Extra data": "trailing characters",
        "Unterminated string starting at": "EOF while parsing a string",
    }
    return known.get(msg, msg[:1].lower() + msg[1:])


def _deserialize(raw: bytes, what: str, *path: str | int) -> Rejected:
    """A serde-style error, positioned just after the value at `path` (as serde reports it)."""
    text = raw.decode("utf-8", "replace")
    position = _end_of(text, path)
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1)
    return Rejected(400, f"{_DESERIALIZE}{what} at line {line} column {column}")


_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def _end_of(text: str, path: tuple[str | int, ...]) -> int:
    """Where the JSON value at `path` (keys and indices) ends; the body's end if not found."""
    try:
        start = len(text) - len(text.lstrip(_SPACE))
        end = _DECODER.raw_decode(text, start)[1]
        for step in path:
            start, end = _child(text, start, step)
        return end
    except (ValueError, KeyError, IndexError):
        return len(text.rstrip(_SPACE))


def _child(text: str, start: int, step: str | int) -> tuple[int, int]:
    """The span of one member (by key) or element (by index) of the container at `start`."""
    i = start + 1
    index = 0
    while True:
        i = _skip_space(text, i)
        if text[i] in "]}":
            raise KeyError(step)
        if isinstance(step, str):
            key, i = _DECODER.raw_decode(text, i)
            i = _skip_space(text, i) + 1  # the colon
        value_start = _skip_space(text, i)
        i = _DECODER.raw_decode(text, value_start)[1]
        if (isinstance(step, str) and key == step) or (isinstance(step, int) and index == step):
            return value_start, i
        index += 1
        i = _skip_space(text, i) + 1  # the comma


def _skip_space(text: str, i: int) -> int:
    while text[i] in _SPACE:
        i += 1
    return i


def _kind(value: Any) -> str:
    """How serde names an unexpected JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f'string "{value}"'
    if isinstance(value, list):
        return "sequence"
    return "map"


def _optional(raw: bytes, body: dict[str, Any], field: str, kind: type, expected: str) -> Any:
    value = body.get(field)
    if value is not None and not isinstance(value, kind):
        raise _deserialize(
            raw, f"{field}: invalid type: {_kind(value)}, expected {expected}", field
        )
    return value


# --- fields ---------------------------------------------------------------------


def _check_messages(raw: bytes, messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list):
        raise _deserialize(
            raw, f"messages: invalid type: {_kind(messages)}, expected a sequence", "messages"
        )
    if not messages:
        # Unverified wording: no capture of DeepSeek's answer to an empty list.
        raise Rejected(400, "Invalid request: messages must not be empty")
    for i, message in enumerate(messages):
        _check_message(raw, i, message)
    return messages


def _check_message(raw: bytes, i: int, message: Any) -> None:
    if not isinstance(message, dict):
        raise _deserialize(
            raw, f"messages[{i}]: invalid type: {_kind(message)}, expected a map", "messages", i
        )
    if "role" not in message:
        raise _deserialize(raw, f"messages[{i}]: missing field `role`", "messages", i)
    role = message["role"]
    if role not in _ROLES:
        expected = ", ".join(f"`{r}`" for r in _ROLES)
        what = f"unknown variant `{role}`" if isinstance(role, str) else _kind(role)
        where = ("messages", i, "role")
        raise _deserialize(raw, f"messages[{i}].role: {what}, expected one of {expected}", *where)
    content = message.get("content")
    if role == "assistant":
        _check_assistant_tool_calls(raw, i, message)
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        what = "missing field `tool_call_id`"
        if message.get("tool_call_id") is not None:
            what = (
                f"tool_call_id: invalid type: {_kind(message['tool_call_id'])}, expected a string"
            )
        raise _deserialize(raw, f"messages[{i}]: {what}", "messages", i)
    if content is None and role == "assistant":
        if not message.get("tool_calls"):
            raise Rejected(400, "Invalid assistant message: content or tool_calls must be set")
        return  # assistant turns that only carry tool calls have no content
    if "content" not in message:
        raise _deserialize(raw, f"messages[{i}]: missing field `content`", "messages", i)
    if not isinstance(content, str):
        raise _deserialize(
            raw, f"messages[{i}]: invalid type: {_kind(content)}, expected a string", "messages", i
        )


# --- tools (function calling) ----------------------------------------------------

MAX_TOOLS = 128
_TOOL_NAME = re.compile(r"[A-Za-z0-9_-]+")
_TOOL_NAME_MAX = 64
_TOOL_CHOICES = ("none", "auto", "required")
# DeepSeek's words, as its users reported them (V3.2 names the message; V4 does not).
MISSING_REASONING_V32 = (
    "Missing `reasoning_content` field in the assistant message at message index {index}. "
    "For more information, please refer to "
    "https://api-docs.deepseek.com/guides/thinking_mode#tool-calls"
)
MISSING_REASONING_V4 = (
    "The `reasoning_content` in the thinking mode must be passed back to the API."
)
THINKING_TOOL_CHOICE = "Thinking mode does not support this tool_choice"
TOOL_WITHOUT_CALL = (
    "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'"
)
CALL_WITHOUT_TOOL = (
    "An assistant message with 'tool_calls' must be followed by tool messages responding to "
    "each 'tool_call_id'. (insufficient tool messages following tool_calls message)"
)


def _check_assistant_tool_calls(raw: bytes, i: int, message: dict[str, Any]) -> None:
    calls = message.get("tool_calls")
    if calls is None:
        return
    where = ("messages", i)
    if not isinstance(calls, list):
        raise _deserialize(
            raw,
            f"messages[{i}].tool_calls: invalid type: {_kind(calls)}, expected a sequence",
            *where,
        )
    for j, call in enumerate(calls):
        at = f"messages[{i}].tool_calls[{j}]"
        if not isinstance(call, dict):
            raise _deserialize(raw, f"{at}: invalid type: {_kind(call)}, expected a map", *where)
        for field in ("id", "function"):
            if field not in call:
                raise _deserialize(raw, f"{at}: missing field `{field}`", *where)
        if not isinstance(call["id"], str):
            raise _deserialize(
                raw, f"{at}.id: invalid type: {_kind(call['id'])}, expected a string", *where
            )
        function = call["function"]
        if not isinstance(function, dict):
            raise _deserialize(
                raw, f"{at}.function: invalid type: {_kind(function)}, expected a map", *where
            )
        for field in ("name", "arguments"):
            if not isinstance(function.get(field), str):
                raise _deserialize(raw, f"{at}.function: missing field `{field}`", *where)


def _check_tools(raw: bytes, tools: Any) -> tuple[dict[str, Any], ...]:
    """The offered tools, checked as DeepSeek checks them (the name's pattern and the
    count were reported in its words; the length's follows them, unverified)."""
    if tools is None:
        return ()
    if not isinstance(tools, list):
        raise _deserialize(
            raw, f"tools: invalid type: {_kind(tools)}, expected a sequence", "tools"
        )
    if len(tools) > MAX_TOOLS:
        raise Rejected(
            400,
            f"Invalid 'tools': array too long. Expected an array with maximum length {MAX_TOOLS}, "
            f"but got an array with length {len(tools)} instead.",
        )
    for i, tool in enumerate(tools):
        where = ("tools", i)
        if not isinstance(tool, dict):
            raise _deserialize(
                raw, f"tools[{i}]: invalid type: {_kind(tool)}, expected a map", *where
            )
        if "function" not in tool:
            raise _deserialize(raw, f"tools[{i}]: missing field `function`", *where)
        function = tool["function"]
        if not isinstance(function, dict):
            raise _deserialize(
                raw, f"tools[{i}].function: invalid type: {_kind(function)}, expected a map", *where
            )
        name = function.get("name")
        if not isinstance(name, str):
            raise _deserialize(raw, f"tools[{i}].function: missing field `name`", *where)
        if not _TOOL_NAME.fullmatch(name):
            raise Rejected(
                400,
                f"Invalid 'tools[{i}].function.name': string does not match pattern. Expected a "
                "string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
            )
        if len(name) > _TOOL_NAME_MAX:
            raise Rejected(
                400,
                f"Invalid 'tools[{i}].function.name': string too long. Expected a string with "
                f"maximum length {_TOOL_NAME_MAX}, but got a string with length {len(name)} "
                "instead.",
            )
    return tuple(tools)


def _check_tool_choice(raw: bytes, choice: Any, *, thinking: bool) -> None:
    if choice is None or choice in ("none", "auto"):
        return
    named = isinstance(choice, dict) and choice.get("type") == "function"
    if choice != "required" and not named:
        what = f"unknown variant `{choice}`" if isinstance(choice, str) else _kind(choice)
        expected = ", ".join(f"`{c}`" for c in _TOOL_CHOICES)
        raise _deserialize(raw, f"tool_choice: {what}, expected one of {expected}", "tool_choice")
    if thinking:
        raise Rejected(400, THINKING_TOOL_CHOICE)


def _check_tool_messages(messages: list[dict[str, Any]]) -> None:
    """Each assistant message with `tool_calls` is followed by one `tool` message per
    call, and a `tool` message answers a call of the assistant message before it."""
    waiting: set[str] | None = None  # the ids the last tool-call message still waits for
    asked: set[str] = set()
    for message in messages:
        role = message["role"]
        if role == "tool":
            if message["tool_call_id"] not in asked:
                raise Rejected(400, TOOL_WITHOUT_CALL)
            if waiting is not None:
                waiting.discard(message["tool_call_id"])
            continue
        if waiting:
            raise Rejected(400, CALL_WITHOUT_TOOL)
        waiting = None
        asked = set()
        if role == "assistant" and message.get("tool_calls"):
            asked = {call["id"] for call in message["tool_calls"]}
            waiting = set(asked)
    if waiting:
        raise Rejected(400, CALL_WITHOUT_TOOL)


def _check_reasoning_passed_back(messages: list[dict[str, Any]], spec: ModelSpec) -> None:
    """Thinking mode: between two user messages where the model called tools, every
    assistant message carries its `reasoning_content` (DeepSeek's thinking-mode guide)."""
    turn: list[int] = []  # the assistant messages since the last user message

    def check(turn: list[int]) -> None:
        if not any(messages[i].get("tool_calls") for i in turn):
            return
        for i in turn:
            if not isinstance(messages[i].get("reasoning_content"), str):
                if spec.pass_back == "v3.2":
                    raise Rejected(400, MISSING_REASONING_V32.format(index=i))
                raise Rejected(400, MISSING_REASONING_V4)

    for i, message in enumerate(messages):
        if message["role"] == "user":
            check(turn)
            turn = []
        elif message["role"] == "assistant" and not message.get("prefix"):
            turn.append(i)
    check(turn)


def _check_model(raw: bytes, model: Any) -> ModelSpec:
    if not isinstance(model, str):
        raise _deserialize(raw, f"model: invalid type: {_kind(model)}, expected a string", "model")
    spec = MODELS.get(model)
    if spec is None:
        raise Rejected(400, "Model Not Exist")
    return spec


def _thinking(raw: bytes, value: Any, spec: ModelSpec) -> bool:
    enabled = spec.default_thinking
    if value is not None:
        if not isinstance(value, dict):
            raise _deserialize(
                raw, f"thinking: invalid type: {_kind(value)}, expected a map", "thinking"
            )
        kind = value.get("type")
        if kind not in ("enabled", "disabled"):
            what = f"unknown variant `{kind}`" if isinstance(kind, str) else _kind(kind)
            raise _deserialize(
                raw, f"thinking.type: {what}, expected `enabled` or `disabled`", "thinking"
            )
        enabled = kind == "enabled"
    return {"never": False, "always": True}.get(spec.thinking, enabled)


def _check_temperature(raw: bytes, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _deserialize(
            raw, f"temperature: invalid type: {_kind(value)}, expected f32", "temperature"
        )
    if not 0 <= value <= 2:
        raise Rejected(400, "Invalid temperature value, the valid range of temperature is [0, 2]")


def _check_max_tokens(raw: bytes, value: Any, spec: ModelSpec) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _deserialize(
            raw, f"max_tokens: invalid type: {_kind(value)}, expected u32", "max_tokens"
        )
    if not 1 <= value <= spec.max_tokens:
        valid = f"[1, {spec.max_tokens}]"
        raise Rejected(400, f"Invalid max_tokens value, the valid range of max_tokens is {valid}")
    return value


def _check_stop(raw: bytes, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return tuple(s for s in value if s)
    raise _deserialize(
        raw, f"stop: invalid type: {_kind(value)}, expected a string or a sequence", "stop"
    )


def _check_penalty(raw: bytes, field: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _deserialize(raw, f"{field}: invalid type: {_kind(value)}, expected f32", field)
    if not -2 <= value <= 2:
        # Worded as DeepSeek words the temperature range (this one was not captured).
        raise Rejected(400, f"Invalid {field} value, the valid range of {field} is [-2, 2]")


# V4 takes high and max; it maps low/medium to high and xhigh to max.
_EFFORTS = ("low", "medium", "high", "xhigh", "max")


def _check_reasoning_effort(raw: bytes, value: Any) -> None:
    if value is None or value in _EFFORTS:
        return
    what = f"unknown variant `{value}`" if isinstance(value, str) else _kind(value)
    expected = ", ".join(f"`{e}`" for e in _EFFORTS)
    raise _deserialize(
        raw, f"reasoning_effort: {what}, expected one of {expected}", "reasoning_effort"
    )


def _check_response_format(
    raw: bytes, value: Any, messages: list[dict[str, Any]], spec: ModelSpec
) -> bool:
    """Whether JSON mode is asked for; DeepSeek's refusals when it cannot be."""
    if value is None:
        return False
    if not isinstance(value, dict):
        raise _deserialize(
            raw, f"response_format: invalid type: {_kind(value)}, expected a map", "response_format"
        )
    kind = value.get("type")
    if kind == "text":
        return False
    if kind == "json_schema":
        raise Rejected(400, "This response_format type is unavailable now")
    if kind != "json_object":
        what = f"unknown variant `{kind}`" if isinstance(kind, str) else _kind(kind)
        raise _deserialize(
            raw,
            f"response_format.type: {what}, expected one of `text`, `json_object`, `json_schema`",
            "response_format",
        )
    if spec.strict_history:
        raise Rejected(400, f"{spec.name} does not support Json Output.")
    if not any("json" in str(m.get("content") or "").lower() for m in messages):
        raise Rejected(
            400,
            "Prompt must contain the word 'json' in some form to use 'response_format' of "
            "type 'json_object'.",
        )
    return True


def _reject_logprobs(body: dict[str, Any], spec: ModelSpec) -> None:
    # Thinking mode ignores temperature & co. silently but refuses these two.
    for field in ("logprobs", "top_logprobs"):
        if body.get(field) not in (None, False):
            raise Rejected(400, f"{spec.name} does not support the parameter `{field}`")


def _check_prefix(messages: list[dict[str, Any]], *, beta: bool) -> bool:
    """Whether the request asks for prefix completion (last message an assistant prefix)."""
    if not any(m.get("prefix") for m in messages):
        return False
    if not beta:
        raise Rejected(400, f"prefix is only available when using beta api ({_BETA_URL})")
    last = messages[-1]
    return last.get("role") == "assistant" and bool(last.get("prefix"))


def _check_r1_history(messages: list[dict[str, Any]], model: str, *, prefix: bool) -> None:
    """The R1-era rules: no reasoning_content, system first, user/assistant interleaved."""
    if any("reasoning_content" in m for m in messages):
        raise Rejected(
            400,
            "The reasoning_content is an intermediate result for display purposes only and "
            "will not be included in the context for inference. Please remove the "
            "reasoning_content from your message to reduce network traffic.",
        )
    roles = [m["role"] for m in messages]
    seen_other = False
    for role in roles:
        if role == "system" and seen_other:
            raise Rejected(
                400,
                f"The system message of {model} must be put on the beginning of the "
                "message sequence",
            )
        seen_other = seen_other or role != "system"
    rest = [(i, role) for i, role in enumerate(roles) if role != "system"]
    if rest and rest[0][1] != "user":
        article = "an" if rest[0][1][0] in "aeiou" else "a"
        raise Rejected(
            400,
            f"The first message (except the system message) of {model} must be a user "
            f"message, but {article} {rest[0][1]} message detected.",
        )
    for (i, first), (j, second) in itertools.pairwise(rest):
        if first == second and first in ("user", "assistant"):
            raise Rejected(
                400,
                f"{model} does not support successive user or assistant messages "
                f"(messages[{i}] and messages[{j}] in your input). You should interleave "
                "the user/assistant messages in the message sequence.",
            )
    if roles[-1] != "user" and not prefix:
        raise Rejected(
            400,
            f"The last message of {model} must be a user message, or an assistant message "
            "with prefix mode on (refer to "
            "https://api-docs.deepseek.com/guides/chat_prefix_completion).",
        )


def check_context(request: ChatRequest, prompt_tokens: int, window: int | None = None) -> None:
    """DeepSeek's 400 when the messages plus the answer's room (max_tokens, 4096 when
    not sent) exceed the model's window; `window` overrides the model's."""
    window = window or CONTEXT_WINDOWS.get(request.model, CONTEXT_WINDOW)
    completion = request.max_tokens or DEFAULT_ANSWER_ROOM
    if prompt_tokens + completion > window:
        raise Rejected(
            400,
            f"This model's maximum context length is {window} tokens. However, you "
            f"requested {prompt_tokens + completion} tokens ({prompt_tokens} in the messages, "
            f"{completion} in the completion). Please reduce the length of the messages or "
            "completion.",
        )
