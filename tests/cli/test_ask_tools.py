"""`ask` with tools as a user runs it: a real process, the emulator over loopback and a
real MCP server (tests/mcp_servers/plain_server.py) it starts. Each process is its own
session (no controlling terminal), so "no terminal to ask on" is what it sees."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator
from deepseek_tui.store import Store
from tests.helpers import TEST_KEY

PLAIN = Path(__file__).parent.parent / "mcp_servers" / "plain_server.py"
DEEPSEEK_TUI = (sys.executable, "-m", "deepseek_tui")
DEMO = ("--demo", "--show-tools", "what time is it?")
HANG = ("call tool plain__hang",)
ECHO = ('call tool plain__echo {"text": "hi"}',)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir(mode=0o700)  # as the app makes it (else it says it made it private)
    (folder / "config.toml").write_text(
        "[mcp_servers.plain]\n"
        f"command = {str(sys.executable)!r}\n"
        f"args = [{str(PLAIN)!r}, 'ok']\n"
        "auto_approve = ['hang', 'pid']\n",
        encoding="utf-8",
    )
    return folder


def ask(
    emulator: Emulator, config_dir: Path, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            *DEEPSEEK_TUI,
            "--config-dir",
            str(config_dir),
            "ask",
            "--base-url",
            emulator.base_url,
            *args,
        ],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "DEEPSEEK_API_KEY": TEST_KEY},
        timeout=timeout,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
    )


def saved(config_dir: Path) -> list:
    store = Store.open(Paths.resolve(config_dir).database)
    try:
        conversation = store.last_conversation()
        return store.messages(conversation.id) if conversation else []
    finally:
        store.close()


def poll(condition, what: str, timeout: float = 30) -> None:
    """Wait for `condition()` with a generous deadline (a busy machine)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not reached: {what}"
        time.sleep(0.02)


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def bodies(emulator: Emulator) -> list[dict]:
    return [r.body for r in emulator.requests if r.path.endswith("chat/completions")]


def test_approve_tools_runs_the_call_and_show_tools_says_so_on_stderr(
    emulator: Emulator, config_dir: Path
) -> None:
    result = ask(
        emulator,
        config_dir,
        "--approve-tools",
        "--show-tools",
        'call tool plain__echo {"text": "hi \\u001b[31mred"}',
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"The `plain__echo` tool says: hi \x1b[31mred"  # stdout: as sent
    err = result.stderr.decode()
    assert "→ plain/echo " in err and "← plain/echo done" in err
    assert "\x1b" not in err  # the arguments and the result inert on stderr
    roles = [m.role for m in saved(config_dir)]
    assert roles == ["user", "assistant", "tool", "assistant"]


def test_without_a_terminal_a_call_is_denied_the_model_told_and_stderr_says_how_to_allow(
    emulator: Emulator, config_dir: Path
) -> None:
    result = ask(emulator, config_dir, 'call tool plain__echo {"text": "hi"}')
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout == b"The `plain__echo` tool says: The user denied this call; it was not run."
    )
    lines = result.stderr.decode().splitlines()
    assert lines == [
        "deepseek-tui: plain/echo was not run: there is no terminal to ask on; allow it with "
        '--approve-tools, or auto_approve = ["echo"] in [mcp_servers.plain] of config.toml.'
    ]
    assert saved(config_dir)[2].tool.status == "denied"


def test_no_tools_offers_none(emulator: Emulator, config_dir: Path) -> None:
    result = ask(emulator, config_dir, "--no-tools", "call tool plain__pid")
    assert result.returncode == 0, result.stderr
    assert "tools" not in bodies(emulator)[-1]
    assert [m.role for m in saved(config_dir)] == ["user", "assistant"]


def test_demo_shows_a_tool_call_and_answers_with_the_time(tmp_path: Path) -> None:
    result = subprocess.run(
        [*DEEPSEEK_TUI, "--config-dir", str(tmp_path / "c"), "ask", *DEMO],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        start_new_session=True,
    )
    assert result.returncode == 0, result.stderr
    assert "→ demo/current_time" in result.stderr.decode()
    assert b"UTC" in result.stdout


@pytest.fixture
def hanging(emulator: Emulator, config_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """An `ask` whose call never returns, once its tool-call answer is saved."""
    process = subprocess.Popen(
        [
            *DEEPSEEK_TUI,
            "--config-dir",
            str(config_dir),
            "ask",
            "--base-url",
            emulator.base_url,
            *HANG,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "DEEPSEEK_API_KEY": TEST_KEY},
        start_new_session=True,
    )
    try:
        database = Paths.resolve(config_dir).database
        poll(
            lambda: database.exists() and any(m.tool_calls for m in saved(config_dir)),
            "the tool-call answer saved",
        )
        yield process
    finally:
        # The process group (start_new_session): ask and any server it left.
        if not group_gone(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def test_kill_9_during_a_call_then_ask_continue_goes_on_valid(
    emulator: Emulator, config_dir: Path, hanging: subprocess.Popen[bytes]
) -> None:
    hanging.kill()
    hanging.wait(timeout=30)
    before = [m.role for m in saved(config_dir)]
    assert before == ["user", "assistant"]  # the call's answer, no result
    result = ask(emulator, config_dir, "--continue", "--no-tools", "and now?")
    assert result.returncode == 0, result.stderr  # no 400: the history is valid
    messages = saved(config_dir)
    assert [m.role for m in messages] == ["user", "assistant", "tool", "user", "assistant"]
    assert messages[2].tool.status == "interrupted"
    sent = bodies(emulator)[-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "user"]
    assert sent[2]["content"] == "The call was interrupted before it returned a result."


def test_ctrl_c_during_a_call_stops_it_and_saves_it_stopped(
    config_dir: Path, hanging: subprocess.Popen[bytes]
) -> None:
    hanging.send_signal(signal.SIGINT)
    _, err = hanging.communicate(timeout=30)
    assert hanging.returncode == 130, err
    assert b"stopped" in err and b"Traceback" not in err
    messages = saved(config_dir)
    assert [m.role for m in messages] == ["user", "assistant", "tool"]
    assert messages[2].tool.status == "stopped"
    poll(lambda: group_gone(hanging.pid), "the MCP server stopped with ask")


@pytest.mark.parametrize(("typed", "status"), [("y", "done"), ("", "denied")])
def test_on_a_terminal_the_call_is_asked_y_n_on_stderr(
    emulator: Emulator, config_dir: Path, typed: str, status: str
) -> None:
    import pty

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [
            *DEEPSEEK_TUI,
            "--config-dir",
            str(config_dir),
            "ask",
            "--base-url",
            emulator.base_url,
            *ECHO,
        ],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, "DEEPSEEK_API_KEY": TEST_KEY},
        start_new_session=True,
    )
    os.close(slave)
    try:
        shown = b""
        deadline = time.monotonic() + 30
        while b"[s]top: " not in shown:
            assert time.monotonic() < deadline, shown
            shown += os.read(master, 4096)
        assert b"Run plain/echo " in shown
        os.write(master, typed.encode() + b"\n")
        out, _ = process.communicate(timeout=30)
    finally:
        if not group_gone(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        os.close(master)
    assert process.returncode == 0
    assert out.startswith(b"The `plain__echo` tool says: ")
    assert saved(config_dir)[2].tool.status == status
