"""Hostile files (issue 11 §8): symlinks and devices as export targets, loose
permissions, a read-only config dir, another program's SQLite file, a disk that
fills between a conversation and its first message. The CLI runs as a subprocess on
real files in temporary folders."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deepseek_tui.api import DeepSeekClient
from deepseek_tui.config import Paths, store_api_key
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.messages import MessageDraft, MessageUpdate
from deepseek_tui.session import Session
from deepseek_tui.store import APPLICATION_ID, Store, StoreError
from tests.helpers import TEST_KEY, run

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes and special files")


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def saved_conversation(paths: Paths, text: str = "hello") -> str:
    paths.ensure_dir()
    store = Store.open(paths.database)
    conversation, first = store.start_conversation("A title", MessageDraft("user", text))
    reply = store.add_message(
        conversation.id, MessageDraft("assistant", f"echo: {text}"), parent_id=first.id
    )
    store.update_message(reply.id, MessageUpdate(finish_reason="stop"))
    store.close()
    return conversation.id


# --- export --output ----------------------------------------------------------------------


@posix_only
def test_export_onto_a_symlink_writes_through_it_and_keeps_the_link(
    paths: Paths, tmp_path: Path
) -> None:
    saved_conversation(paths, "through the link")
    target = tmp_path / "real.md"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.md"
    link.symlink_to(target)

    result = run("export", "last", "--output", str(link))

    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "through the link" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file keeps its mode


@posix_only
@pytest.mark.parametrize("kind", ["fifo", "folder", "link to /dev/null"])
def test_export_refuses_what_is_not_a_regular_file(paths: Paths, tmp_path: Path, kind: str) -> None:
    saved_conversation(paths)
    target = tmp_path / "target"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        target.symlink_to("/dev/null")
    before = target.lstat()

    result = run("export", "last", "--output", str(target))

    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0]
    assert "name a file, or - for stdout" in lines[0]
    after = target.lstat()
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)  # not replaced
    assert after.st_ino == before.st_ino
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_export_output_dash_is_stdout(paths: Paths, tmp_path: Path) -> None:
    saved_conversation(paths, "to stdout")
    result = subprocess.run(
        [sys.executable, "-m", "deepseek_tui", "export", "last", "--output", "-"],
        capture_output=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert b"to stdout" in result.stdout
    assert not (tmp_path / "-").exists()


# --- permissions --------------------------------------------------------------------------


@posix_only
def test_a_config_dir_and_key_file_others_can_read_are_made_private_once(paths: Paths) -> None:
    store_api_key(paths, TEST_KEY)
    paths.dir.chmod(0o755)
    paths.credentials_file.chmod(0o644)

    first = run("key", "show")
    second = run("key", "show")

    notices = [line for line in first.stderr.decode().splitlines() if "private" in line]
    assert len(notices) == 1, first.stderr
    assert str(paths.dir) in notices[0] and "credentials.toml 644→600" in notices[0]
    assert stat.S_IMODE(paths.dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.credentials_file.stat().st_mode) == 0o600
    assert b"private" not in second.stderr


@posix_only
def test_tightening_keeps_a_read_only_config_dir_read_only(paths: Paths) -> None:
    saved_conversation(paths)
    paths.dir.chmod(0o555)
    try:
        result = run("history")
    finally:
        mode = stat.S_IMODE(paths.dir.stat().st_mode)
        paths.dir.chmod(0o700)
    assert result.returncode == 0, result.stderr
    assert mode == 0o500


@posix_only
def test_a_folder_without_our_files_is_not_touched(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    folder.chmod(0o755)
    result = run("history", "--config-dir", str(folder))
    assert result.returncode == 0 and result.stderr == b""
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


@posix_only
def test_the_history_database_is_created_owner_only(tmp_path: Path) -> None:
    with umask(0o022):
        store = Store.open(tmp_path / "conversations.db")
        store.start_conversation("t", MessageDraft("user", "hello"))
        modes = {
            path.name: stat.S_IMODE(path.stat().st_mode)
            for path in tmp_path.iterdir()
            if path.name.startswith("conversations.db")
        }
        store.close()
    assert modes["conversations.db"] == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes


# --- a config dir we cannot write -----------------------------------------------------------


def run_unable_to_write(config: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI with the config dir and its files made read-only. Root writes
    anywhere, so as root the command runs without the capabilities that allow it."""
    for path in config.iterdir():
        path.chmod(0o444)
    config.chmod(0o555)
    command = [sys.executable, "-m", "deepseek_tui", *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv to drop CAP_DAC_OVERRIDE")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    try:
        return subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    finally:
        config.chmod(0o700)


@posix_only
def test_history_and_export_work_in_a_config_dir_that_cannot_be_written(
    paths: Paths,
) -> None:
    conversation_id = saved_conversation(paths, "read me back")
    before = paths.database.read_bytes()

    listed = run_unable_to_write(paths.dir, "history", "--json")
    found = run_unable_to_write(paths.dir, "history", "--search", "read")
    exported = run_unable_to_write(paths.dir, "export", "last", "--format", "json")

    assert listed.returncode == 0, listed.stderr
    assert [row["id"] for row in json.loads(listed.stdout)] == [conversation_id]
    assert found.returncode == 0 and b"read me back" in found.stdout, found.stderr
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["messages"][0]["content"] == "read me back"
    assert paths.database.read_bytes() == before
    assert sorted(p.name for p in paths.dir.iterdir()) == ["conversations.db"]


def test_a_read_only_store_refuses_writes_with_a_sentence(tmp_path: Path) -> None:
    Store.open(tmp_path / "conversations.db").close()
    store = Store.open(tmp_path / "conversations.db", read_only=True)
    with pytest.raises(StoreError, match="not writable"):
        store.start_conversation("t", MessageDraft("user", "hello"))
    store.close()


# --- another program's SQLite file ----------------------------------------------------------


def foreign_database(path: Path, tables: str) -> bytes:
    db = sqlite3.connect(path)
    db.executescript(tables)
    db.execute("PRAGMA user_version = 7")
    db.commit()
    db.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    "tables",
    [
        # Another chat program: the same table names, other columns.
        "CREATE TABLE conversations (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, chat INTEGER, body TEXT);"
        "INSERT INTO messages (chat, body) VALUES (1, 'theirs');",
        # Something else entirely.
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
        "INSERT INTO notes (body) VALUES ('theirs');",
    ],
    ids=["other-chat-app", "notes"],
)
def test_another_programs_sqlite_file_is_refused_and_never_written(
    paths: Paths, tables: str
) -> None:
    paths.ensure_dir()
    before = foreign_database(paths.database, tables)

    for args in (["history"], ["export", "last"], ["ask", "--demo", "hello"]):
        result = run(*args)
        err = result.stderr.decode()
        # `ask` still answers, without saving; the others cannot do their job.
        assert result.returncode == (0 if args[0] == "ask" else 1), (args, err)
        assert "is not a deepseek-tui history database" in err and "Traceback" not in err

    assert paths.database.read_bytes() == before
    # No -wal or -shm beside it (`ask --demo` leaves its demo tool server's log in logs/).
    assert sorted(p.name for p in paths.dir.iterdir() if p.name != "logs") == ["conversations.db"]
    db = sqlite3.connect(paths.database)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    db.close()


def test_our_files_carry_our_application_id_and_older_ones_still_open(tmp_path: Path) -> None:
    path = tmp_path / "conversations.db"
    Store.open(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    db.execute("PRAGMA application_id = 0")  # as written before the id existed
    db.commit()
    db.close()
    store = Store.open(path)
    store.start_conversation("t", MessageDraft("user", "still ours"))
    store.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    db.close()


# --- a disk that fills between the conversation and its first message -----------------------


class DiskWithRoomFor:
    """Stands in for the store's connection: after `room` INSERTs, writes fail."""

    def __init__(self, connection: sqlite3.Connection, room: int) -> None:
        self._connection = connection
        self.room = room

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            if self.room <= 0:
                raise sqlite3.OperationalError("database or disk is full")
            self.room -= 1
        return self._connection.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


async def test_a_disk_full_at_the_first_message_leaves_no_empty_conversation(
    client: DeepSeekClient, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.faults = Faults()
    store = Store.open(tmp_path / "conversations.db")
    disk = DiskWithRoomFor(store._db, room=1)  # the conversation row fits, nothing more
    store._db = disk  # type: ignore[assignment]
    session = Session(client, store, model="deepseek-chat")

    async for _event in session.send("echo: first question"):
        pass

    assert session.store_error is not None and "disk is full" in session.store_error
    assert isinstance(session.messages[0], MessageDraft)
    assert store.count_conversations() == 0
    assert store.list_conversations() == []

    disk.room = 1_000  # space was freed: the kept question and answer are saved too
    async for _event in session.send("echo: second question"):
        pass
    assert session.conversation is not None
    saved = store.messages(session.conversation.id)
    assert [m.content for m in saved] == [
        "echo: first question",
        "first question",
        "echo: second question",
        "second question",
    ]
    assert store.count_conversations() == 1
    store.close()
