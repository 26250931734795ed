"""Typing as a fast client does (SSH, autotype, tmux send-keys): text and Enter in one
write to the real app in a pseudo-terminal. Every character goes out, in order."""

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

from deepseek_tui.emulator import Emulator
from deepseek_tui.store import Store
from tests.helpers import TEST_KEY

QUESTIONS = ["echo: first one", "echo: second, with more words in it", "echo: 3rd"]


class Terminal:
    """The app in a pseudo-terminal; what it draws is kept to look for text in."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.screen = b""

    def read(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.02)
            if ready:
                try:
                    self.screen = (self.screen + os.read(self.fd, 65536))[-200_000:]
                except OSError:
                    return

    def wait_for(self, what: bytes, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while what not in self.screen:
            assert time.monotonic() < deadline, f"{what!r} never appeared on screen"
            self.read(0.05)


def _finished_questions(database: Path) -> list[str]:
    """The questions whose answers are complete, in order."""
    if not database.exists():
        return []
    store = Store.open(database)
    try:
        conversation = store.last_conversation()
        if conversation is None:
            return []
        messages = store.messages(conversation.id)
    finally:
        store.close()
    done = []
    for question, answer in zip(messages[::2], messages[1::2], strict=False):
        if answer.finish_reason is not None:
            done.append(question.content)
    return done


def _wait_until(condition, terminal: Terminal, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        terminal.read(0.1)


def test_text_and_enter_in_one_write_sends_every_character_in_order(tmp_path: Path) -> None:
    config = tmp_path / "config"
    database = config / "conversations.db"
    with Emulator() as emulator:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the app, as a user starts it
            os.environ.update(
                DEEPSEEK_API_KEY=TEST_KEY, DEEPSEEK_TUI_CONFIG_DIR=str(config), TERM="xterm"
            )
            os.execv(
                sys.executable,
                [sys.executable, "-m", "deepseek_tui", "--base-url", emulator.base_url],
            )
        terminal = Terminal(fd)
        try:
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
            terminal.wait_for(b"deepseek-chat")  # the status bar: the chat is up
            for count, question in enumerate(QUESTIONS, start=1):
                os.write(fd, question.encode() + b"\r")  # one read for the app
                _wait_until(lambda n=count: len(_finished_questions(database)) >= n, terminal)
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)
    assert _finished_questions(database) == QUESTIONS
