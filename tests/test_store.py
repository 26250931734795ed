"""The SQLite store: schema, messages, branches, bad files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from deepseek_tui.api.events import Usage
from deepseek_tui.store import SCHEMA_VERSION, Store, StoreError


def test_a_conversation_with_messages_round_trips(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "c.db")
    conversation = store.create_conversation("First")
    user = store.add_message(conversation.id, "user", "hi")
    answer = store.add_message(
        conversation.id,
        "assistant",
        "",
        parent_id=user.id,
        model="deepseek-reasoner",
        thinking=True,
    )
    assert answer.unfinished
    usage = Usage(10, 20, 30, 5, 4, 6)
    store.update_message(
        answer.id, content="hello", reasoning="hmm", finish_reason="stop", usage=usage
    )
    stored = store.messages(conversation.id)
    assert [m.content for m in stored] == ["hi", "hello"]
    assert stored[1].reasoning == "hmm" and stored[1].usage == usage
    assert stored[1].thinking is True and not stored[1].unfinished
    store.close()
    again = Store.open(tmp_path / "c.db")
    assert again.last_conversation() == store_conversation(again, conversation.id)
    assert again.find_conversation(conversation.id[:8]).id == conversation.id
    again.close()


def store_conversation(store: Store, conversation_id: str):
    return store.get_conversation(conversation_id)


def test_schema_version_and_wal(tmp_path: Path) -> None:
    Store.open(tmp_path / "c.db").close()
    db = sqlite3.connect(tmp_path / "c.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_the_newest_branch_is_followed(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "c.db")
    conversation = store.create_conversation()
    user = store.add_message(conversation.id, "user", "q")
    store.add_message(conversation.id, "assistant", "first answer", parent_id=user.id)
    store.add_message(conversation.id, "assistant", "second answer", parent_id=user.id)
    assert [m.content for m in store.messages(conversation.id)] == ["q", "second answer"]


def test_a_file_that_is_not_a_database_is_reported_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == before


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer"):
        Store.open(path)


def test_two_stores_write_to_one_file(tmp_path: Path) -> None:
    first, second = Store.open(tmp_path / "c.db"), Store.open(tmp_path / "c.db")
    a = first.create_conversation("a")
    b = second.create_conversation("b")
    for i in range(20):
        first.add_message(a.id, "user", f"a{i}")
        second.add_message(b.id, "user", f"b{i}")
    assert len(first.messages(b.id)) == 20 and len(second.messages(a.id)) == 20
