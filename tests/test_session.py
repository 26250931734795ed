"""The session engine against the emulator: persistence while streaming."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from deepseek_tui.api import ContentDelta, DeepSeekClient, errors
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.messages import Message, MessageUpdate
from deepseek_tui.session import Session
from deepseek_tui.session.saver import AnswerSaver
from deepseek_tui.store import Store
from deepseek_tui.titles import title_from


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    # A file is what the app uses: the answer is then saved from a thread over a
    # connection of its own; in memory there is no file to open again.
    store = Store.memory() if request.param == "memory" else Store.open(tmp_path / "c.db")
    yield store
    store.close()


async def drain(events) -> None:
    async with contextlib.aclosing(events) as stream:
        async for _ in stream:
            pass


async def test_a_turn_is_saved_with_usage_and_title(client: DeepSeekClient, store: Store) -> None:
    session = Session(client, store, model="deepseek-reasoner")
    await drain(session.send("Why is the sky blue?"))
    messages = store.messages(session.conversation.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    answer = messages[1]
    assert answer.content and answer.reasoning and answer.model == "deepseek-reasoner"
    assert answer.finish_reason == "stop" and answer.usage.reasoning_tokens > 0
    assert session.conversation.title == "Why is the sky blue?"


async def test_switching_model_mid_conversation_sends_new_model_and_clean_history(
    client: DeepSeekClient, store: Store, emulator: Emulator
) -> None:
    session = Session(client, store, model="deepseek-reasoner")
    await drain(session.send("first question"))
    session.model = "deepseek-chat"
    await drain(session.send("second question"))
    bodies = [r.body for r in emulator.requests if r.path.endswith("chat/completions")]
    assert bodies[-1]["model"] == "deepseek-chat"
    history = bodies[-1]["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user"]
    assert all(set(m) == {"role", "content"} for m in history)
    models = [m.model for m in store.messages(session.conversation.id) if m.role == "assistant"]
    assert models == ["deepseek-reasoner", "deepseek-chat"]


async def test_a_reply_is_iterated_once_and_then_says_how_the_answer_ended(
    client: DeepSeekClient, store: Store
) -> None:
    session = Session(client, store, model="deepseek-chat")
    session.prices = {"deepseek-chat": {"cache_hit": 0, "cache_miss": 1_000_000, "output": 0}}
    session.peak_pricing = False
    reply = session.send("echo: hello there")
    assert not reply.done and store.list_conversations() == []  # nothing until iterated
    await drain(reply)
    assert reply.done and reply.error is None and reply.finish_reason == "stop"
    assert reply.content == "hello there" and reply.usage is not None
    assert reply.cost == pytest.approx(reply.usage.prompt_tokens)
    saved = store.messages(session.conversation.id)[-1]
    assert reply.message == saved == session.messages[-1] and saved.content == reply.content
    with pytest.raises(RuntimeError, match="once"):
        await drain(reply)


async def test_a_failed_turn_is_recorded_and_the_next_request_is_valid(
    client: DeepSeekClient, store: Store, emulator: Emulator
) -> None:
    session = Session(client, store, model="deepseek-reasoner")
    emulator.faults = Faults(error_status=400)
    doomed = session.send("doomed")
    await drain(doomed)  # the events end; the reply says why (one channel, no exception)
    assert isinstance(doomed.error, errors.BadRequestError)
    assert doomed.finish_reason == "error" and doomed.message is session.messages[-1]
    with pytest.raises(errors.BadRequestError):
        doomed.raise_for_error()
    emulator.faults = Faults()
    await drain(session.send("again"))  # the R1-strict emulator rejects bad histories
    stored = store.messages(session.conversation.id)
    assert [m.finish_reason for m in stored if m.role == "assistant"] == ["error", "stop"]


async def test_stopping_keeps_what_arrived_marked_stopped(emulator: Emulator, store: Store) -> None:
    emulator.faults = Faults(token_delay=0.01)
    async with DeepSeekClient(emulator.base_url, "sk-test-0000000000000000abcd") as client:
        session = Session(client, store, model="deepseek-chat", save_interval=0.05)
        seen = ""

        async def consume() -> None:
            nonlocal seen
            async with contextlib.aclosing(session.send("echo: " + "word " * 200)) as events:
                async for event in events:
                    if isinstance(event, ContentDelta):
                        seen += event.text

        task = asyncio.create_task(consume())
        async with asyncio.timeout(10):  # a deadline, so a broken stream fails, not hangs
            while len(seen) < 40:
                await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    answer = store.messages(session.conversation.id)[-1]
    assert answer.finish_reason == "stopped"
    assert answer.content.startswith(seen[:40]) and len(answer.content) >= 40


async def test_partial_answer_is_durable_while_streaming(emulator: Emulator, store: Store) -> None:
    emulator.faults = Faults(token_delay=0.01)
    async with DeepSeekClient(emulator.base_url, "sk-test-0000000000000000abcd") as client:
        session = Session(client, store, model="deepseek-chat", save_interval=0.1)
        saved_during_stream = []
        async with contextlib.aclosing(session.send("echo: " + "word " * 100)) as events:
            async for _ in events:
                if session.conversation:
                    messages = store.messages(session.conversation.id)
                    if len(messages) == 2:
                        saved_during_stream.append(len(messages[1].content))
    assert max(saved_during_stream) > 0
    assert store.messages(session.conversation.id)[1].finish_reason == "stop"


def test_titles_are_short_and_local() -> None:
    assert title_from("  hello\n world ") == "hello world"
    long = title_from("word " * 40)
    assert len(long) <= 61 and long.endswith("…")


async def test_the_cost_is_computed_and_saved(client: DeepSeekClient, store: Store) -> None:
    session = Session(client, store, model="deepseek-chat")
    session.prices = {"deepseek-chat": {"cache_hit": 0, "cache_miss": 1_000_000, "output": 0}}
    session.peak_pricing = False
    await drain(session.send("echo: priced"))
    answer = store.messages(session.conversation.id)[-1]
    assert answer.cost == pytest.approx(answer.usage.prompt_tokens)


async def test_stopped_again_while_the_answer_is_saved_the_answer_is_still_kept(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Esc twice: the second cancel comes while the final save runs in its thread. The
    # answer must still reach the history (the next question's parent) and the store.
    saving, release = threading.Event(), threading.Event()
    write_final = AnswerSaver._write_final

    def held_final(
        saver: AnswerSaver, message_id: int, final: MessageUpdate, deltas: int
    ) -> object:
        saving.set()
        release.wait(30)
        return write_final(saver, message_id, final, deltas)

    monkeypatch.setattr(AnswerSaver, "_write_final", held_final)
    emulator.faults = Faults(token_delay=0.01)
    store = Store.open(tmp_path / "c.db")
    async with DeepSeekClient(emulator.base_url, "sk-test-0000000000000000abcd") as client:
        session = Session(client, store, model="deepseek-chat")
        started = asyncio.Event()

        async def consume() -> None:
            async with contextlib.aclosing(session.send("echo: " + "word " * 200)) as events:
                async for event in events:
                    if isinstance(event, ContentDelta):
                        started.set()

        task = asyncio.create_task(consume())
        async with asyncio.timeout(30):
            await started.wait()
            task.cancel()
            while not saving.is_set():
                await asyncio.sleep(0.01)
        task.cancel()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
    answer = session.messages[-1]
    assert isinstance(answer, Message) and answer.finish_reason == "stopped"
    saved = store.get_message(answer.id)
    assert saved is not None and saved.finish_reason == "stopped" and saved.content
    store.close()
