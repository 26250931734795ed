"""Every earlier schema opens: databases made by each shipped version are upgraded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from deepseek_tui import store as store_module
from deepseek_tui.api.events import Usage
from deepseek_tui.messages import MessageDraft, MessageUpdate
from deepseek_tui.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError


def database_at(path: Path, version: int) -> sqlite3.Connection:
    """A database exactly as deepseek-tui at schema `version` left it."""
    db = sqlite3.connect(path)
    for step in range(1, version + 1):
        db.executescript(MIGRATIONS[step])
        db.execute(f"PRAGMA user_version = {step}")
    db.commit()
    return db


def fill_v1(db: sqlite3.Connection) -> None:
    """Rows as the v1 store wrote them: a branch, reasoning, usage, an unfinished answer."""
    db.executescript(
        """
        INSERT INTO conversations (id, title, created_at, updated_at, pinned)
        VALUES ('c1', 'Old chat', '2026-01-01T09:00:00.000Z', '2026-01-01T09:10:00.000Z', 1),
               ('c2', 'Other', '2026-01-02T09:00:00.000Z', '2026-01-02T09:00:00.000Z', 0);
        INSERT INTO messages (id, conversation_id, parent_id, role, content, reasoning, model,
                              thinking, prompt_tokens, completion_tokens, reasoning_tokens,
                              cache_hit_tokens, cache_miss_tokens, finish_reason,
                              created_at, updated_at)
        VALUES
          (1, 'c1', NULL, 'user', 'Explain photosynthesis', NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL,
           '2026-01-01T09:00:00.000Z', '2026-01-01T09:00:00.000Z'),
          (2, 'c1', 1, 'assistant', 'Plants turn light into sugar.', 'chlorophyll musings',
           'deepseek-reasoner', 1, 10, 20, 5, 4, 6, 'stop',
           '2026-01-01T09:00:01.000Z', '2026-01-01T09:00:02.000Z'),
          (3, 'c1', 1, 'assistant', 'A second try, cut', NULL, 'deepseek-chat', 0,
           NULL, NULL, NULL, NULL, NULL, NULL,
           '2026-01-01T09:10:00.000Z', '2026-01-01T09:10:00.000Z'),
          (4, 'c2', NULL, 'user', 'unrelated words', NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL,
           '2026-01-02T09:00:00.000Z', '2026-01-02T09:00:00.000Z');
        """
    )
    db.commit()


def test_a_v1_database_keeps_its_data_and_becomes_searchable(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    db = database_at(path, 1)
    fill_v1(db)
    db.close()

    store = Store.open(path)
    listed = store.list_conversations()
    assert [(s.conversation.title, s.message_count) for s in listed] == [
        ("Old chat", 3),
        ("Other", 1),
    ]
    assert listed[0].conversation.pinned
    messages = store.messages("c1")
    assert [m.id for m in messages] == [1, 3]  # the newest branch, as before
    assert messages[1].unfinished
    answer = store.get_message(2)
    # v1 kept no total: it is prompt + completion, as v1 reported it.
    assert answer.usage == Usage(10, 20, 30, 5, 4, 6)
    assert answer.reasoning == "chlorophyll musings" and answer.thinking is True
    assert [m.content for m in store.siblings(3)] == [
        "Plants turn light into sugar.",
        "A second try, cut",
    ]

    # Old rows were indexed by the migration…
    assert [h.message_id for h in store.search("photosynthesis")] == [1]
    assert store.search("chlorophyll") == []
    assert [h.message_id for h in store.search("chlorophyll", include_reasoning=True)] == [2]
    # …and new writes keep the index current.
    store.update_message(3, MessageUpdate(content="A second try, finished", finish_reason="stop"))
    assert [h.message_id for h in store.search("finished")] == [3]
    store.delete_conversation("c2")
    assert store.search("unrelated") == []
    store.close()

    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
    check.close()


def test_an_empty_file_is_a_v0_database_and_gets_the_whole_schema(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    path.write_bytes(b"")
    store = Store.open(path)
    conversation = store.create_conversation("fresh")
    store.add_message(conversation.id, MessageDraft("user", "first words"))
    assert [h.conversation_id for h in store.search("first")] == [conversation.id]
    store.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


@pytest.mark.parametrize("version", range(SCHEMA_VERSION + 1))
def test_every_schema_version_opens_and_works(tmp_path: Path, version: int) -> None:
    path = tmp_path / "conversations.db"
    database_at(path, version).close()
    store = Store.open(path)
    conversation = store.create_conversation("t")
    user = store.add_message(conversation.id, MessageDraft("user", "hello there"))
    store.add_message(conversation.id, MessageDraft("assistant", "hi"), parent_id=user.id)
    assert [m.content for m in store.messages(conversation.id)] == ["hello there", "hi"]
    assert len(store.search("hello")) == 1
    store.close()


def test_a_failing_step_leaves_the_database_at_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "conversations.db"
    db = database_at(path, 1)
    fill_v1(db)
    db.close()
    broken = dict(MIGRATIONS)
    broken[2] = MIGRATIONS[2] + "\nTHIS IS NOT SQL;"
    monkeypatch.setattr(store_module, "MIGRATIONS", broken)
    with pytest.raises(StoreError):
        Store.open(path)
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master")}
    assert "messages_fts" not in tables
    columns = {row[1] for row in check.execute("PRAGMA table_info(messages)")}
    assert "total_tokens" not in columns
    assert check.execute("SELECT count(*) FROM messages").fetchone()[0] == 4
    check.close()
    monkeypatch.undo()
    Store.open(path).close()  # the real step still applies afterwards


def test_migration_scripts_split_into_whole_statements() -> None:
    statements = store_module._statements(MIGRATIONS[2])
    triggers = [s for s in statements if s.startswith("CREATE TRIGGER")]
    assert len(triggers) == 3 and all(s.endswith("END;") for s in triggers)
    assert all(sqlite3.complete_statement(s) for s in statements)


def test_a_v3_conversation_has_no_parameters_until_some_are_saved(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    db = database_at(path, 3)
    fill_v1(db)
    db.close()
    store = Store.open(path)
    assert store.conversation_parameters("c1") is None  # the settings' defaults apply
    store.set_conversation_parameters("c1", {"json_mode": True, "stop": ["END"]})
    assert store.conversation_parameters("c1") == {"json_mode": True, "stop": ["END"]}
    assert store.conversation_parameters("c2") is None
    # Saving them is not news: the conversation keeps its time and place.
    assert store.get_conversation("c1").updated_at == "2026-01-01T09:10:00.000Z"
    store.close()


def test_parameters_that_are_not_a_json_object_read_as_none(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    store = Store.open(path)
    conversation = store.create_conversation("t")
    store.close()
    db = sqlite3.connect(path)
    for junk in ("not json", "[1, 2]", "null"):
        db.execute("UPDATE conversations SET parameters = ?", (junk,))
        db.commit()
        store = Store.open(path)
        assert store.conversation_parameters(conversation.id) is None, junk
        store.close()
    db.close()
