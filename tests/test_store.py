"""The SQLite store: schema, messages, branches, bad files."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepseek_tui.api.events import FinishReason, Usage
from deepseek_tui.messages import MessageDraft, MessageUpdate
from deepseek_tui.store import SCHEMA_VERSION, NewConversation, Store, StoreError


def test_a_conversation_with_messages_round_trips(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "c.db")
    conversation = store.create_conversation("First")
    user = store.add_message(conversation.id, MessageDraft("user", "hi"))
    answer = store.add_message(
        conversation.id,
        MessageDraft("assistant", "", model="deepseek-reasoner", thinking=True),
        parent_id=user.id,
    )
    assert answer.unfinished
    usage = Usage(10, 20, 30, 5, 4, 6)
    store.update_message(
        answer.id,
        MessageUpdate(content="hello", reasoning="hmm", finish_reason="stop", usage=usage),
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
    user = store.add_message(conversation.id, MessageDraft("user", "q"))
    store.add_message(conversation.id, MessageDraft("assistant", "first answer"), parent_id=user.id)
    store.add_message(
        conversation.id, MessageDraft("assistant", "second answer"), parent_id=user.id
    )
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
        first.add_message(a.id, MessageDraft("user", f"a{i}"))
        second.add_message(b.id, MessageDraft("user", f"b{i}"))
    assert len(first.messages(b.id)) == 20 and len(second.messages(a.id)) == 20


# --- conversations: list, count, rename, pin ---------------------------------------------


def test_the_list_is_pinned_first_then_newest_with_counts_and_model() -> None:
    store = Store.memory()
    old = store.create_conversation("old")
    store.add_message(old.id, MessageDraft("user", "q"))
    store.add_message(old.id, MessageDraft("assistant", "a", model="deepseek-chat"))
    new = store.create_conversation("new")
    store.add_message(new.id, MessageDraft("user", "q"))
    assert [s.conversation.title for s in store.list_conversations()] == ["new", "old"]
    store.set_pinned(old.id, True)
    listed = store.list_conversations()
    assert [s.conversation.title for s in listed] == ["old", "new"]
    assert listed[0].conversation.pinned and listed[0].message_count == 2
    assert listed[0].model == "deepseek-chat" and listed[1].model is None
    assert [s.conversation.title for s in store.list_conversations(1, 1)] == ["new"]
    assert store.count_conversations() == 2
    store.set_pinned(old.id, False)
    assert store.list_conversations()[0].conversation.title == "new"


def test_renaming_keeps_the_place_in_the_list() -> None:
    store = Store.memory()
    first = store.create_conversation("first")
    store.create_conversation("second")
    store.rename_conversation(first.id, "renamed")
    assert [s.conversation.title for s in store.list_conversations()] == ["second", "renamed"]


def test_a_prefix_that_fits_several_ids_finds_none_but_can_be_explained() -> None:
    store = Store.memory()
    for suffix in ("1", "2"):
        store.insert_conversation(new_conversation("abcd-" + suffix))
    assert store.find_conversation("abcd") is None
    assert [c.id for c in store.conversations_with_prefix("abcd")] == ["abcd-1", "abcd-2"]
    assert store.find_conversation("abcd-2").id == "abcd-2"


# --- branches ----------------------------------------------------------------------------


def branchy(store: Store) -> dict[str, int]:
    """q1 → a1 → q2 → a2, then a2 regenerated (a2b), then q2 edited (q2b → a3)."""
    conversation = store.create_conversation()
    ids: dict[str, int] = {}

    def add(name: str, role: str, parent: str | None) -> None:
        message = store.add_message(
            conversation.id, MessageDraft(role, name), parent_id=ids[parent] if parent else None
        )
        ids[name] = message.id

    add("q1", "user", None)
    add("a1", "assistant", "q1")
    add("q2", "user", "a1")
    add("a2", "assistant", "q2")
    add("a2b", "assistant", "q2")
    add("q2b", "user", "a1")
    add("a3", "assistant", "q2b")
    return ids


def contents(messages) -> list[str]:
    return [m.content for m in messages]


def test_siblings_are_the_alternatives_oldest_first() -> None:
    store = Store.memory()
    ids = branchy(store)
    assert contents(store.siblings(ids["a2b"])) == ["a2", "a2b"]
    assert contents(store.siblings(ids["q2"])) == ["q2", "q2b"]
    assert contents(store.siblings(ids["q1"])) == ["q1"]
    assert contents(store.siblings(ids["a3"])) == ["a3"]
    assert store.siblings(10_000) == []


def test_a_branch_goes_through_a_message_and_follows_the_newest_child() -> None:
    store = Store.memory()
    ids = branchy(store)
    assert contents(store.branch_through(ids["q2"])) == ["q1", "a1", "q2", "a2b"]
    assert contents(store.branch_through(ids["a2"])) == ["q1", "a1", "q2", "a2"]
    assert contents(store.branch_through(ids["a1"])) == ["q1", "a1", "q2b", "a3"]
    assert contents(store.branch_through(ids["q1"])) == ["q1", "a1", "q2b", "a3"]
    conversation_id = store.get_message(ids["q1"]).conversation_id
    assert contents(store.messages(conversation_id)) == ["q1", "a1", "q2b", "a3"]


def test_an_edited_first_question_is_a_sibling_root() -> None:
    store = Store.memory()
    conversation = store.create_conversation()
    first = store.add_message(conversation.id, MessageDraft("user", "first"))
    store.add_message(conversation.id, MessageDraft("assistant", "a"), parent_id=first.id)
    edited = store.add_message(conversation.id, MessageDraft("user", "edited"))
    store.add_message(conversation.id, MessageDraft("assistant", "b"), parent_id=edited.id)
    assert contents(store.siblings(first.id)) == ["first", "edited"]
    assert contents(store.messages(conversation.id)) == ["edited", "b"]
    assert contents(store.branch_through(first.id)) == ["first", "a"]


def test_messages_saved_without_parents_read_as_one_line() -> None:
    store = Store.memory()
    conversation = store.create_conversation()
    for text in ("one", "two", "three"):
        store.add_message(conversation.id, MessageDraft("user", text))
    assert contents(store.messages(conversation.id)) == ["one", "two", "three"]
    last = store.messages(conversation.id)[-1]
    assert contents(store.siblings(last.id)) == ["three"]
    assert contents(store.branch_through(last.id)) == ["one", "two", "three"]


# --- search --------------------------------------------------------------------------------


def chat(store: Store, *pairs: tuple[str, str], reasoning: str | None = None) -> str:
    conversation = store.create_conversation(pairs[0][0][:20])
    parent = None
    for question, answer in pairs:
        user = store.add_message(conversation.id, MessageDraft("user", question), parent_id=parent)
        reply = store.add_message(
            conversation.id,
            MessageDraft("assistant", answer, reasoning=reasoning),
            parent_id=user.id,
        )
        parent = reply.id
    return conversation.id


def test_search_finds_words_anywhere_and_names_the_conversation() -> None:
    store = Store.memory()
    wanted = chat(store, ("How do I reverse a list in Python?", "Use reversed() or slicing."))
    chat(store, ("What is Rust?", "A systems language."))
    hits = store.search("reverse python")
    assert [(h.conversation_id, h.role) for h in hits] == [(wanted, "user")]
    assert hits[0].title == "How do I reverse a l"
    assert "reverse a list in Python" in hits[0].snippet
    assert store.search("slicing")[0].role == "assistant"
    assert store.search("nothing-like-this") == []


def test_the_last_word_is_a_prefix_unless_followed_by_a_space() -> None:
    store = Store.memory()
    chat(store, ("tell me about databases", "ok"))
    assert len(store.search("databa")) == 1
    assert store.search("databa ") == []
    assert store.search("d") == []  # one letter is not a prefix search
    assert len(store.search("databases ")) == 1


def test_words_typed_in_full_come_before_longer_words() -> None:
    store = Store.memory()
    longer = chat(store, ("a category of things", "ok"))
    exact = chat(store, ("my cat sleeps, my cat eats, my cat", "ok"))
    assert [h.conversation_id for h in store.search("cat")] == [exact, longer]
    assert [h.conversation_id for h in store.search("cat", limit=1)] == [exact]
    assert [h.conversation_id for h in store.search("cate")] == [longer]


def test_search_ignores_accents_and_case() -> None:
    store = Store.memory()
    chat(store, ("Crème BRÛLÉE recipe", "ok"))
    assert len(store.search("creme brulee")) == 1


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        'say "hi',
        "-minus",
        "a*",
        "*",
        "OR",
        "NOT AND",
        "(x",
        "x)",
        "NEAR(a b)",
        "content: x",
        "{content}",
        "^start",
        "a + b",
        "'",
        "\\",
        "   ",
        "",
        "🙂",
        "0\x00",
    ],
)
def test_search_text_is_never_syntax(typed: str) -> None:
    store = Store.memory()
    chat(store, ('say "hi" -minus (x) OR NOT AND content: x ^start a + b', "ok"))
    store.search(typed)  # never raises
    store.search(typed, include_reasoning=True)


def test_operators_are_searched_as_words() -> None:
    store = Store.memory()
    chat(store, ("cats OR dogs", "ok"))
    chat(store, ("just cats", "ok"))
    assert len(store.search("cats OR")) == 1
    assert len(store.search("cats")) == 2


def test_reasoning_is_searched_only_when_asked() -> None:
    store = Store.memory()
    chat(store, ("question", "answer"), reasoning="pondering photosynthesis deeply")
    assert store.search("photosynthesis") == []
    hits = store.search("photosynthesis", include_reasoning=True)
    assert len(hits) == 1 and "photosynthesis" in hits[0].snippet


def test_better_matches_first_then_newest() -> None:
    store = Store.memory()
    older = chat(store, ("kettle", "ok"))
    newer = chat(store, ("kettle", "ok"))
    weaker = chat(store, ("the kettle is one word among many in a much longer message", "ok"))
    hits = store.search("kettle")
    assert [h.conversation_id for h in hits] == [newer, older, weaker]
    assert len(store.search("kettle", limit=2)) == 2


def test_search_follows_edits_and_deletes() -> None:
    store = Store.memory()
    conversation = store.create_conversation()
    message = store.add_message(conversation.id, MessageDraft("assistant", "draft words"))
    store.update_message(message.id, MessageUpdate(content="final wording"))
    assert store.search("draft ") == []
    assert len(store.search("final")) == 1
    store.update_message(message.id, MessageUpdate(finish_reason="stop"))  # text unchanged
    assert len(store.search("final")) == 1
    store.delete_conversation(conversation.id)
    assert store.search("final") == []


def test_a_snippet_is_cut_around_the_match_of_a_long_message() -> None:
    store = Store.memory()
    text = "filler " * 300 + "the needle is here " + "tail " * 300
    chat(store, (text, "ok"))
    snippet = store.search("needle")[0].snippet
    assert "needle" in snippet and snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) < 200


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=30))
def test_any_typed_text_searches_without_error(typed: str) -> None:
    store = _SHARED
    store.search(typed)
    store.search(typed, include_reasoning=True)


_SHARED = Store.memory()
chat(_SHARED, ('all "sorts" of (text) * - OR NOT NEAR ünïcödé 漢字', "ok"), reasoning="r")


# --- adding a whole conversation (an import) -----------------------------------------------


def new_conversation(conversation_id: str | None = "11111111-2222-3333-4444-555555555555"):
    return NewConversation(
        id=conversation_id,
        title="Imported",
        created_at="2026-11-23T09:00:00.000Z",
        updated_at="2026-11-23T09:05:00.000Z",
        messages=(
            MessageDraft("user", "Why?", created_at="2026-11-23T09:00:00.000Z"),
            MessageDraft(
                "assistant",
                "Because.",
                created_at="2026-11-23T09:00:01.500Z",
                reasoning="Let me think.",
                model="deepseek-reasoner",
                finish_reason=FinishReason.STOP,
                usage=Usage(10, 20, 31, 5, 4, 6),
            ),
        ),
    )


def test_an_inserted_conversation_keeps_a_free_id_and_chains_its_messages() -> None:
    store = Store.memory()
    conversation = store.insert_conversation(new_conversation())
    assert conversation.id == "11111111-2222-3333-4444-555555555555"
    assert conversation.created_at == "2026-11-23T09:00:00.000Z"
    messages = store.messages(conversation.id)
    assert messages[1].parent_id == messages[0].id and messages[0].parent_id is None
    assert messages[1].thinking is None and messages[1].usage == Usage(10, 20, 31, 5, 4, 6)
    assert messages[1].finish_reason == "stop" and messages[1].created_at.endswith("01.500Z")
    assert len(store.search("because")) == 1


def test_an_insert_of_a_taken_id_gets_a_new_one() -> None:
    store = Store.memory()
    first = store.insert_conversation(new_conversation())
    second = store.insert_conversation(new_conversation())
    assert first.id != second.id and store.count_conversations() == 2


def test_an_insert_failing_halfway_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    store = Store.open(path)
    broken = new_conversation()
    cut = replace(broken.messages[1], content="\ud800")  # what a "\\ud800" JSON escape gives
    with pytest.raises(ValueError, match="cannot be stored"):
        store.insert_conversation(replace(broken, messages=(broken.messages[0], cut)))
    assert store.count_conversations() == 0
    store.close()
    # Not even the first message, which went in before the second failed: read the file.
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    db.close()


# --- bad files, many writers ------------------------------------------------------------------


def test_a_damaged_page_is_reported_with_the_command_to_move_it_aside(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    store = Store.open(path)
    conversation_id = chat(store, ("x" * 5000, "y" * 5000))
    store.close()
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    data = bytearray(path.read_bytes())
    data[4096 * 2 : 4096 * 6] = b"\xff" * (4096 * 4)  # pages in the middle
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        damaged = Store.open(path)
        damaged.messages(conversation_id)
        damaged.search("x")
        damaged.list_conversations()
    message = str(caught.value)
    assert "damaged" in message and "left untouched" in message
    assert f"mv {path} {path}.broken-" in message
    assert path.read_bytes() == before


def test_a_database_that_cannot_be_opened_says_so(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    path.mkdir()  # a directory where the file should be
    with pytest.raises(StoreError, match="Cannot open the history database"):
        Store.open(path)


@pytest.mark.parametrize("trial", range(15))
def test_many_stores_opening_a_new_file_at_once_all_work(tmp_path: Path, trial: int) -> None:
    # Repeated: the switch to WAL found the file locked about one time in sixty.
    path = tmp_path / "fresh.db"
    errors: list[BaseException] = []

    def open_and_write(index: int) -> None:
        try:
            store = Store.open(path)
            chat(store, (f"question {index}", "answer"))
            store.close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_and_write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store = Store.open(path)
    assert store.count_conversations() == 8


def test_chinese_words_are_found_inside_a_sentence(tmp_path) -> None:
    store = Store.open(tmp_path / "c.db")
    conversation = store.create_conversation("中文")
    store.add_message(conversation.id, MessageDraft("user", "请解释一下快速排序算法的时间复杂度"))
    store.add_message(conversation.id, MessageDraft("user", "天气很好"))
    hits = store.search("排序算法")
    assert [hit.snippet for hit in hits] and "排序算法" in hits[0].snippet
    assert len(store.search("时间 复杂度")) == 1
    assert store.search("100%_排序") == []  # LIKE wildcards are taken literally
    store.close()
