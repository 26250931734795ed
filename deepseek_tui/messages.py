"""The message record, as the store keeps it and the session holds it: one list of
fields, so a new one is added here (and in a migration) and nowhere else.

`Message` is a saved row; `MessageDraft` a message without a row (not saved yet: no
store, or the save failed); `MessageUpdate` what changes while an answer streams.
The store writes and reads them field by field (`store._columns`, `store._message`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Self

from deepseek_tui.api.events import FinishReason, ToolCall, Usage
from deepseek_tui.attachments import Attachment

# How a tool call ended (`ToolRun.status`).
TOOL_STATUSES = ("done", "failed", "denied", "interrupted", "stopped")


@dataclass(frozen=True, slots=True)
class ToolRun:
    """What came of one tool call, saved with its `tool` message. The message's `content` is
    what the model was sent (maybe cut); `output` the whole result."""

    server: str | None  # None: the model named a tool no server has
    tool: str  # the tool's own name on its server (or the wire name if unknown)
    status: str  # "done" | "failed" | "denied" | "interrupted" | "stopped"
    output: str = ""
    seconds: float | None = None
    cut: bool = False  # the model was sent less than `output`
    arguments: str = ""  # as the model wrote them

    def to_json(self) -> str:
        """The run as one JSON object (its column, exports): key order fixed."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: object) -> ToolRun | None:
        """A run from its JSON object; None when it is not one (a damaged row or file)."""
        if not isinstance(data, dict):
            return None
        server, tool, status = data.get("server"), data.get("tool"), data.get("status")
        seconds = data.get("seconds")
        if not (server is None or isinstance(server, str)) or not isinstance(tool, str):
            return None
        if not isinstance(status, str):
            return None
        if isinstance(seconds, bool) or not (seconds is None or isinstance(seconds, int | float)):
            seconds = None
        output, arguments = data.get("output", ""), data.get("arguments", "")
        return cls(
            server,
            tool,
            status,
            output=output if isinstance(output, str) else "",
            seconds=seconds,
            cut=data.get("cut") is True,
            arguments=arguments if isinstance(arguments, str) else "",
        )

    @classmethod
    def from_json(cls, text: str | None) -> ToolRun | None:
        if not text:
            return None
        try:
            return cls.from_dict(json.loads(text))
        except ValueError:
            return None


def tool_calls_json(calls: tuple[ToolCall, ...]) -> str:
    """Calls as their column holds them: the JSON text of `[call.to_wire(), …]`."""
    return json.dumps([call.to_wire() for call in calls], ensure_ascii=False)


def tool_calls_from_wire(data: object) -> tuple[ToolCall, ...]:
    """Calls from `[call.to_wire(), …]` (a column, an export); what is not a call is left out."""
    calls: list[ToolCall] = []
    for item in data if isinstance(data, list) else ():
        function = item.get("function") if isinstance(item, dict) else None
        if not isinstance(function, dict):
            continue
        call_id, name = item.get("id"), function.get("name")
        arguments = function.get("arguments", "")
        if isinstance(call_id, str) and isinstance(name, str):
            calls.append(ToolCall(call_id, name, arguments if isinstance(arguments, str) else ""))
    return tuple(calls)


def tool_calls_from_json(text: str | None) -> tuple[ToolCall, ...]:
    if not text:
        return ()
    try:
        return tool_calls_from_wire(json.loads(text))
    except ValueError:
        return ()


@dataclass(frozen=True, slots=True)
class MessageFields:
    """What a message says, saved or not. Its fields are the `messages` columns of
    the same name, except `usage` (six token columns) and `attachments` (a table)."""

    role: str
    content: str = ""
    reasoning: str | None = None
    model: str | None = None
    thinking: bool | None = None
    finish_reason: FinishReason | str | None = None
    usage: Usage | None = None
    cost: float | None = None
    error: str | None = None
    # How long the model thought before answering ("Thought for 12 s").
    reasoning_seconds: float | None = None
    # Only questions carry files: the text as sent, apart from what was typed.
    attachments: tuple[Attachment, ...] = ()
    # An answer that ended to call tools (`finish_reason` tool_calls): the calls.
    tool_calls: tuple[ToolCall, ...] = ()
    # A `tool` message: the call it answers, and what came of it.
    tool_call_id: str | None = None
    tool: ToolRun | None = None

    def updated(self, update: MessageUpdate) -> Self:
        """This message with what `update` sets (its None fields leave a field alone)."""
        return replace(self, **update.changes())


@dataclass(frozen=True, slots=True)
class MessageDraft(MessageFields):
    """A message that has no row: about to be added, an import's, or kept in memory
    (`--no-save`, a save that failed). `created_at` None: the time it is saved."""

    created_at: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Message(MessageFields):
    """A saved message: its row, its place in the conversation's tree, its times
    (the store's format: `timestamps.iso`)."""

    id: int
    conversation_id: str
    parent_id: int | None
    created_at: str
    updated_at: str
    # Characters of reasoning past `reasoning` that only the row holds: an answer
    # whose reasoning grew past `session.pieces.KEPT_CHARS` as it streamed (its
    # reply let go of what was saved). 0 for a message read from the store.
    reasoning_cut: int = 0

    @property
    def unfinished(self) -> bool:
        """An answer whose stream never ended (the process was killed)."""
        return self.role == "assistant" and self.finish_reason is None


@dataclass(frozen=True, slots=True)
class MessageUpdate:
    """What changes while an answer streams, and at its end; None leaves a field as
    it is. Every field is one of `MessageFields` (tests/test_messages.py)."""

    content: str | None = None
    reasoning: str | None = None
    finish_reason: FinishReason | str | None = None
    usage: Usage | None = None
    cost: float | None = None
    error: str | None = None
    reasoning_seconds: float | None = None
    tool_calls: tuple[ToolCall, ...] | None = None

    @classmethod
    def from_message(cls, message: MessageFields) -> MessageUpdate:
        """The update that brings a row to what `message` says (a message kept in
        memory when its save failed, saved again later)."""
        update = cls(**{field.name: getattr(message, field.name) for field in fields(cls)})
        # A reasoning held cut is not written over the whole one the row holds.
        return replace(update, reasoning=None) if getattr(message, "reasoning_cut", 0) else update

    def changes(self) -> dict[str, Any]:
        """The fields this update sets, by name."""
        return {
            field.name: value
            for field in fields(self)
            if (value := getattr(self, field.name)) is not None
        }
