"""Search at scale: the CJK trigram index agrees with a plain substring scan, the
triggers keep it current, and common words filter instead of ranking."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepseek_tui import store as store_module
from deepseek_tui.messages import MessageDraft, MessageUpdate
from deepseek_tui.store import Store, _has_cjk, _may_hold_cjk


def add(store: Store, *texts: str, reasoning: str | None = None) -> list[int]:
    conversation = store.create_conversation("t")
    return [
        store.add_message(conversation.id, MessageDraft("user", text, reasoning=reasoning)).id
        for text in texts
    ]


def found(store: Store, query: str, **options: bool) -> list[int]:
    return [hit.message_id for hit in store.search(query, **options)]


def test_cjk_words_of_any_length_are_found_inside_a_sentence_by_the_index() -> None:
    store = Store.memory()
    assert store.cjk_index
    sort, weather, end = add(
        store, "请解释快速排序算法的时间复杂度", "今日は天気がいい", "한국어 문장끝"
    )
    assert found(store, "排序算法") == [sort]  # three characters or more: trigrams
    assert found(store, "排序") == [sort]  # two: the trigrams they start
    assert found(store, "度") == [sort]  # one, the last character of the text
    assert found(store, "天気") == [weather]
    assert found(store, "끝") == [end]
    assert found(store, "排序 时间") == [sort]
    assert found(store, "排序 天気") == []
    assert found(store, "序排") == []


def test_the_index_follows_edits_deletes_and_reasoning() -> None:
    store = Store.memory()
    (message,) = add(store, "英文 only", reasoning="思考过程")
    assert found(store, "思考") == []
    assert found(store, "思考", include_reasoning=True) == [message]
    store.update_message(message, MessageUpdate(content="改写的内容"))
    assert found(store, "改写") == [message]
    assert found(store, "英文") == []
    store.update_message(message, MessageUpdate(content="plain English now"))
    assert found(store, "改写") == []
    store.delete_conversation(store.list_conversations()[0].conversation.id)
    assert found(store, "思考", include_reasoning=True) == []
    store._db.execute("INSERT INTO messages_cjk (messages_cjk, rank) VALUES ('integrity-check', 0)")


def test_only_messages_that_may_hold_cjk_are_indexed() -> None:
    store = Store.memory()
    add(store, "plain ascii", "café — naïve “quotes” 🙂", "中文", "カナ", "한글")
    count = store._db.execute("SELECT count(*) FROM messages_cjk_docsize").fetchone()[0]
    assert count == 3


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_every_text_with_cjk_is_taken_for_the_index(text: str) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE messages (content TEXT, reasoning TEXT)")
    db.execute("INSERT INTO messages VALUES (?, NULL)", (text,))
    (may,) = db.execute(f"SELECT {_may_hold_cjk('messages')} FROM messages").fetchone()
    if _has_cjk(text):
        assert may


@pytest.mark.parametrize(
    "char", ["\u3041", "\u30ff", "\u3400", "\u9fff", "\uac00", "\ud7a3", "\uf900", "\ufad9"]
)
def test_the_range_ends_are_indexed(char: str) -> None:
    store = Store.memory()
    (message,) = add(store, f"x{char}y")
    assert found(store, char) == [message]


# Few characters, so that words are found in some texts and not in others.
CJK_TEXT = st.text(alphabet="排序算法时间a ", max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.tuples(CJK_TEXT, st.none() | CJK_TEXT), min_size=1, max_size=6),
    query=st.text(alphabet="排序算法时间a ", min_size=1, max_size=6),
    include_reasoning=st.booleans(),
    terms=st.sampled_from([1, 64]),
)
def test_the_cjk_index_finds_what_a_scan_finds(
    texts: list[tuple[str, str | None]], query: str, include_reasoning: bool, terms: int
) -> None:
    store = Store.memory()
    conversation = store.create_conversation("t")
    for content, reasoning in texts:
        store.add_message(conversation.id, MessageDraft("user", content, reasoning=reasoning))
    if not _has_cjk(query) or not query.split():
        return
    original = store_module.CJK_TERMS
    store_module.CJK_TERMS = terms  # 1: short words fall back to LIKE on the candidates
    try:
        indexed = store._substring(query, 1000, include_reasoning)
    finally:
        store_module.CJK_TERMS = original
    scanned = store._scan(query.split(), 1000, include_reasoning)
    assert [row["id"] for row in indexed] == [row["id"] for row in scanned]


def test_without_the_index_cjk_is_found_by_a_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.memory()
    (sort,) = add(store, "快速排序算法")
    store.cjk_index = False  # as on a SQLite without trigram
    assert found(store, "排序") == [sort] and found(store, "算") == [sort]


# --- ranking ------------------------------------------------------------------------------


def test_common_words_filter_and_rare_words_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.memory()
    add(store, *(f"python filler {n}" for n in range(5)))
    weak = add(store, "python asyncio " + "and many other words " * 5)[0]
    strong = add(store, "python asyncio asyncio")[0]
    newer_weak = add(store, "python asyncio and a few more words")[0]
    monkeypatch.setattr(store_module, "RARE_ROWS", 4)  # "python" is in 8: common
    # Weighed by the rare word: the best match first, whatever its age.
    assert found(store, "python asyncio") == [strong, newer_weak, weak]
    # Common words alone: the newest matches.
    assert found(store, "python", limit=3) == [newer_weak, strong, weak]


def test_a_prefix_only_filters() -> None:
    store = Store.memory()
    older = add(store, "asyncio asyncio asyncio")[0]
    newer = add(store, "asynchronous code, in a long sentence about other things")[0]
    # "asyn" is still being typed: it filters, the newest first.
    assert found(store, "asyn") == [newer, older]


def test_a_cjk_hit_in_a_long_message_shows_the_word_in_its_snippet() -> None:
    store = Store.memory()
    add(store, "很长的中文文本，" * 40 + "我们讨论快速排序算法的复杂度。" + "别的内容。" * 40)
    (hit,) = store.search("排序算法")
    assert "排序算法" in hit.snippet and hit.snippet.startswith("…")
