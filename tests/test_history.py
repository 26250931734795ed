"""The history service the TUI uses instead of the store: pages, search from a worker
thread, pin, rename, delete with undo until close."""

from __future__ import annotations

import threading

from deepseek_tui.config import Paths
from deepseek_tui.history import History
from deepseek_tui.messages import MessageDraft
from deepseek_tui.store import Store


def _conversation(store: Store, title: str, question: str) -> str:
    conversation = store.create_conversation(title)
    store.add_message(conversation.id, MessageDraft("user", question))
    return conversation.id


def test_pages_count_every_conversation_and_go_on_from_an_offset(paths: Paths) -> None:
    store = Store.open(paths.database)
    ids = [_conversation(store, f"Chat {index}", f"question {index}") for index in range(5)]
    history = History(store)
    first = history.page(0, limit=3)
    rest = history.page(3, limit=3)
    assert first.total == rest.total == 5
    assert (first.offset, rest.offset) == (0, 3)
    shown = [row.conversation.id for row in [*first.rows, *rest.rows]]
    assert sorted(shown) == sorted(ids)
    store.close()


def test_search_works_from_another_thread_on_its_own_connection(paths: Paths) -> None:
    store = Store.open(paths.database)
    wanted = _conversation(store, "Rust", "what are lifetimes in rust")
    _conversation(store, "Sky", "why is the sky blue")
    history = History(store)
    found: list[str] = []
    worker = threading.Thread(
        target=lambda: found.extend(hit.conversation_id for hit in history.search("lifetimes"))
    )
    worker.start()
    worker.join(timeout=30)
    assert found == [wanted]
    store.close()


def test_an_in_memory_store_is_searched_on_its_one_connection() -> None:
    store = Store.memory()
    wanted = _conversation(store, "Rust", "what are lifetimes in rust")
    assert [hit.conversation_id for hit in History(store).search("lifetimes")] == [wanted]


def test_pin_rename_and_an_undone_delete_lose_nothing(paths: Paths) -> None:
    store = Store.open(paths.database)
    kept = _conversation(store, "Keep", "keep me")
    history = History(store)
    assert not history.can_undo
    history.toggle_pin(kept)
    history.rename(kept, "Renamed")
    history.delete(kept)
    assert history.can_undo
    assert history.page().total == 0
    assert history.search("keep") == []
    restored = history.undo_delete()
    assert restored is not None and restored.title == "Renamed" and restored.pinned
    assert not history.can_undo
    assert history.undo_delete() is None
    history.close()
    assert [m.content for m in store.messages(kept)] == ["keep me"]
    store.close()


def test_deletes_are_final_at_close_and_leftovers_of_a_crash_at_the_next_start(
    paths: Paths,
) -> None:
    store = Store.open(paths.database)
    gone = _conversation(store, "Gone", "delete me")
    crashed = _conversation(store, "Crashed", "deleted before a crash")
    history = History(store)
    history.delete(gone)
    history.close()
    assert store.get_conversation(gone) is None
    store.set_archived(crashed, True)  # what a run that crashed after a delete leaves
    History(store).forget_leftovers()
    assert store.get_conversation(crashed) is None
    store.close()
