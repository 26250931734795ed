"""Reading an export back: checks a file in the JSON export format and turns it
into the store's plain values (`NewConversation`), naming every problem it finds."""

from __future__ import annotations

import json
from typing import Any

from deepseek_tui.api.events import FinishReason, Usage
from deepseek_tui.attachments import Attachment
from deepseek_tui.messages import MessageDraft, ToolRun, tool_calls_from_wire
from deepseek_tui.store import NewConversation
from deepseek_tui.timestamps import iso, parse_time

ROLES = ("user", "assistant", "system", "tool")
USAGE_FIELDS = (
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "reasoning_tokens",
    "prompt_cache_hit_tokens",
    "prompt_cache_miss_tokens",
)
# More than this many problems in one file only hides the first ones.
MAX_PROBLEMS = 20


class InvalidExport(ValueError):
    """The file is not an export we can import. `str()` finishes a sentence that
    starts with the file's name ("chat.json is not valid JSON (…)"); `problems`
    lists every problem found, one sentence each."""

    def __init__(self, reason: str, problems: list[str] | None = None) -> None:
        super().__init__(reason)
        self.problems = problems or []


def load_export(raw: bytes) -> NewConversation:
    """The conversation in an export file's bytes; raises `InvalidExport`."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidExport("is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise InvalidExport(
            f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except RecursionError:
        raise InvalidExport("is nested too deeply to be an export") from None
    return parse_export(data)


def parse_export(data: Any) -> NewConversation:
    """The conversation in decoded export JSON; raises `InvalidExport` naming the
    first problem (and how many more there are)."""
    problems = validate_export(data)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidExport(
            f"is not a deepseek-tui export: {problems[0].rstrip('.')}{more}", problems
        )
    return NewConversation(
        id=data.get("id"),
        title=data.get("title") or "",
        created_at=normalize_timestamp(data["created_at"]),
        updated_at=normalize_timestamp(data["updated_at"]),
        messages=tuple(
            MessageDraft(
                role=message["role"],
                content=message["content"],
                created_at=normalize_timestamp(message["created_at"]),
                reasoning=message.get("reasoning_content"),
                model=message.get("model"),
                finish_reason=_finish_reason(message.get("finish_reason")),
                usage=usage_from_json(message.get("usage")),
                attachments=tuple(
                    Attachment(a["name"], a["size"], a["sha256"], a["text"])
                    for a in message.get("attachments") or ()
                ),
                tool_calls=tool_calls_from_wire(message.get("tool_calls")),
                tool_call_id=message.get("tool_call_id"),
                tool=ToolRun.from_dict(message.get("tool")),
            )
            for message in data["messages"]
        ),
    )


def normalize_timestamp(text: str) -> str:
    """An ISO-8601 time as the store keeps it: UTC, milliseconds, `Z`.

    A time without a zone is taken as UTC. Raises ValueError when `text` is not
    a time. The store's own stamps come back unchanged, so exports round-trip.
    """
    try:
        return iso(parse_time(text))
    except OverflowError as error:  # year 1 with a positive offset, and the like
        raise ValueError(f"{text!r} is out of range") from error


def usage_from_json(value: Any) -> Usage | None:
    """The usage object of an exported message (missing counts are 0)."""
    if not isinstance(value, dict):
        return None
    counts = {name: value[name] for name in USAGE_FIELDS if _is_count(value.get(name))}
    counts.setdefault(
        "total_tokens", counts.get("prompt_tokens", 0) + counts.get("completion_tokens", 0)
    )
    return Usage(**counts)


def validate_export(data: Any) -> list[str]:
    """What is wrong with `data` as an export (empty when it can be imported).

    Each problem is one sentence naming the field, e.g. `messages[2].role`.
    Unknown fields are ignored, so a newer export still imports.
    """
    if isinstance(data, list):
        return [
            "Expected one conversation (a JSON object, as `export --format json` writes), "
            "found a list."
        ]
    if not isinstance(data, dict):
        return [f"Expected one conversation (a JSON object), found {_kind(data)}."]
    problems: list[str] = []
    conversation_id = data.get("id")
    if conversation_id is not None and (
        not _is_text(conversation_id) or not conversation_id.strip()
    ):
        problems.append(f"id must be a non-empty string, not {_show(conversation_id)}.")
    if data.get("title") is not None and not _is_text(data["title"]):
        problems.append(f"title must be text, not {_show(data['title'])}.")
    for name in ("created_at", "updated_at"):
        problems += _timestamp_problems(data, name, name)
    messages = data.get("messages")
    if messages is None:
        problems.append("messages is missing (a list of messages).")
    elif not isinstance(messages, list):
        problems.append(f"messages must be a list, not {_show(messages)}.")
    else:
        for index, message in enumerate(messages):
            problems += _message_problems(message, f"messages[{index}]")
            if len(problems) >= MAX_PROBLEMS:
                break
    return problems[:MAX_PROBLEMS]


def _finish_reason(value: str | None) -> FinishReason | str | None:
    return None if value is None else FinishReason.parse(value)


def _message_problems(message: Any, where: str) -> list[str]:
    if not isinstance(message, dict):
        return [f"{where} must be an object, not {_show(message)}."]
    problems: list[str] = []
    role = message.get("role")
    if role not in ROLES:
        if role is None:
            problems.append(f"{where}.role is missing (one of {', '.join(ROLES)}).")
        else:
            problems.append(f"{where}.role must be one of {', '.join(ROLES)}, not {_show(role)}.")
    if "content" not in message:
        problems.append(f"{where}.content is missing.")
    elif not _is_text(message["content"]):
        problems.append(f"{where}.content must be text, not {_show(message['content'])}.")
    for name in ("reasoning_content", "model", "finish_reason"):
        value = message.get(name)
        if value is not None and not _is_text(value):
            problems.append(f"{where}.{name} must be text or null, not {_show(value)}.")
    usage = message.get("usage")
    if usage is not None:
        if not isinstance(usage, dict):
            problems.append(f"{where}.usage must be an object or null, not {_show(usage)}.")
        else:
            for name in USAGE_FIELDS:
                if name in usage and not _is_count(usage[name]):
                    problems.append(
                        f"{where}.usage.{name} must be a whole number ≥ 0, "
                        f"not {_show(usage[name])}."
                    )
    problems += _timestamp_problems(message, "created_at", f"{where}.created_at")
    problems += _attachments_problems(message.get("attachments"), f"{where}.attachments")
    problems += _tool_calls_problems(message.get("tool_calls"), f"{where}.tool_calls")
    call_id = message.get("tool_call_id")
    if call_id is not None and not _is_text(call_id):
        problems.append(f"{where}.tool_call_id must be text or null, not {_show(call_id)}.")
    problems += _tool_problems(message.get("tool"), f"{where}.tool")
    return problems


def _tool_calls_problems(calls: Any, where: str) -> list[str]:
    """`tool_calls` as the wire has them: `[{"id", "type": "function", "function":
    {"name", "arguments"}}, …]`."""
    if calls is None:
        return []
    if not isinstance(calls, list):
        return [f"{where} must be a list or null, not {_show(calls)}."]
    problems: list[str] = []
    for index, call in enumerate(calls):
        here = f"{where}[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            problems.append(f"{here} must be a call object with a function, not {_show(call)}.")
            continue
        if not _is_text(call.get("id")):
            problems.append(f"{here}.id must be text, not {_show(call.get('id'))}.")
        for name in ("name", "arguments"):
            if not _is_text(function.get(name)):
                problems.append(
                    f"{here}.function.{name} must be text, not {_show(function.get(name))}."
                )
    return problems


def _tool_problems(run: Any, where: str) -> list[str]:
    """What came of a call (`ToolRun`'s fields)."""
    if run is None:
        return []
    if not isinstance(run, dict):
        return [f"{where} must be an object or null, not {_show(run)}."]
    problems: list[str] = []
    for name in ("tool", "status"):
        if not _is_text(run.get(name)):
            problems.append(f"{where}.{name} must be text, not {_show(run.get(name))}.")
    for name in ("server",):
        if run.get(name) is not None and not _is_text(run[name]):
            problems.append(f"{where}.{name} must be text or null, not {_show(run[name])}.")
    for name in ("output", "arguments"):
        if name in run and not _is_text(run[name]):
            problems.append(f"{where}.{name} must be text, not {_show(run[name])}.")
    seconds = run.get("seconds")
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0
    ):
        problems.append(f"{where}.seconds must be a number ≥ 0 or null, not {_show(seconds)}.")
    if "cut" in run and not isinstance(run["cut"], bool):
        problems.append(f"{where}.cut must be true or false, not {_show(run['cut'])}.")
    return problems


def _attachments_problems(attachments: Any, where: str) -> list[str]:
    if attachments is None:
        return []
    if not isinstance(attachments, list):
        return [f"{where} must be a list or null, not {_show(attachments)}."]
    problems: list[str] = []
    for index, attachment in enumerate(attachments):
        here = f"{where}[{index}]"
        if not isinstance(attachment, dict):
            problems.append(f"{here} must be an object, not {_show(attachment)}.")
            continue
        for name in ("name", "sha256", "text"):
            if not _is_text(attachment.get(name)):
                problems.append(f"{here}.{name} must be text, not {_show(attachment.get(name))}.")
        if not _is_count(attachment.get("size")):
            problems.append(
                f"{here}.size must be a whole number ≥ 0, not {_show(attachment.get('size'))}."
            )
    return problems


def _timestamp_problems(container: dict[str, Any], key: str, where: str) -> list[str]:
    value = container.get(key)
    if value is None:
        return [f'{where} is missing (a time such as "2026-11-23T09:00:00Z").']
    if not _is_text(value):
        return [f"{where} must be a time as text, not {_show(value)}."]
    try:
        normalize_timestamp(value)
    except ValueError:
        return [f'{where} is not an ISO-8601 time like "2026-11-23T09:00:00Z": {_show(value)}.']
    return []


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def _is_text(value: Any) -> bool:
    """A string SQLite can store: JSON's "\\ud800" escapes make lone surrogates."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    if value is None:
        return "null"
    return names.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    if isinstance(value, str):
        if not _is_text(value):
            return "text with an invalid character (a lone surrogate)"
        shown = value if len(value) <= 40 else value[:39] + "…"
        return repr(shown)
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "a list"
    return "null" if value is None else repr(value)
