"""`kill -9` of the real app (in a pseudo-terminal) while an answer streams."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.emulator.replies import reply_for
from deepseek_tui.store import Store
from tests.helpers import TEST_KEY

QUESTION = "long 3000"
# The emulator's answer is deterministic: what the app would have shown in full.
ANSWER = reply_for([{"role": "user", "content": QUESTION}], thinking=False)[1]


def _drain(fd: int, seconds: float) -> None:
    """Read (and drop) what the app draws, so it never blocks on a full pty."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.02)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                return


def _wait_for_screen(fd: int, text: bytes, timeout: float = 30.0) -> None:
    """Read what the app draws until `text` appears (the app is up and listening)."""
    drawn = b""
    deadline = time.monotonic() + timeout
    while text not in drawn:
        assert time.monotonic() < deadline, f"{text!r} never appeared on screen"
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            drawn = (drawn + os.read(fd, 65536))[-200_000:]


def _stored_answer(database: Path) -> str:
    store = Store.open(database)
    try:
        conversation = store.last_conversation()
        if conversation is None:
            return ""
        messages = store.messages(conversation.id)
        return messages[-1].content if messages[-1].role == "assistant" else ""
    finally:
        store.close()


def test_kill_9_mid_stream_keeps_the_question_and_all_but_the_last_half_second(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    database = config / "conversations.db"
    with Emulator(faults=Faults(token_delay=0.01)) as emulator:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the app, as a user starts it
            os.environ.update(
                DEEPSEEK_API_KEY=TEST_KEY, DEEPSEEK_TUI_CONFIG_DIR=str(config), TERM="xterm"
            )
            os.execv(
                sys.executable,
                [sys.executable, "-m", "deepseek_tui", "--base-url", emulator.base_url],
            )
        try:
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            _wait_for_screen(fd, b"deepseek-chat")  # the status bar: the chat is up
            for char in QUESTION:
                os.write(fd, char.encode())  # typed, not pasted
                _drain(fd, 0.01)
            _drain(fd, 0.3)
            os.write(fd, b"\r")
            deadline = time.monotonic() + 20
            while len(_stored_answer(database)) < 200 and time.monotonic() < deadline:
                _drain(fd, 0.1)
            before = _stored_answer(database)
            _drain(fd, 0.7)  # longer than the 0.5 s save interval
            os.kill(pid, signal.SIGKILL)
        finally:
            os.waitpid(pid, 0)
            os.close(fd)
    store = Store.open(database)
    conversation = store.last_conversation()
    question, answer = store.messages(conversation.id)
    store.close()
    assert question.content == QUESTION
    assert answer.unfinished, "the stream never ended: it shows as interrupted"
    assert ANSWER.startswith(answer.content)
    assert len(answer.content) > len(before) >= 200, "saved again within the last 0.7 s"
