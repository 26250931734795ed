"""Huge reasoning (issue 19 §5): held once, and written again only while it grows;
the final save writes only what the row does not hold yet.
Speed and memory are measured by benchmarks/reasoning.py; these check the structure."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

import pytest

from deepseek_tui import store as store_module
from deepseek_tui.api import DeepSeekClient
from deepseek_tui.api.events import ReasoningDelta
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.markdown import BlockSplitter
from deepseek_tui.messages import Message, MessageDraft, MessageUpdate
from deepseek_tui.session import Reply, Session, pieces, saver
from deepseek_tui.store import Store, StoreError
from tests.helpers import TEST_KEY


async def test_each_save_writes_only_the_reasoning_that_came_since_the_last(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every save rewrote the whole reasoning (and the search index read it again),
    # 200 MB of it each time the answer grew; then every save while it grew.
    saves: list[tuple[MessageUpdate, str]] = []
    update = Store.update_message

    def recorded(store: Store, message_id: int, change: MessageUpdate, **added: str) -> bool:
        saves.append((change, added.get("reasoning_added", "")))
        return update(store, message_id, change, **added)

    monkeypatch.setattr(Store, "update_message", recorded)
    emulator.faults = Faults(token_delay=0.002, pieces_per_chunk=4)
    store = Store.memory()  # saves on the loop, one by one
    async with DeepSeekClient(emulator.base_url, TEST_KEY) as client:
        session = Session(client, store, model="deepseek-reasoner", save_interval=0)
        async with contextlib.aclosing(session.send("long 1500")) as events:
            async for _ in events:
                pass
    *periodic, (final, _) = saves
    assert len(periodic) > 5 and all(change.reasoning is None for change, _ in saves)
    created = store.messages(session.conversation.id)[-1]
    first = len(created.reasoning) - sum(len(added) for _, added in saves)
    # Each character written once: the row's first text, then each save's addition.
    written = "".join(added for _, added in saves)
    assert created.reasoning == created.reasoning[:first] + written and first > 0
    assert created.reasoning == session.messages[-1].reasoning
    # The final save leaves the content alone when the last save wrote it all, and
    # the message kept is the reply's own text, not a second copy read back.
    assert final.content is None
    assert session.messages[-1].reasoning is events.reasoning
    store.close()


def test_a_view_keeps_the_end_of_an_open_block_of_any_size() -> None:
    # Reasoning without a blank line is one open block: a view showing its end as
    # plain text held all of it (200 MB) and joined it at every render step.
    splitter = BlockSplitter(keep_open=1_000)
    line = "".join(f"word{index} " for index in range(100_000))  # ~690,000, no line end
    for start in range(0, len(line), 500):
        splitter.feed(line[start : start + 500])
        assert len(splitter.open_text) <= 2_000
        assert sum(map(len, splitter._line)) <= 2_000
    assert line.endswith(splitter.open_text) and len(splitter.open_text) >= 1_000
    splitter.feed("\n\n# next\n")
    splitter.finish()
    assert len(splitter.blocks) == 1 and len(splitter.blocks[0]) <= 2_002
    assert splitter.open_text == "# next\n"


def test_the_wal_file_is_cut_back_after_saves_of_a_large_reasoning(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A WAL file kept the size it once reached: 200 MB of reasoning saved left a
    # ~200 MB conversations.db-wal beside the database for good.
    monkeypatch.setattr(store_module, "WAL_KEPT", 1_000_000)
    path = tmp_path / "conversations.db"
    store = Store.open(path)
    conversation = store.create_conversation("t")
    message = store.add_message(conversation.id, MessageDraft("assistant", "", reasoning="x"))
    text = "word " * 2_000_000  # 10 MB: one save's WAL, before it is checkpointed
    for end in range(3):
        store.update_message(message.id, MessageUpdate(reasoning=f"{text}{end}"))
    store.update_message(message.id, MessageUpdate(finish_reason="stop"))
    # The next writes after a checkpoint start the WAL again, cut back.
    for title in ("a", "b"):
        store.rename_conversation(conversation.id, title)
    # (SQLite checkpoints at 1,000 pages: up to ~4 MB stays until the next.)
    assert path.with_name("conversations.db-wal").stat().st_size <= 5_000_000
    assert store.get_message(message.id).reasoning == f"{text}2"
    store.close()


async def test_past_its_head_a_reasoning_is_held_only_until_the_store_has_it(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # `ask` held 200 MB of reasoning several times over (1.5 GB) to write it whole at
    # the end. Now its head is held, the rest only until saved, in parts.
    monkeypatch.setattr(pieces, "KEPT_CHARS", 3_000)
    monkeypatch.setattr(store_module, "REASONING_HEAD", 1_000)
    monkeypatch.setattr(store_module, "PART_CHARS", 700)
    emulator.faults = Faults(
        token_delay=0.002, finish_length=True, reasoning_chars=12_000, reasoning_chunk=100
    )
    store = Store.open(tmp_path / "conversations.db")  # saves in the saver's thread
    streamed: list[str] = []
    cut_while_streaming = 0
    async with DeepSeekClient(emulator.base_url, TEST_KEY) as client:
        session = Session(client, store, model="deepseek-reasoner", save_interval=0)
        async with contextlib.aclosing(session.send("long 100")) as reply:
            async for event in reply:
                if isinstance(event, ReasoningDelta):
                    streamed.append(event.text)
                    cut_while_streaming = max(cut_while_streaming, reply.reasoning_cut)
        whole = "".join(streamed)
        assert len(whole) == 12_000
        assert cut_while_streaming > 0  # let go of as it went, not at the end
        kept = session.messages[-1]
        assert kept.reasoning == whole[:3_000]
        assert kept.reasoning_cut == len(whole) - 3_000
        conversation = session.conversation.id
        assert store.messages(conversation)[-1].reasoning == whole
        # A cut answer continued: its row's reasoning goes on from where it was.
        more = await _reasoning_of(session.continue_answer())
        assert store.messages(conversation)[-1].reasoning == whole + more
    store.close()
    reopened = Store.open(tmp_path / "conversations.db")
    assert reopened.messages(conversation)[-1].reasoning == whole + more
    reopened.close()


def test_a_reasoning_past_its_head_is_kept_in_parts_and_goes_with_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "REASONING_HEAD", 10)
    monkeypatch.setattr(store_module, "PART_CHARS", 7)
    store = Store.open(tmp_path / "conversations.db")
    conversation = store.create_conversation("t")
    whole = "".join(f"{n:03d}," for n in range(40))  # 160 characters
    message = store.add_message(conversation.id, MessageDraft("assistant", "", reasoning=whole))
    store.update_message(message.id, MessageUpdate(), reasoning_added="and on")
    assert store.get_message(message.id).reasoning == whole + "and on"
    column = store._db.execute("SELECT reasoning FROM messages").fetchone()[0]
    parts = store._db.execute("SELECT text FROM reasoning_parts ORDER BY id").fetchall()
    assert column == whole[:10] and all(len(text) <= 7 for (text,) in parts)
    # Replaced whole (an import, a message saved again): its parts go with it.
    store.update_message(message.id, MessageUpdate(reasoning="short"))
    assert store.get_message(message.id).reasoning == "short"
    assert store._db.execute("SELECT count(*) FROM reasoning_parts").fetchone()[0] == 0
    store.update_message(message.id, MessageUpdate(), reasoning_added=whole)
    store.delete_conversation(conversation.id)
    assert store._db.execute("SELECT count(*) FROM reasoning_parts").fetchone()[0] == 0
    store.close()


def test_a_message_holding_a_cut_reasoning_is_never_saved_over_the_whole_one() -> None:
    kept = Message(
        id=1,
        conversation_id="c",
        parent_id=None,
        created_at="t",
        updated_at="t",
        role="assistant",
        content="done",
        reasoning="the head",
        reasoning_cut=200_000_000,
    )
    update = MessageUpdate.from_message(kept)
    assert update.reasoning is None and update.content == "done"
    assert MessageUpdate.from_message(replace(kept, reasoning_cut=0)).reasoning == "the head"


def _small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pieces, "KEPT_CHARS", 3_000)
    monkeypatch.setattr(store_module, "REASONING_HEAD", 1_000)
    monkeypatch.setattr(store_module, "PART_CHARS", 700)
    # Saved only when this much came since the last save (the interval never ends).
    monkeypatch.setattr(saver, "UNSAVED_CHARS", 2_000)


def _final_saves_refused(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """A full disk for the final save (it names the finish) while `full["on"]`."""
    full = {"on": True}
    update = Store.update_message

    def final_refused(store: Store, message_id: int, change: MessageUpdate, **added: str) -> bool:
        if full["on"] and change.finish_reason is not None:
            raise StoreError("Saving to the history database failed: database or disk is full.")
        return update(store, message_id, change, **added)

    monkeypatch.setattr(Store, "update_message", final_refused)
    return full


async def _reasoning_of(reply: Reply) -> str:
    """The reasoning `reply` streamed, as its events brought it."""
    streamed: list[str] = []
    async with contextlib.aclosing(reply):
        async for event in reply:
            if isinstance(event, ReasoningDelta):
                streamed.append(event.text)
    return "".join(streamed)


async def _ask(session: Session, text: str) -> tuple[str, Reply]:
    reply = session.send(text)
    return await _reasoning_of(reply), reply


async def test_a_cut_reasoning_says_how_much_the_row_holds_past_it(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _small(monkeypatch)
    emulator.faults = Faults(token_delay=0.002, reasoning_chars=12_000, reasoning_chunk=100)
    store = Store.open(tmp_path / "conversations.db")
    async with DeepSeekClient(emulator.base_url, TEST_KEY) as client:
        session = Session(client, store, model="deepseek-reasoner", save_interval=1e9)
        whole, _ = await _ask(session, "long 100")
    # Ended with reasoning held past the head, unsaved: the message said only what
    # was let go before the final save (3,000 + 5,100 of 12,000).
    kept = session.messages[-1]
    stored = store.messages(session.conversation.id)[-1].reasoning
    assert stored == whole
    assert kept.reasoning == whole[:3_000]
    assert len(kept.reasoning) + kept.reasoning_cut == len(stored)
    store.close()


async def test_a_cut_reasoning_whose_final_save_failed_is_saved_whole_later(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The reasoning past the last save was held only by the reply: the message kept
    # (its head, cut) never saved it (1,900 characters lost).
    _small(monkeypatch)
    full = _final_saves_refused(monkeypatch)
    emulator.faults = Faults(token_delay=0.002, reasoning_chars=12_000, reasoning_chunk=100)
    store = Store.open(tmp_path / "conversations.db")
    async with DeepSeekClient(emulator.base_url, TEST_KEY) as client:
        session = Session(client, store, model="deepseek-reasoner", save_interval=1e9)
        whole, _ = await _ask(session, "long 100")
        assert session.store_error is not None
        assert session.messages[-1].reasoning_cut > 0
        full["on"] = False  # room again: the answer kept in memory is saved at the next send
        emulator.faults = Faults()
        await _ask(session, "hello")
    assert session.store_error is None
    answer = store.messages(session.conversation.id)[1]
    assert answer.finish_reason is not None
    assert len(answer.reasoning) == len(whole)
    assert answer.reasoning == whole
    store.close()


async def test_an_answer_whose_final_save_failed_continued_keeps_all_its_reasoning(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # No reasoning cut here (KEPT_CHARS as it is): only the failed final save. The
    # continuation took the row for holding all the message holds and added after
    # it: the part the failed save did not write was missing from the middle.
    monkeypatch.setattr(saver, "UNSAVED_CHARS", 2_000)
    full = _final_saves_refused(monkeypatch)
    emulator.faults = Faults(
        token_delay=0.002, finish_length=True, reasoning_chars=12_000, reasoning_chunk=100
    )
    store = Store.open(tmp_path / "conversations.db")
    async with DeepSeekClient(emulator.base_url, TEST_KEY) as client:
        session = Session(client, store, model="deepseek-reasoner", save_interval=1e9)
        whole, _ = await _ask(session, "long 100")
        assert session.store_error is not None and session.can_continue
        full["on"] = False
        more = await _reasoning_of(session.continue_answer())
    answer = store.messages(session.conversation.id)[-1]
    assert len(answer.reasoning) == len(whole) + len(more)
    assert answer.reasoning == whole + more
    store.close()


async def test_a_cut_reasoning_whose_final_save_failed_continued_is_saved_whole(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The same with a reasoning cut: the continuation starts from its head, the part
    # the row has, and the unsaved part the session kept.
    _small(monkeypatch)
    full = _final_saves_refused(monkeypatch)
    emulator.faults = Faults(
        token_delay=0.002, finish_length=True, reasoning_chars=12_000, reasoning_chunk=100
    )
    store = Store.open(tmp_path / "conversations.db")
    async with DeepSeekClient(emulator.base_url, TEST_KEY) as client:
        session = Session(client, store, model="deepseek-reasoner", save_interval=1e9)
        whole, _ = await _ask(session, "long 100")
        assert session.messages[-1].reasoning_cut > 0 and session.can_continue
        full["on"] = False
        more = await _reasoning_of(session.continue_answer())
    kept = session.messages[-1]
    answer = store.messages(session.conversation.id)[-1]
    assert answer.reasoning == whole + more
    assert len(kept.reasoning) + kept.reasoning_cut == len(answer.reasoning)
    store.close()


def test_a_save_to_a_row_that_is_gone_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its conversation deleted elsewhere: the parts past the head were refused by
    # their foreign key (a StoreError), where the row's own UPDATE wrote nothing.
    monkeypatch.setattr(store_module, "REASONING_HEAD", 10)
    store = Store.open(tmp_path / "conversations.db")
    conversation = store.create_conversation("t")
    message = store.add_message(conversation.id, MessageDraft("assistant", "", reasoning="r"))
    store.delete_conversation(conversation.id)
    assert store.update_message(message.id, MessageUpdate(), reasoning_added="x" * 30) is False
    assert store.update_message(message.id, MessageUpdate(reasoning="y" * 30)) is False
    store.close()
