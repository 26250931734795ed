"""No escape sequence from outside reaches the terminal. Text from a server (an answer,
an error body, a mid-stream error), from the history (titles, model ids) and from the
config (`model`) is printed by the real CLI on a pseudo-terminal, and the bytes the
terminal got are searched for ESC and C1 controls; bidi overrides and zero-width
characters in titles and model ids are written out, not applied. Piped, an answer
stays byte-exact."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
import tty

import pytest
import tomli_w

from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.messages import MessageDraft
from deepseek_tui.store import Store
from tests.helpers import TEST_KEY, read_until_closed, run

# Write the clipboard (OSC 52), set the title (OSC 0), clear the screen, ask the
# terminal to type its cursor position into the shell (CSI 6n), the same as C1 CSI.
HOSTILE = "a\x1b]52;c;cm0gLXJmIH4=\x07b\x1b]0;pwned\x1b\\c\x1b[2Jd\x1b[6ne\x9b6nf\x07g"
# A title that reads "txt.exe" backwards with an override, and one with a hidden space.
BIDI = "invoice\u202egnp.exe\u2069 and\u200bhidden\ufeff"
ENV = {"DEEPSEEK_API_KEY": TEST_KEY, "TERM": "xterm-256color"}


def _on_terminal(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> bytes:
    """Run the CLI with stdout and stderr on a raw pseudo-terminal; every byte it got."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    process = subprocess.Popen(
        [sys.executable, "-m", "deepseek_tui", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env={**os.environ, **ENV, **(env or {})},
    )
    os.close(slave)
    deadline = time.monotonic() + timeout
    try:
        screen = read_until_closed(master, deadline)
        process.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    return screen


def _inert(screen: bytes) -> None:
    assert b"\x1b" not in screen, screen
    assert "\x9b".encode() not in screen, screen  # C1 CSI, as UTF-8
    assert b"\x07" not in screen, screen


def test_an_answer_on_a_terminal_is_inert_and_piped_byte_exact(emulator: Emulator) -> None:
    ask = ("ask", "--base-url", emulator.base_url, "--no-save", f"echo: {HOSTILE}")
    screen = _on_terminal(*ask)
    _inert(screen)
    assert b"a\xe2\x90\x9b]52;c;" in screen, "the sequence is shown (as \u241b]52;…)"
    piped = run(*ask, env=ENV)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == HOSTILE.encode()


@pytest.mark.parametrize(
    "faults",
    [
        Faults(error_status=422, error_message=HOSTILE),
        Faults(error_status=400, error_body=HOSTILE, error_content_type="application/octet-stream"),
        Faults(error_event_after=2, error_message=HOSTILE),
    ],
    ids=["422-json", "400-octet-stream", "mid-stream"],
)
def test_a_servers_error_text_is_inert(emulator: Emulator, faults: Faults) -> None:
    emulator.faults = faults
    screen = _on_terminal("ask", "--base-url", emulator.base_url, "echo: hello there")
    _inert(screen)
    assert b"deepseek-tui: " in screen


def test_titles_and_model_ids_in_history_and_export_are_inert(paths) -> None:
    paths.ensure_dir()
    store = Store.open(paths.database)
    try:
        for title in (HOSTILE, BIDI):
            conversation = store.create_conversation(title)
            question = store.add_message(conversation.id, MessageDraft("user", f"needle {title}"))
            store.add_message(
                conversation.id,
                MessageDraft(
                    "assistant", f"answer {title}", model=f"model-{title}", finish_reason="stop"
                ),
                parent_id=question.id,
            )
    finally:
        store.close()
    for command in (["history"], ["history", "--search", "needle"], ["export", "last"]):
        screen = _on_terminal(*command)
        _inert(screen)
        for invisible in ("\u202e", "\u2069", "\u200b", "\ufeff"):
            if command[0] == "history":
                assert invisible.encode() not in screen, (command, invisible)
        if command[0] == "history":
            assert b"invoice<U+202E>gnp.exe<U+2069>" in screen, screen


def test_a_model_id_from_the_config_is_inert(emulator: Emulator, paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text(tomli_w.dumps({"model": HOSTILE}), encoding="utf-8")
    screen = _on_terminal("ask", "--base-url", emulator.base_url, "hello")
    _inert(screen)
    assert b"deepseek-tui: " in screen
