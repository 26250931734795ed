"""Keys that arrive in one read are applied in the order they were typed (issue 18 §2,
textual#6605): the installed app on a pseudo-terminal, each burst written at once, as
a fast typist, a macro or a slow SSH link delivers it.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import DEADLINE, TEST_KEY, chat_bodies

BURSTS = [
    (b"foo\x7fbar\r", "fobar"),  # a backspace between letters
    (b"xyz\x1b[D\x1b[DQ\r", "xQyz"),  # two lefts, then a letter
    (b"abc\x15text\r", "text"),  # ^u (to the line's start), then the question
]


def _drain(master: int) -> bytes:
    """What the app drew since the last read (the pty must not fill up)."""
    out = b""
    while select.select([master], [], [], 0)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def _text(drawn: bytes) -> bytes:
    """The characters drawn, without the escape sequences between them."""
    return re.sub(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]", b"", drawn)


def _wait(master: int, condition, what: str, timeout: float = DEADLINE * 3) -> bytes:
    deadline = time.monotonic() + timeout
    seen = b""
    while not condition(seen):
        assert time.monotonic() < deadline, f"not within {timeout:g} s: {what}"
        select.select([master], [], [], 0.05)
        seen += _drain(master)
    return seen


def _finished_questions(database: Path) -> list[str]:
    if not database.exists():
        return []
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            rows = db.execute(
                "SELECT q.content FROM messages q JOIN messages a ON a.parent_id = q.id "
                "WHERE q.role = 'user' AND a.finish_reason IS NOT NULL ORDER BY q.id"
            ).fetchall()
    except sqlite3.OperationalError:
        return []  # the file is there, its tables not yet (or it is busy): ask again
    return [content for (content,) in rows]


def test_keys_in_one_read_are_applied_in_order(emulator: Emulator, tmp_path: Path) -> None:
    config = tmp_path / "config"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    command = [sys.executable, "-m", "deepseek_tui", "--config-dir", str(config)]
    process = subprocess.Popen(
        [*command, "--base-url", emulator.base_url, "--model", "deepseek-chat"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "TERM": "xterm-256color", "DEEPSEEK_API_KEY": TEST_KEY},
    )
    os.close(slave)
    try:
        _wait(master, lambda seen: b"Ask DeepSeek" in _text(seen), "the composer is drawn")
        for count, (burst, _) in enumerate(BURSTS, start=1):
            os.write(master, burst)  # one write: the app reads it in one go
            _wait(
                master,
                lambda _, count=count: (
                    len(_finished_questions(config / "conversations.db")) >= count
                ),
                f"question {count} answered",
            )
        os.write(master, b"\x11")  # ^q
        _wait(master, lambda _: process.poll() is not None, "the app quit")
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert _finished_questions(config / "conversations.db") == [text for _, text in BURSTS]


def test_a_question_typed_while_one_streams_stays_apart(emulator: Emulator, tmp_path: Path) -> None:
    """Issue 18 item 17: Enter while an answer streams keeps the question in the
    composer and what is typed next goes on a new line, even in the same burst; a
    question typed right after Enter in one burst stays in the composer once the
    first is sent."""
    config = tmp_path / "config"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    command = [sys.executable, "-m", "deepseek_tui", "--config-dir", str(config)]
    emulator.faults = Faults(token_delay=0.5)  # the first answer streams for minutes
    process = subprocess.Popen(
        [*command, "--base-url", emulator.base_url, "--model", "deepseek-chat"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "TERM": "xterm-256color", "DEEPSEEK_API_KEY": TEST_KEY},
    )
    os.close(slave)
    database = config / "conversations.db"
    try:
        _wait(master, lambda seen: b"Ask DeepSeek" in _text(seen), "the composer is drawn")
        os.write(master, b"long 400\r")
        _wait(master, lambda _: chat_bodies(emulator), "the first request")
        emulator.faults = Faults()
        _wait(master, lambda seen: b"long 400" in _text(seen), "the first question drawn")
        os.write(master, b"second fast question\rthird one")  # one burst, mid-stream
        _wait(master, lambda seen: b"third one" in _text(seen), "the typing drawn")
        os.write(master, b"\x1b")  # esc: stop the first answer
        _wait(master, lambda _: len(_finished_questions(database)) >= 1, "the first stopped")
        os.write(master, b"\r")
        _wait(master, lambda _: len(_finished_questions(database)) >= 2, "the second answered")
        os.write(master, b"echo: fourth\recho: fifth")  # the next question right after ⏎
        _wait(master, lambda _: len(_finished_questions(database)) >= 3, "the fourth answered")
        os.write(master, b"\r")
        _wait(master, lambda _: len(_finished_questions(database)) >= 4, "the fifth answered")
        os.write(master, b"\x11")  # ^q
        _wait(master, lambda _: process.poll() is not None, "the app quit")
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert _finished_questions(database) == [
        "long 400",
        "second fast question\nthird one",
        "echo: fourth",
        "echo: fifth",
    ]
