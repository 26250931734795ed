"""`deepseek-tui ask` as a user runs it: a real process, the emulator over loopback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import TEST_KEY, run


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.decode().startswith("deepseek-tui ")


def test_ask_demo_streams_a_reply() -> None:
    result = run("ask", "--demo", "hello")
    assert result.returncode == 0, result.stderr
    assert b"demo" in result.stdout.lower()
    assert result.stderr == b""


def test_stdout_is_the_answer_byte_exact(emulator: Emulator) -> None:
    tricky = "[bold red]not markup[/] \x1b[31mred\x1b[0m ünïcödé `code` *stars*"
    result = run(
        "ask",
        "--base-url",
        emulator.base_url,
        f"echo: {tricky}",
        env={"DEEPSEEK_API_KEY": TEST_KEY},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == tricky.encode()


def test_prompt_from_stdin(emulator: Emulator) -> None:
    for args in (
        ["ask", "--base-url", emulator.base_url],
        ["ask", "--base-url", emulator.base_url, "-"],
    ):
        result = run(*args, stdin="echo: from stdin", env={"DEEPSEEK_API_KEY": TEST_KEY})
        assert result.returncode == 0, result.stderr
        assert result.stdout == b"from stdin"


def test_show_reasoning_goes_to_stderr(emulator: Emulator) -> None:
    result = run(
        "ask",
        "--base-url",
        emulator.base_url,
        "--model",
        "deepseek-reasoner",
        "--show-reasoning",
        "Why is the sky blue?",
        env={"DEEPSEEK_API_KEY": TEST_KEY},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip()
    assert result.stdout.strip()
    assert result.stderr.strip() not in result.stdout


def test_system_and_model_reach_the_server(emulator: Emulator) -> None:
    result = run(
        "ask",
        "--base-url",
        emulator.base_url,
        "--model",
        "deepseek-v4-flash",
        "--no-thinking",
        "--system",
        "Be terse.",
        "echo: ok",
        env={"DEEPSEEK_API_KEY": TEST_KEY},
    )
    assert result.returncode == 0, result.stderr
    body = [r for r in emulator.requests if r.path.endswith("chat/completions")][-1].body
    assert body["model"] == "deepseek-v4-flash"
    assert body["thinking"] == {"type": "disabled"}
    assert body["messages"][0] == {"role": "system", "content": "Be terse."}


def test_no_key_is_one_clear_line() -> None:
    result = run("ask", "hello")
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert "DEEPSEEK_API_KEY" in lines[0] and "--demo" in lines[0]


def test_usage_errors_exit_2() -> None:
    empty = run("ask")  # stdin is /dev/null: the prompt is empty
    assert empty.returncode == 2
    assert b"empty" in empty.stderr
    result = run("ask", "--bogus-flag", "x")
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, b"key set"),
        (402, b"top up"),
        (400, b"HTTP 400"),
        (503, b"(HTTP 503)"),
        (429, b"Try again"),
    ],
)
def test_server_errors_are_one_line_exit_1(emulator: Emulator, status: int, words: bytes) -> None:
    emulator.faults = Faults(error_status=status)
    result = run(
        "ask", "--base-url", emulator.base_url, "hello", env={"DEEPSEEK_API_KEY": TEST_KEY}
    )
    assert result.returncode == 1
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert b"Traceback" not in result.stderr
    assert result.stdout == b""


def test_a_cut_answer_prints_what_arrived_and_exits_1(emulator: Emulator) -> None:
    emulator.faults = Faults(cut_after=6)
    result = run(
        "ask",
        "--base-url",
        emulator.base_url,
        "echo: " + "word " * 40,
        env={"DEEPSEEK_API_KEY": TEST_KEY},
    )
    assert result.returncode == 1
    assert result.stdout.startswith(b"word")
    assert b"cut" in result.stderr


def test_connection_refused_is_one_line() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run(
        "ask", "--base-url", f"http://127.0.0.1:{port}", "hello", env={"DEEPSEEK_API_KEY": TEST_KEY}
    )
    assert result.returncode == 1
    assert b"Could not connect" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_broken_config_names_the_file_and_line_and_is_kept(tmp_path: Path) -> None:
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('model = "deepseek-chat"\ntemperature = = 1\n')
    before = config.read_bytes()
    result = run("ask", "--demo", "hello")
    assert result.returncode == 1
    message = result.stderr.decode()
    assert str(config) in message and "line 2" in message
    assert config.read_bytes() == before


def test_ask_saves_unless_no_save(tmp_path: Path) -> None:
    from deepseek_tui.store import Store

    assert run("ask", "--demo", "--no-save", "echo: unsaved").returncode == 0
    assert not (tmp_path / "config" / "conversations.db").exists()
    assert run("ask", "--demo", "echo: saved").returncode == 0
    store = Store.open(tmp_path / "config" / "conversations.db")
    conversation = store.last_conversation()
    assert conversation is not None and conversation.title == "echo: saved"
    messages = store.messages(conversation.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].content == "saved" and messages[1].finish_reason == "stop"
    store.close()


def test_emulator_command_serves_and_prints_its_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "deepseek_tui", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = process.stdout.readline().decode().strip()
        assert url.startswith("http://127.0.0.1:")
        result = run(
            "ask", "--base-url", url, "echo: standalone", env={"DEEPSEEK_API_KEY": TEST_KEY}
        )
        assert result.stdout == b"standalone"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_reader_that_goes_away_gets_no_traceback() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "deepseek_tui", "ask", "--demo", "--no-save", "long 20000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout.read(20)
    process.stdout.close()  # like `| head -c 20`
    _, stderr = process.communicate(timeout=60)
    assert b"Traceback" not in stderr
    assert b"asynchronous generator" not in stderr


def test_ask_through_segmind(emulator: Emulator) -> None:
    result = run(
        "ask",
        "--provider",
        "segmind",
        "--base-url",
        emulator.base_url,
        "echo: polled",
        env={"SEGMIND_API_KEY": TEST_KEY},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"polled"
    assert emulator.requests[0].path == "/v2/deepseek-chat"


def test_an_unknown_provider_is_a_usage_error() -> None:
    result = run("ask", "--provider", "nope", "hello")
    assert result.returncode == 2
    assert b"unknown provider" in result.stderr
