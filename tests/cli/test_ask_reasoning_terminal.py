"""`ask --show-reasoning` as a user sees it: on a terminal (a real pseudo-terminal) the
reasoning is labelled and dimmed, the answer is not, and the model's own escape
sequences are shown, never run; piped, stderr is the plain reasoning as before."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
import tty
from collections.abc import Callable
from pathlib import Path

import pytest

from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.store import Store
from tests.helpers import DEADLINE, TEST_KEY, run

DIM = b"\x1b[2m"
DIM_ITALIC = b"\x1b[2;3m"
RESET = b"\x1b[0m"
OURS = (DIM, DIM_ITALIC, RESET)
THINKING = DIM + "Thinking…".encode() + RESET + b"\n"
THOUGHT = re.compile(rb"\x1b\[2m(Thought for \d+\.\d s(?: \xc2\xb7 [\d,]+ tokens)?)\x1b\[0m\n")
QUESTION = "Why is the sky blue?"


def _terminal_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DEEPSEEK_API_KEY": TEST_KEY, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    return {**env, **extra}


def _on_terminal(
    *args: str,
    env: dict[str, str],
    stdout_too: bool = True,
    interrupt_when: Callable[[bytes], bool] | None = None,
    timeout: float = 60,
) -> tuple[int, bytes, bytes]:
    """Run the CLI with stderr (and stdout, unless `stdout_too` is false) on a
    pseudo-terminal; return (status, what the terminal got, stdout when piped).
    The terminal is raw so the bytes are exactly what was written. With
    `interrupt_when`, Ctrl-C (SIGINT) is sent once the terminal shows what it asks for."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    process = subprocess.Popen(
        [sys.executable, "-m", "deepseek_tui", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave if stdout_too else subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    screen = b""
    piped = b""
    sources = [master] + ([] if stdout_too else [process.stdout.fileno()])  # type: ignore[union-attr]
    interrupted = False
    deadline = time.monotonic() + timeout
    try:
        while sources:
            assert time.monotonic() < deadline, f"ask did not finish; the terminal got {screen!r}"
            ready, _, _ = select.select(sources, [], [], 0.05)
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # EIO: the last writer to the terminal is gone
                    data = b""
                if not data:
                    sources.remove(fd)
                elif fd == master:
                    screen += data
                else:
                    piped += data
            if interrupt_when is not None and not interrupted and interrupt_when(screen):
                process.send_signal(signal.SIGINT)
                interrupted = True
        status = process.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    return status, screen, piped


def _without_ours(data: bytes) -> bytes:
    for code in OURS:
        data = data.replace(code, b"")
    return data


def _dimmed_text(data: bytes) -> bytes:
    """The text written in dim italic, joined."""
    return b"".join(re.findall(rb"\x1b\[2;3m(.*?)\x1b\[0m", data, re.S))


def _last_reasoning(config: Path) -> str:
    store = Store.open(config / "conversations.db")
    try:
        conversation = store.last_conversation()
        assert conversation is not None
        reasoning = store.messages(conversation.id)[-1].reasoning
    finally:
        store.close()
    assert reasoning
    return reasoning


def test_on_a_terminal_the_reasoning_is_labelled_and_dimmed_and_the_answer_is_not(
    emulator: Emulator, tmp_path: Path
) -> None:
    ask = ("ask", "--base-url", emulator.base_url, "--model", "deepseek-reasoner")
    piped = run(*ask, "--show-reasoning", "--no-save", QUESTION, env={"DEEPSEEK_API_KEY": TEST_KEY})
    assert piped.returncode == 0, piped.stderr
    answer = piped.stdout

    status, screen, _ = _on_terminal(*ask, "--show-reasoning", QUESTION, env=_terminal_env())
    assert status == 0, screen
    reasoning = _last_reasoning(tmp_path / "config").encode()

    # "Thinking…", the reasoning in dim italic, "Thought for … s", a blank line, the answer.
    assert screen.startswith(THINKING), screen[:200]
    closing = THOUGHT.search(screen)
    assert closing is not None, screen
    thought = screen[len(THINKING) : closing.start()]
    assert _dimmed_text(thought) == reasoning
    assert re.sub(rb"\x1b\[2;3m.*?\x1b\[0m", b"", thought, flags=re.S) == b"\n"
    assert thought.endswith(RESET + b"\n"), "the closing label starts on its own line"
    after = screen[closing.end() :]
    assert after.startswith(b"\n"), "a blank line before the answer"
    # The answer is plain: every style was reset before it, and none is inside it.
    assert b"\x1b" not in after
    assert after[1:] == answer + (b"" if answer.endswith(b"\n") else b"\n")


def test_piped_stderr_is_the_plain_reasoning_as_before(emulator: Emulator, tmp_path: Path) -> None:
    result = run(
        "ask",
        "--base-url",
        emulator.base_url,
        "--model",
        "deepseek-reasoner",
        "--show-reasoning",
        QUESTION,
        env={"DEEPSEEK_API_KEY": TEST_KEY, "TERM": "xterm-256color"},
    )
    assert result.returncode == 0, result.stderr
    reasoning = _last_reasoning(tmp_path / "config")
    assert result.stderr == (reasoning + "\n\n").encode()
    assert b"\x1b" not in result.stderr + result.stdout


def test_the_models_escape_sequences_in_the_reasoning_are_shown_not_run(
    emulator: Emulator,
) -> None:
    # The emulator's reasoning quotes the question, so the question carries the attack:
    # a title change (OSC), a colour, a clear screen via the C1 CSI, a bell.
    hostile = "echo: \x1b]0;pwned\x07 \x1b[31mred\x1b[0m \x9b2J \x07 done"
    status, screen, stdout = _on_terminal(
        "ask",
        "--base-url",
        emulator.base_url,
        "--model",
        "deepseek-reasoner",
        "--show-reasoning",
        "--no-save",
        hostile,
        env=_terminal_env(),
        stdout_too=False,
    )
    assert status == 0, screen
    assert screen.startswith(THINKING)
    shown = _dimmed_text(screen).decode()
    assert "“␛]0;pwned␇ ␛[31mred␛[0m \ufffd2J ␇ done”" in shown, shown
    plain = _without_ours(screen)
    for control in (b"\x1b", b"\x07", "\x9b".encode()):
        assert control not in plain, (control, screen)
    # stdout is piped: the answer is byte-exact, as always.
    assert stdout == hostile.removeprefix("echo: ").encode()


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_no_color_and_dumb_terminals_get_the_labels_without_escape_sequences(
    emulator: Emulator, env: dict[str, str]
) -> None:
    status, screen, stdout = _on_terminal(
        "ask",
        "--base-url",
        emulator.base_url,
        "--model",
        "deepseek-reasoner",
        "--show-reasoning",
        "--no-save",
        "echo: \x1b[31mred",
        env=_terminal_env(**env),
        stdout_too=False,
    )
    assert status == 0, screen
    assert b"\x1b" not in screen
    assert screen.startswith("Thinking…\n".encode())
    assert re.search(rb"\nThought for \d+\.\d s\n\n$", screen), screen
    assert stdout == b"\x1b[31mred"


def test_reasoning_cut_by_max_tokens_ends_labelled_with_its_token_count(
    emulator: Emulator, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text("max_tokens = 5\n")
    status, screen, stdout = _on_terminal(
        "ask",
        "--base-url",
        emulator.base_url,
        "--model",
        "deepseek-reasoner",
        "--show-reasoning",
        "--no-save",
        QUESTION,
        env=_terminal_env(),
        stdout_too=False,
    )
    assert status == 1, screen  # it ended early, and says so
    assert stdout == b""
    closing = THOUGHT.search(screen)
    assert closing is not None, screen
    assert closing.group(1).endswith(" · 5 tokens".encode())
    assert b"ended early" in screen[closing.end() :]


def test_ctrl_c_while_thinking_leaves_the_terminal_unstyled(emulator: Emulator) -> None:
    emulator.faults = Faults(token_delay=0.05)
    status, screen, _ = _on_terminal(
        "ask",
        "--base-url",
        emulator.base_url,
        "--model",
        "deepseek-reasoner",
        "--show-reasoning",
        "--no-save",
        QUESTION,
        env=_terminal_env(),
        interrupt_when=lambda shown: shown.count(DIM_ITALIC) >= 3,
        timeout=DEADLINE * 3,
    )
    assert status == 130, screen
    assert screen.startswith(THINKING)
    stopped = screen.rindex(b"stopped")
    assert screen[:stopped].endswith(b"\ndeepseek-tui: ")
    # Every style we set is reset before anything else is written.
    before = screen[:stopped]
    assert before.count(DIM) + before.count(DIM_ITALIC) == before.count(RESET)
    assert before.rsplit(b"\x1b[", 1)[-1].startswith(b"0m")
    assert b"\x1b" not in screen[stopped:]
