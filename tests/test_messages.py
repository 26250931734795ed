"""The message record: one list of fields, written and read by the store as it is."""

from __future__ import annotations

from dataclasses import fields

from deepseek_tui.api.events import FinishReason, Usage
from deepseek_tui.attachments import Attachment
from deepseek_tui.messages import Message, MessageDraft, MessageFields, MessageUpdate
from deepseek_tui.store import Store

# A question: only questions' attachments are read back (answers carry none).
EVERY_FIELD = MessageDraft(
    "user",
    "the answer",
    reasoning="the thought",
    model="deepseek-reasoner",
    thinking=True,
    finish_reason=FinishReason.LENGTH,
    usage=Usage(10, 20, 30, 5, 4, 6),
    cost=0.25,
    error="cut short",
    reasoning_seconds=12.5,
    attachments=(Attachment("a.txt", 3, "00" * 32, "abc"),),
)


def _said(message: MessageFields) -> dict[str, object]:
    return {field.name: getattr(message, field.name) for field in fields(MessageFields)}


def test_every_field_of_a_draft_is_saved_and_read_back() -> None:
    # A field added to the record without its column (or a migration) fails here.
    store = Store.memory()
    _, saved = store.start_conversation("t", EVERY_FIELD)
    assert _said(saved) == _said(EVERY_FIELD)
    assert store.messages(saved.conversation_id) == [saved]


def test_an_update_sets_its_fields_and_leaves_the_others() -> None:
    store = Store.memory()
    _, saved = store.start_conversation("t", EVERY_FIELD)
    update = MessageUpdate(content="longer answer", finish_reason=FinishReason.STOP)
    store.update_message(saved.id, update)
    stored = store.get_message(saved.id)
    assert isinstance(stored, Message)
    assert _said(stored) == _said(saved.updated(update))
    assert stored.content == "longer answer" and stored.reasoning == "the thought"


def test_an_update_names_only_fields_of_the_record() -> None:
    record = {field.name for field in fields(MessageFields)}
    assert {field.name for field in fields(MessageUpdate)} <= record
    assert MessageUpdate.from_message(EVERY_FIELD).changes()["error"] == "cut short"
