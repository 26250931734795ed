"""The message record, as the store keeps it and the session holds it: one list of
fields, so a new one is added here (and in a migration) and nowhere else.

`Message` is a saved row; `MessageDraft` a message without a row (not saved yet: no
store, or the save failed); `MessageUpdate` what changes while an answer streams.
The store writes and reads them field by field (`store._columns`, `store._message`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Self

from deepseek_tui.api.events import FinishReason, Usage
from deepseek_tui.attachments import Attachment


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

    @classmethod
    def from_message(cls, message: MessageFields) -> MessageUpdate:
        """The update that brings a row to what `message` says (a message kept in
        memory when its save failed, saved again later)."""
        return cls(**{field.name: getattr(message, field.name) for field in fields(cls)})

    def changes(self) -> dict[str, Any]:
        """The fields this update sets, by name."""
        return {
            field.name: value
            for field in fields(self)
            if (value := getattr(self, field.name)) is not None
        }
