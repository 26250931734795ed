"""When the emulator answers with tool calls, and what it says once their results are in.

The model here is a few plain rules, so the demo and the tests know what comes:

- Only when the request offers `tools` (and the model makes tool calls: not R1).
- `call tool NAME {json}` in the last user message calls NAME with that JSON, written
  as it is (valid or not: `{"sides": 6` goes out as it is); without `{…}` the
  arguments are `{}`. NAME is called whether it is offered or not (models do invent
  names). Several `call tool …` in one message are calls of one answer; a `then`
  between them starts the next round (the answer after the first results).
  `keep calling tool NAME {json}` calls it again in every round, never answering.
- Otherwise the question names a tool: its wire name, or its own name (after the
  last `__`) when that has a `_` or `-` in it (`count_words`, not `time`); or says
  "what time" / "the time" (a tool with "time" in its name), "roll" / "dice" ("roll"
  or "dice"), "count words" / "word count" ("word"), "use the tool" / "use a tool"
  (the first tool). Its required arguments are filled from the question: a string
  with the quoted text (else the whole question), a number with the first number in
  it (else 6), a boolean with true; dice written as `3d20` or `d20` also fill whole
  numbers named like sides and count. A sentence comes before the call.
- Once a round's results are in (the last message is a `tool` message) and no round
  is left, the answer is text that quotes each result.
"""

from __future__ import annotations

import json
import random
import re
import string
from dataclasses import dataclass
from typing import Any

__all__ = ["PlannedCall", "ToolPlan", "plan_tools"]

_CALL = re.compile(r"\b(keep calling|call) tool ([A-Za-z0-9_.:-]{1,128})", re.IGNORECASE)
_THEN = re.compile(r"\bthen\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“]([^\"”]+)[\"”]")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DICE = re.compile(r"\b(\d*)d(\d+)\b", re.IGNORECASE)
# Phrases that ask for a kind of tool, and what its name holds.
_ASKS = (
    (re.compile(r"\bwhat time\b|\bthe time\b", re.IGNORECASE), ("time",)),
    (re.compile(r"\broll\b|\bdice\b|\bdie\b", re.IGNORECASE), ("roll", "dice")),
    (re.compile(r"\bcount (the )?words\b|\bword count\b", re.IGNORECASE), ("word",)),
)
_ANY_TOOL = re.compile(r"\buse (the|a) tool\b", re.IGNORECASE)
_ID_CHARS = string.ascii_letters + string.digits
# What of a tool result the answer quotes (a result may be long).
_QUOTE_LIMIT = 2000


@dataclass(frozen=True)
class PlannedCall:
    name: str
    arguments: str


@dataclass(frozen=True)
class ToolPlan:
    """What the answer is: these calls (with `text` before them), or, when `calls` is
    empty, `text` as the whole answer (the results are in). `reasoning` is what a
    thinking model thinks first."""

    calls: tuple[PlannedCall, ...]
    text: str
    reasoning: str


def call_id(index: int, seed: str) -> str:
    """DeepSeek's id shape, `call_00_` and 22 letters and digits."""
    rng = random.Random(f"{seed}:{index}")
    return f"call_{index:02d}_" + "".join(rng.choice(_ID_CHARS) for _ in range(22))


def plan_tools(
    messages: list[dict[str, Any]], tools: tuple[dict[str, Any], ...]
) -> ToolPlan | None:
    """The answer to give, or None when tools play no part (the usual reply applies)."""
    if not tools or not messages or messages[-1].get("role") not in ("user", "tool"):
        return None
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    if last_user is None:
        return None
    question = messages[last_user].get("content")
    question = question if isinstance(question, str) else ""
    since = messages[last_user + 1 :]
    done = sum(1 for m in since if m.get("role") == "assistant" and m.get("tool_calls"))
    rounds, forever = _rounds(question)
    if rounds:
        if forever or done < len(rounds):
            calls = rounds[min(done, len(rounds) - 1)]
            return ToolPlan(calls, "", _thinking_about(calls))
        return _answer(since)
    if done:
        return _answer(since)
    named = _asked_for(question, tools)
    if named is None:
        return None
    call = PlannedCall(_name(named), _arguments_for(named, question))
    text = f"Let me use the `{call.name}` tool."
    return ToolPlan((call,), text, _thinking_about((call,)))


def _rounds(question: str) -> tuple[list[tuple[PlannedCall, ...]], bool]:
    """The `call tool` rounds the question spells out, and whether to keep calling."""
    rounds: list[tuple[PlannedCall, ...]] = []
    forever = False
    for part in _THEN.split(question):
        calls = []
        for found in _CALL.finditer(part):
            forever = forever or found[1].lower() == "keep calling"
            calls.append(PlannedCall(found[2], _written_arguments(part, found.end())))
        if calls:
            rounds.append(tuple(calls))
    return rounds, forever


def _written_arguments(text: str, at: int) -> str:
    """The JSON written after a tool's name, as written; `{}` when there is none."""
    rest = text[at:].lstrip(" \t")
    if not rest.startswith("{"):
        return "{}"
    try:
        _, end = json.JSONDecoder().raw_decode(rest)
    except ValueError:
        # Not JSON: up to the first "}" or the line's end, as a model might write it.
        close = rest.find("}")
        line = rest.split("\n", 1)[0]
        return rest[: close + 1] if 0 <= close < len(line) else line.rstrip()
    return rest[:end]


def _name(tool: dict[str, Any]) -> str:
    return str(tool["function"]["name"])


def _asked_for(question: str, tools: tuple[dict[str, Any], ...]) -> dict[str, Any] | None:
    for tool in tools:
        name = _name(tool)
        own = name.rsplit("__", 1)[-1]
        candidates = [name] + ([own] if own != name and re.search(r"[_-]", own) else [])
        for candidate in candidates:
            if re.search(rf"(?<![\w-]){re.escape(candidate)}(?![\w-])", question, re.IGNORECASE):
                return tool
    for phrase, parts in _ASKS:
        if phrase.search(question):
            for tool in tools:
                if any(part in _name(tool).lower() for part in parts):
                    return tool
    if _ANY_TOOL.search(question):
        return tools[0]
    return None


def _arguments_for(tool: dict[str, Any], question: str) -> str:
    """The tool's required arguments, filled from the question."""
    parameters = tool["function"].get("parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    properties = parameters.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    required = parameters.get("required")
    required = required if isinstance(required, list) else []
    quoted = _QUOTED.search(question)
    number = _NUMBER.search(question)
    values: dict[str, Any] = {}
    if dice := _DICE.search(question):
        for key, schema in properties.items():
            kind = schema.get("type") if isinstance(schema, dict) else None
            if kind == "integer" and key in ("sides", "faces"):
                values[key] = int(dice[2])
            elif kind == "integer" and key in ("count", "dice", "number") and dice[1]:
                values[key] = int(dice[1])
    for key in required:
        if key in values:
            continue
        schema = properties.get(key)
        kind = schema.get("type") if isinstance(schema, dict) else "string"
        if kind in ("integer", "number"):
            value: Any = float(number[0]) if number else 6
            values[key] = int(value) if kind == "integer" else value
        elif kind == "boolean":
            values[key] = True
        elif kind == "string":
            values[key] = quoted[1] if quoted else question
    return json.dumps(values, ensure_ascii=False)


def _thinking_about(calls: tuple[PlannedCall, ...]) -> str:
    names = ", ".join(f"`{call.name}`" for call in calls)
    return (
        f"The user wants a tool's answer, so I will call {names}. "
        "Let me write the arguments as JSON."
    )


def _answer(since: list[dict[str, Any]]) -> ToolPlan:
    """Text that quotes the results of the last round."""
    names: dict[str, str] = {}
    results: list[tuple[str, str]] = []
    for message in since:
        if message.get("role") == "assistant":
            for call in message.get("tool_calls") or ():
                names[call["id"]] = call["function"]["name"]
            results = []
        elif message.get("role") == "tool":
            content = message.get("content")
            text = content if isinstance(content, str) else ""
            if len(text) > _QUOTE_LIMIT:
                text = text[: _QUOTE_LIMIT - 1] + "…"
            results.append((names.get(message["tool_call_id"], "the tool"), text))
    if len(results) == 1:
        name, text = results[0]
        answer = f"The `{name}` tool says: {text}"
    else:
        lines = "\n".join(f"- `{name}`: {text}" for name, text in results)
        answer = f"The tools say:\n\n{lines}"
    reasoning = "The results are in. I will answer with what the tools said."
    return ToolPlan((), answer, reasoning)
