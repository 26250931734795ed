"""The message record: one list of fields, written and read by the store as it is."""

from __future__ import annotations

import json
from dataclasses import fields

from deepseek_tui.api.events import FinishReason, ToolCall, Usage
from deepseek_tui.attachments import Attachment
from deepseek_tui.messages import Message, MessageDraft, MessageFields, MessageUpdate, ToolRun
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
    # Not together on one real message; the store keeps each field all the same.
    tool_calls=(ToolCall("call_00_a", "demo__time", '{"tz": "UTC"}'), ToolCall("call_01_b", "x")),
    tool_call_id="call_00_a",
    tool=ToolRun("demo", "time", "done", "12:00 — 全", 0.25, cut=True, arguments='{"tz":1}'),
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


def test_tool_calls_are_kept_as_the_wire_text_of_the_calls() -> None:
    # Sent back byte-identically from the row: the prefix cache hits.
    store = Store.memory()
    _, saved = store.start_conversation("t", EVERY_FIELD)
    row = store._db.execute("SELECT tool_calls FROM messages WHERE id = ?", (saved.id,))
    (text,) = row.fetchone()
    assert json.loads(text) == [call.to_wire() for call in EVERY_FIELD.tool_calls]
    assert text == json.dumps([call.to_wire() for call in saved.tool_calls], ensure_ascii=False)


def test_an_update_sets_the_tool_calls_of_an_answer() -> None:
    store = Store.memory()
    _, saved = store.start_conversation("t", MessageDraft("assistant", ""))
    assert saved.tool_calls == () and saved.tool is None
    calls = (ToolCall("call_00_a", "demo__time", "{}"),)
    store.update_message(saved.id, MessageUpdate(tool_calls=calls, finish_reason="tool_calls"))
    stored = store.get_message(saved.id)
    assert stored is not None and stored.tool_calls == calls


def test_a_damaged_tool_column_reads_as_none() -> None:
    assert ToolRun.from_json("{not json") is None
    assert ToolRun.from_json('{"tool": 1, "status": "done"}') is None
