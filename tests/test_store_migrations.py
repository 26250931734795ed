"""Every earlier schema opens: databases made by each shipped version are upgraded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from deepseek_tui import store as store_module
from deepseek_tui.api.events import Usage
from deepseek_tui.messages import MessageDraft, MessageUpdate
from deepseek_tui.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError
from tests.helpers import database_at


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


def test_migration_scripts_split_into_whole_statements(tmp_path: Path) -> None:
    """A step runs statement by statement; a trigger's body holds `;` too, and the
    migrated database has each trigger whole (its update trigger has two)."""
    path = tmp_path / "conversations.db"
    database_at(path, 1).close()
    Store.open(path).close()
    check = sqlite3.connect(path)
    triggers = dict(check.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    check.close()
    fts = [
        "messages_fts_delete",
        "messages_fts_insert",
        "messages_fts_unindex",
        "messages_fts_update",
    ]
    assert [name for name in sorted(triggers) if name.startswith("messages_fts")] == fts
    assert all(sql.endswith("END") for sql in triggers.values())
    assert triggers["messages_cjk_update"].count(";") == 1


@pytest.mark.parametrize(("version", "count"), [(2, 3), (6, 3), (7, 4), (-7, 4)])
def test_each_trigger_script_splits_into_whole_statements(version: int, count: int) -> None:
    # -7: migration 7's part for the CJK index (`_TRIGRAM_PARTS`)
    script = store_module._TRIGRAM_PARTS[-version] if version < 0 else MIGRATIONS[version]
    statements = store_module._statements(script)
    triggers = [s for s in statements if s.startswith("CREATE TRIGGER")]
    assert len(triggers) == count and all(s.endswith("END;") for s in triggers)
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


# --- the CJK index (schema 6) ---------------------------------------------------------------


def fill_cjk(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        INSERT INTO conversations (id, title, created_at, updated_at)
        VALUES ('zh', '中文', '2026-01-03T09:00:00.000Z', '2026-01-03T09:00:00.000Z');
        INSERT INTO messages (id, conversation_id, role, content, reasoning, created_at,
                              updated_at)
        VALUES (10, 'zh', 'user', '请解释快速排序算法', NULL,
                '2026-01-03T09:00:00.000Z', '2026-01-03T09:00:00.000Z'),
               (11, 'zh', 'assistant', 'Quicksort splits the list.', '先想想分治',
                '2026-01-03T09:00:01.000Z', '2026-01-03T09:00:01.000Z');
        """
    )
    db.commit()


def indexed(path: Path) -> list[int]:
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT id FROM messages_cjk_docsize ORDER BY id")]
    finally:
        db.close()


def test_a_v5_database_gets_its_cjk_messages_indexed(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    db = database_at(path, 5)
    fill_v1(db)
    fill_cjk(db)
    db.close()
    store = Store.open(path)
    assert store.cjk_index
    assert indexed(path) == [10, 11]  # the English messages are not in the index
    assert [h.message_id for h in store.search("排序")] == [10]
    assert [h.message_id for h in store.search("分治", include_reasoning=True)] == [11]
    store.close()


def test_without_trigram_a_v5_file_passes_over_the_cjk_step_and_searches_by_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "conversations.db"
    db = database_at(path, 5)
    fill_cjk(db)
    db.close()
    monkeypatch.setattr(store_module, "_trigram_supported", lambda: False)
    store = Store.open(path)
    assert not store.cjk_index
    assert store._user_version() == SCHEMA_VERSION  # the steps after 6 apply all the same
    assert [h.message_id for h in store.search("排序")] == [10]
    store.close()


def test_without_trigram_a_v6_file_drops_the_index_triggers_and_stays_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "conversations.db"
    database_at(path, 6).close()
    Store.open(path).close()
    # What a SQLite without trigram sees: a tokenizer it does not have. While the
    # index's triggers exist, it could write no message at all.
    db = sqlite3.connect(path)
    db.execute("PRAGMA writable_schema = ON")
    db.execute(
        "UPDATE sqlite_master SET sql = replace(sql, 'trigram', 'unknown') "
        "WHERE name = 'messages_cjk'"
    )
    db.commit()
    db.close()
    monkeypatch.setattr(store_module, "_trigram_supported", lambda: False)
    store = Store.open(path)
    assert store._user_version() == SCHEMA_VERSION and not store.cjk_index
    conversation, _ = store.start_conversation("t", MessageDraft("user", "写入仍然可以"))
    assert [h.conversation_id for h in store.search("写入")] == [conversation.id]
    store.close()


def test_a_file_stepped_back_is_indexed_again_where_trigram_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "conversations.db"
    Store.open(path).close()
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "_trigram_supported", lambda: False)
        store = Store.open(path)
        _, written = store.start_conversation("t", MessageDraft("user", "没有索引时写的"))
        store.close()
    store = Store.open(path)
    assert store.cjk_index and store._user_version() == SCHEMA_VERSION
    assert indexed(path) == [written.id]
    assert [h.message_id for h in store.search("索引")] == [written.id]
    store.close()


def test_a_read_only_v5_file_opens_and_searches_without_the_index(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    db = database_at(path, 5)
    fill_cjk(db)
    db.close()
    store = Store.open(path, read_only=True)
    assert not store.cjk_index
    assert [h.message_id for h in store.search("排序")] == [10]
    store.close()


# --- reasoning indexed up to REASONING_INDEXED (schema 7) ----------------------------------


def long_reasoning(head: str, tail: str) -> str:
    """A reasoning whose `tail` word lies past what the indexes take of it."""
    filler = "step " * (store_module.REASONING_INDEXED // 5)
    return f"{head} {filler}{tail}"


def test_a_v6_database_keeps_search_and_its_long_reasoning_is_indexed_cut(
    tmp_path: Path,
) -> None:
    path = tmp_path / "conversations.db"
    db = database_at(path, 6)
    fill_v1(db)
    fill_cjk(db)
    db.execute(
        "INSERT INTO messages (id, conversation_id, role, content, reasoning, created_at,"
        " updated_at) VALUES (12, 'zh', 'assistant', '长的思考之后', ?, '2026-01-03T09:00:02.000Z',"
        " '2026-01-03T09:00:02.000Z')",
        (long_reasoning("开头的思路 firstthought", "结尾的思路 lastthought"),),
    )
    db.commit()
    db.close()

    store = Store.open(path)
    assert store._user_version() == SCHEMA_VERSION == 9
    # Search works as before, the CJK index too…
    assert [h.message_id for h in store.search("photosynthesis")] == [1]
    assert [h.message_id for h in store.search("chlorophyll", include_reasoning=True)] == [2]
    assert [h.message_id for h in store.search("排序")] == [10]
    assert [h.message_id for h in store.search("分治", include_reasoning=True)] == [11]
    # …and the long reasoning is in both indexes up to its cut only.
    assert [h.message_id for h in store.search("firstthought", include_reasoning=True)] == [12]
    assert [h.message_id for h in store.search("开头的思路", include_reasoning=True)] == [12]
    assert store.search("lastthought", include_reasoning=True) == []
    assert store.search("结尾的思路", include_reasoning=True) == []
    # The triggers take out what the step put in: a delete leaves nothing behind.
    store.update_message(12, MessageUpdate(content="改写了"))
    assert [h.message_id for h in store.search("改写")] == [12]
    store.delete_conversation("zh")
    assert store.search("firstthought", include_reasoning=True) == []
    assert store.search("开头的思路", include_reasoning=True) == []

    def rows(table: str) -> int:
        return store._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    assert rows("messages_fts_docsize") == rows("messages") and rows("messages_cjk_docsize") == 0
    store._db.execute("INSERT INTO messages_cjk (messages_cjk, rank) VALUES ('integrity-check', 0)")
    store.close()


def test_steps_6_and_7_run_again_after_a_step_back_leave_the_indexes_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "conversations.db"
    store = Store.open(path)
    conversation = store.create_conversation("t")
    message = store.add_message(
        conversation.id,
        MessageDraft("assistant", "答案", reasoning=long_reasoning("起初 early", "最后 late")),
    )
    store.close()
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "_trigram_supported", lambda: False)
        Store.open(path).close()  # back to 5: the CJK triggers dropped
    store = Store.open(path)  # 6 builds the CJK index whole again, 7 cuts it once more
    assert store._user_version() == SCHEMA_VERSION
    assert [h.message_id for h in store.search("early", include_reasoning=True)] == [message.id]
    assert [h.message_id for h in store.search("起初", include_reasoning=True)] == [message.id]
    assert store.search("late", include_reasoning=True) == []
    assert store.search("最后", include_reasoning=True) == []
    store.delete_conversation(conversation.id)
    for table in ("messages_fts", "messages_cjk"):
        assert store._db.execute(f"SELECT count(*) FROM {table}_docsize").fetchone()[0] == 0
    assert store.search("early", include_reasoning=True) == []
    store.close()
