"""`ask` with text that is not valid Unicode: a lone surrogate in the answer, invalid
UTF-8 in the prompt. The answer is never lost: the bad character is replaced (U+FFFD)
and the rest arrives, is printed and is saved with its finish reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.store import Store
from tests.helpers import TEST_KEY

KEY = {"DEEPSEEK_API_KEY": TEST_KEY}


def _ask(
    emulator: Emulator, *prompt: str | bytes, stdin: bytes | None = None, **env: str
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "deepseek_tui", "ask", "--base-url", emulator.base_url, *prompt],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        env={**os.environ, **KEY, **env},
        timeout=60,
    )


def _last_turn(config: Path) -> tuple[str, str, str | None]:
    store = Store.open(config / "conversations.db")
    try:
        conversation = store.last_conversation()
        assert conversation is not None
        question, answer = store.messages(conversation.id)[-2:]
    finally:
        store.close()
    return question.content, answer.content, answer.finish_reason


def test_a_lone_surrogate_in_the_answer_is_replaced_and_the_rest_arrives(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.faults = Faults(extra_delta="bad \ud800 char", extra_delta_after=2)
    result = _ask(emulator, "echo: one two three four five")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("utf-8")
    assert "bad \ufffd char" in out
    assert out.endswith("four five"), "the answer goes on after the bad character"
    assert _last_turn(tmp_path / "config")[1:] == (out, "stop")


@pytest.mark.parametrize("io", ["utf-8:strict", "utf-8:surrogateescape"])
def test_invalid_utf8_on_stdin_is_replaced_and_answered(
    emulator: Emulator, tmp_path: Path, io: str
) -> None:
    # strict is what a UTF-8 locale gives; surrogateescape what the C locale gives.
    result = _ask(emulator, "-", stdin=b"echo: ab\xffcd", PYTHONIOENCODING=io)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ab\ufffdcd".encode()
    question, answer, reason = _last_turn(tmp_path / "config")
    assert (question, answer, reason) == ("echo: ab\ufffdcd", "ab\ufffdcd", "stop")


def test_invalid_utf8_in_an_argument_is_replaced_and_answered(
    emulator: Emulator, tmp_path: Path
) -> None:
    result = _ask(emulator, b"echo: ab\xffcd")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ab\ufffdcd".encode()
    assert _last_turn(tmp_path / "config")[1:] == ("ab\ufffdcd", "stop")
