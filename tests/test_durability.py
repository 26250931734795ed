"""Nothing is lost: kill -9 mid-stream, many writers at once, a disk that fills up."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from deepseek_tui import store as store_module
from deepseek_tui.api import DeepSeekClient
from deepseek_tui.api.events import ReasoningDelta
from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.history import History
from deepseek_tui.messages import MessageDraft, MessageUpdate
from deepseek_tui.session import Session, pieces, saver
from deepseek_tui.store import Store
from tests.helpers import TEST_KEY, run

KEY_ENV = {"DEEPSEEK_API_KEY": TEST_KEY}


class StdoutRecorder(threading.Thread):
    """Reads a process's stdout as it comes, remembering when each byte arrived."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        super().__init__(daemon=True)
        self.process = process
        self.data = bytearray()
        self.arrivals: list[tuple[float, int]] = []  # (monotonic time, total bytes)

    def run(self) -> None:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while chunk := os.read(fd, 65536):
            self.data += chunk
            self.arrivals.append((time.monotonic(), len(self.data)))

    def printed_by(self, moment: float) -> int:
        return max((size for at, size in self.arrivals if at <= moment), default=0)


def test_kill_9_mid_stream_keeps_the_question_and_all_but_the_last_half_second(
    emulator: Emulator, paths: Paths
) -> None:
    emulator.faults = Faults(token_delay=0.01)
    answer = " ".join(f"word{index}" for index in range(600))
    process = subprocess.Popen(
        [sys.executable, "-m", "deepseek_tui", "ask", "--base-url", emulator.base_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **KEY_ENV},
    )
    assert process.stdin is not None
    process.stdin.write(f"echo: {answer}".encode())
    process.stdin.close()
    recorder = StdoutRecorder(process)
    recorder.start()
    deadline = time.monotonic() + 30
    while not recorder.arrivals or time.monotonic() - recorder.arrivals[0][0] < 2.0:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _, err = process.communicate(timeout=10)
            pytest.fail(f"no 2 s of streaming to interrupt: {err.decode(errors='replace')}")
        time.sleep(0.02)
    killed_at = time.monotonic()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    recorder.join(timeout=10)
    assert process.returncode == -signal.SIGKILL
    printed = bytes(recorder.data).decode()
    assert answer.startswith(printed) and len(printed) < len(answer)

    store = Store.open(paths.database)
    conversation = store.last_conversation()
    assert conversation is not None
    question, reply = store.messages(conversation.id)
    assert question.role == "user" and question.content == f"echo: {answer}"
    assert reply.role == "assistant" and reply.unfinished and reply.finish_reason is None
    # Saved at most every 0.5 s: all that was on screen 0.6 s before the kill is there.
    # (It may hold one piece more than was printed: saved, then killed before printing.)
    assert answer.startswith(reply.content)
    assert len(reply.content) >= recorder.printed_by(killed_at - 0.6)
    assert len(reply.content) <= len(printed) + len(" word999")
    assert len(reply.content) > 0
    store.close()

    result = run("export", "last", "--format", "json")
    assert result.returncode == 0, result.stderr
    exported = json.loads(result.stdout)
    assert [m["content"] for m in exported["messages"]] == [question.content, reply.content]
    assert exported["messages"][1]["finish_reason"] is None


def test_twelve_parallel_asks_all_land_in_history(emulator: Emulator) -> None:
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "deepseek_tui",
                "ask",
                "--base-url",
                emulator.base_url,
                f"echo: parallel answer {index}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **KEY_ENV},
        )
        for index in range(12)
    ]
    for index, process in enumerate(processes):
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()
        assert out == f"parallel answer {index}".encode()
        assert err == b""
    result = run("history", "--json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert len(listed) == 12
    assert {row["title"] for row in listed} == {f"echo: parallel answer {i}" for i in range(12)}
    assert all(row["message_count"] == 2 for row in listed)


# --- a full disk -------------------------------------------------------------------------------


class FillingDisk:
    """A disk that fills up: writes fail while `full` is set, on every connection to
    the file (the session saves a streaming answer over a connection of its own)."""

    def __init__(self) -> None:
        self.full = False
        self.refused = 0


class OnDisk:
    """Stands in for a store's connection: its writes go to `disk`."""

    def __init__(self, connection: sqlite3.Connection, disk: FillingDisk) -> None:
        self._connection = connection
        self._disk = disk

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if self._disk.full and sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            self._disk.refused += 1
            raise sqlite3.OperationalError("database or disk is full")
        return self._connection.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


async def stream_answer(session: Session, text: str, disk: FillingDisk, fill_after: int) -> str:
    shown: list[str] = []
    async with contextlib.aclosing(session.send(text)) as events:
        async for event in events:
            if type(event).__name__ == "ContentDelta":
                shown.append(event.text)
                if len(shown) == fill_after:
                    disk.full = True
    return "".join(shown)


@pytest.fixture
def full_disk_session(
    client: DeepSeekClient, emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Session, Store, FillingDisk]:
    emulator.faults = Faults(token_delay=0.003)
    disk = FillingDisk()
    open_store = Store.open

    def open_on_disk(path: Path, **options: Any) -> Store:
        store = open_store(path, **options)
        store._db = OnDisk(store._db, disk)  # type: ignore[assignment]
        return store

    monkeypatch.setattr(Store, "open", open_on_disk)
    store = Store.open(tmp_path / "conversations.db")
    session = Session(client, store, model="deepseek-chat", save_interval=0.02)
    return session, store, disk


async def test_a_full_disk_mid_stream_keeps_the_answer_in_memory_and_says_so(
    full_disk_session: tuple[Session, Store, FillingDisk],
) -> None:
    session, store, disk = full_disk_session
    answer = " ".join(f"token{index}" for index in range(150))
    shown = await stream_answer(session, f"echo: {answer}", disk, fill_after=40)

    assert shown == answer  # the stream itself never noticed
    assert disk.refused >= 2  # periodic saves and the final one were refused
    assert session.store_error is not None and "disk is full" in session.store_error
    kept = session.messages[-1]
    assert kept.content == answer and kept.finish_reason == "stop"
    # What was saved before the disk filled is in the store, marked unfinished: the
    # answer's row, behind what the history holds.
    saved = store.messages(session.conversation.id)
    assert kept.id == saved[1].id
    assert [m.role for m in saved] == ["user", "assistant"]
    assert answer.startswith(saved[1].content) and len(saved[1].content) < len(answer)
    assert saved[1].unfinished

    disk.full = False  # space was freed: the next turn is saved again
    await stream_answer(session, "echo: after the disk was freed", disk, fill_after=-1)
    stored = store.get_message(session.messages[-1].id)
    assert stored is not None and stored.content == "after the disk was freed"
    assert stored.finish_reason == "stop"
    store.close()


async def test_an_answer_kept_in_memory_is_saved_when_the_disk_has_room_again(
    full_disk_session: tuple[Session, Store, FillingDisk],
) -> None:
    session, store, disk = full_disk_session
    answer = " ".join(f"token{index}" for index in range(150))
    await stream_answer(session, f"echo: {answer}", disk, fill_after=40)
    disk.full = False
    await stream_answer(session, "echo: next", disk, fill_after=-1)
    saved = store.messages(session.conversation.id)
    assert [m.content for m in saved] == [f"echo: {answer}", answer, "echo: next", "next"]
    assert saved[1].finish_reason == "stop"
    assert session.store_error is None
    store.close()


# --- two connections in one process ------------------------------------------------------


def _read_in_another_process(database: Path, message_id: int) -> str:
    script = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1])\n"
        "print(db.execute('SELECT content FROM messages WHERE id = ?', (int(sys.argv[2]),))"
        ".fetchone()[0], end='')\n"
        "db.close()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(database), str(message_id)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_a_second_store_on_the_file_keeps_what_the_first_writes(tmp_path: Path) -> None:
    # The answer is saved over a connection of its own (a search reads over another).
    # Opening the file again used to open and close it, which drops every POSIX lock
    # the process holds on it: another process then took itself for the last
    # connection, deleted the WAL, and the writes after it went to the deleted file.
    database = tmp_path / "conversations.db"
    first = Store.open(database)
    _, question = first.start_conversation("title", MessageDraft("user", "asked"))
    second = Store.open(database)
    assert _read_in_another_process(database, question.id) == "asked"
    first.update_message(question.id, MessageUpdate(content="changed"))
    second.update_message(question.id, MessageUpdate(content="changed again"))
    assert _read_in_another_process(database, question.id) == "changed again"
    second.close()
    first.close()


# --- a conversation deleted by another process -------------------------------------------


def _deleted_by_another(database: Path, conversation_id: str) -> None:
    """What a second window does: its delete (hidden, undoable), then its quit (for good)."""
    other = Store.open(database)
    other.set_archived(conversation_id, True)
    other.delete_conversation(conversation_id)
    other.close()


async def test_an_answer_whose_conversation_is_deleted_mid_stream_is_saved_again(
    emulator: Emulator, tmp_path: Path
) -> None:
    # Issue 19 §3: the answer's saves went to rows that were gone, the next question
    # failed an assert (nothing sent, nothing said) and the database kept nothing.
    emulator.faults = Faults(token_delay=0.005)
    database = tmp_path / "conversations.db"
    store = Store.open(database)
    answer = " ".join(f"token{index}" for index in range(120))
    async with DeepSeekClient(emulator.base_url, TEST_KEY) as client:
        session = Session(client, store, model="deepseek-chat", save_interval=0.02)
        shown, deleted = "", False
        async with contextlib.aclosing(session.send(f"echo: {answer}")) as events:
            async for event in events:
                shown += getattr(event, "text", "")
                if len(shown) > 100 and not deleted:  # its row is saved by then
                    _deleted_by_another(database, session.conversation.id)
                    deleted = True
        assert shown == answer
        conversation_id = session.conversation.id
        assert session.take_notice() is not None and session.take_notice() is None  # once
        saved = store.messages(conversation_id)
        assert [(m.role, m.content) for m in saved] == [
            ("user", f"echo: {answer}"),
            ("assistant", answer),
        ]
        assert saved[1].finish_reason == "stop" and session.messages == saved

        await drain_reply(session.send("echo: and then"))
        sent = [r.body["messages"] for r in emulator.requests if r.path.endswith("/completions")]
        assert [m["content"] for m in sent[-1]] == [f"echo: {answer}", answer, "echo: and then"]
    saved = store.messages(conversation_id)
    assert [m.content for m in saved][2:] == ["echo: and then", "and then"]
    assert session.store_error is None
    store.close()


async def test_a_long_reasoning_whose_conversation_is_deleted_mid_stream_is_saved_again(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A save adding reasoning parts to the row that was gone failed on their foreign
    # key ("FOREIGN KEY constraint failed" said to the user, where a save to a gone
    # row writes nothing), and the reply kept going on letting go of what it took
    # for saved: the answer saved again would have had the head alone.
    monkeypatch.setattr(pieces, "KEPT_CHARS", 3_000)
    monkeypatch.setattr(store_module, "REASONING_HEAD", 1_000)
    monkeypatch.setattr(saver, "UNSAVED_CHARS", 2_000)
    emulator.faults = Faults(token_delay=0.001, reasoning_chars=12_000, reasoning_chunk=100)
    database = tmp_path / "conversations.db"
    store = Store.open(database)
    streamed: list[str] = []
    async with DeepSeekClient(emulator.base_url, TEST_KEY) as client:
        session = Session(client, store, model="deepseek-reasoner", save_interval=1e9)
        async with contextlib.aclosing(session.send("long 100")) as reply:
            async for event in reply:
                if isinstance(event, ReasoningDelta):
                    streamed.append(event.text)
                    if len(streamed) == 5:  # its row is there, its head filling
                        _deleted_by_another(database, session.conversation.id)
    assert session.take_notice() is not None
    assert session.store_error is None
    saved = store.messages(session.conversation.id)
    assert saved[-1].reasoning == "".join(streamed)
    store.close()


async def test_a_question_into_a_conversation_deleted_meanwhile_goes_out_and_is_saved(
    client: DeepSeekClient, tmp_path: Path, emulator: Emulator
) -> None:
    database = tmp_path / "conversations.db"
    store = Store.open(database)
    session = Session(client, store, model="deepseek-chat")
    await drain_reply(session.send("echo: first"))
    _deleted_by_another(database, session.conversation.id)
    await drain_reply(session.send("echo: second"))
    assert emulator.requests[-1].body["messages"][-1]["content"] == "echo: second"
    saved = store.messages(session.conversation.id)
    assert [m.content for m in saved] == ["echo: first", "first", "echo: second", "second"]
    assert session.take_notice() is not None
    # ^r after it: the question it answers is the last one, with the whole history.
    await drain_reply(session.regenerate())
    assert [m["content"] for m in emulator.requests[-1].body["messages"]] == [
        "echo: first",
        "first",
        "echo: second",
    ]
    store.close()


async def test_a_conversation_hidden_by_another_window_mid_stream_outlives_its_quit(
    emulator: Emulator, tmp_path: Path
) -> None:
    # The other window's delete is undoable until it quits: the answer goes on into the
    # hidden conversation, which is shown again, so that the quit deletes nothing.
    emulator.faults = Faults(token_delay=0.005)
    database = tmp_path / "conversations.db"
    store, other = Store.open(database), Store.open(database)
    second_window = History(other)
    async with DeepSeekClient(emulator.base_url, TEST_KEY) as client:
        session = Session(client, store, model="deepseek-chat", save_interval=0.02)
        shown = ""
        async with contextlib.aclosing(session.send("echo: " + "word " * 60)) as events:
            async for event in events:
                shown += getattr(event, "text", "")
                if len(shown) > 40 and not second_window.can_undo:
                    second_window.delete(session.conversation.id)
    assert session.take_notice() is not None
    second_window.close()
    other.close()
    saved = store.messages(session.conversation.id)
    assert [m.role for m in saved] == ["user", "assistant"] and saved[1].content == shown
    assert [c.conversation.id for c in store.list_conversations()] == [session.conversation.id]
    store.close()


async def drain_reply(reply) -> None:
    async with contextlib.aclosing(reply) as events:
        async for _ in events:
            pass
