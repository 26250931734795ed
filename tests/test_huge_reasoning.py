"""Huge reasoning (issue 19 §5): held once, and written again only while it grows;
the final save writes only what the row does not hold yet.
Speed and memory are measured by benchmarks/reasoning.py; these check the structure."""

from __future__ import annotations

import contextlib

import pytest

from deepseek_tui import store as store_module
from deepseek_tui.api import DeepSeekClient
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.markdown import BlockSplitter
from deepseek_tui.messages import MessageDraft, MessageUpdate
from deepseek_tui.session import Session
from deepseek_tui.store import Store
from tests.helpers import TEST_KEY


async def test_once_the_answer_streams_its_saves_leave_the_reasoning_alone(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every save rewrote the whole reasoning (and the search index read it again),
    # 200 MB of it each time the answer grew.
    saves: list[MessageUpdate] = []
    update = Store.update_message

    def recorded(store: Store, message_id: int, change: MessageUpdate) -> None:
        saves.append(change)
        update(store, message_id, change)

    monkeypatch.setattr(Store, "update_message", recorded)
    emulator.faults = Faults(token_delay=0.002, pieces_per_chunk=4)
    store = Store.memory()  # saves on the loop, one by one
    async with DeepSeekClient(emulator.base_url, TEST_KEY) as client:
        session = Session(client, store, model="deepseek-reasoner", save_interval=0)
        async with contextlib.aclosing(session.send("long 1500")) as events:
            async for _ in events:
                pass
    *periodic, final = saves
    answering = [change for change in periodic if change.content]
    assert len(answering) > 5
    assert all(change.reasoning is None for change in answering[1:])
    saved = store.messages(session.conversation.id)[-1]
    assert saved.reasoning == session.messages[-1].reasoning and saved.reasoning
    # The last save wrote it all: the final one leaves the text alone (200 MB of
    # reasoning written again, and the search triggers copying it), and the message
    # kept is the reply's own text, not a second copy read back from the store.
    assert final.reasoning is None and final.content is None
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
    text = "word " * 1_000_000  # 5 MB
    for end in range(3):
        store.update_message(message.id, MessageUpdate(reasoning=f"{text}{end}"))
    store.update_message(message.id, MessageUpdate(finish_reason="stop"))
    # The next writes after a checkpoint start the WAL again, cut back.
    for title in ("a", "b"):
        store.rename_conversation(conversation.id, title)
    assert path.with_name("conversations.db-wal").stat().st_size <= 2_000_000
    assert store.get_message(message.id).reasoning == f"{text}2"
    store.close()
