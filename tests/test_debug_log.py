"""The debug log (issue 11 §9): `ask --debug` against the emulator over loopback
writes request ids, timings, retries and errors to debug.log (0600) in the config
dir, and the log is grepped for the key and for the message text."""

from __future__ import annotations

import os
import re
import stat

import pytest

from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import TEST_KEY, run

# A key of another shape than DeepSeek's, so only masking the exact key hides it.
ODD_KEY = "odd-key-ZyXw9876543210QwErTy"
QUESTION = "echo: the plover sings xyzzy"
SECRET_WORDS = ("plover", "xyzzy")


def ask(emulator: Emulator, *options: str, key: str = TEST_KEY, text: str = QUESTION):
    return run(
        "ask",
        "--base-url",
        emulator.base_url,
        *options,
        text,
        env={"DEEPSEEK_API_KEY": key},
    )


def log_of(paths: Paths) -> str:
    return (paths.dir / "debug.log").read_text(encoding="utf-8")


def test_ask_debug_logs_timings_and_ids_but_no_key_and_no_text(
    emulator: Emulator, paths: Paths
) -> None:
    result = ask(emulator, "--debug")

    assert result.returncode == 0, result.stderr
    assert result.stdout == b"the plover sings xyzzy"  # stdout holds only the answer
    assert b"debug log: " in result.stderr
    log = log_of(paths)
    assert "POST " in log and "/chat/completions model=deepseek-chat" in log
    assert re.search(r"HTTP 200 after [\d.]+ s, request id none\n", log)
    # The completion's id (DeepSeek's chatcmpl-…, the emulator's a uuid).
    assert re.search(r"first data after [\d.]+ s, id [0-9a-f-]{36}\n", log)
    assert "answer finished (stop) after " in log
    assert TEST_KEY not in log and TEST_KEY[-20:] not in log
    for word in SECRET_WORDS:
        assert word not in log
    if os.name == "posix":
        assert stat.S_IMODE((paths.dir / "debug.log").stat().st_mode) == 0o600


def test_debug_text_adds_the_messages_but_never_the_key(emulator: Emulator, paths: Paths) -> None:
    result = ask(emulator, "--debug-text", key=ODD_KEY)

    assert result.returncode == 0, result.stderr
    log = log_of(paths)
    assert "request messages: " in log and "echo: the plover sings xyzzy" in log
    assert "answer content: the plover sings xyzzy" in log
    assert ODD_KEY not in log and TEST_KEY not in log


def test_retries_and_errors_are_logged_with_the_echoed_key_masked(
    emulator: Emulator, paths: Paths
) -> None:
    emulator.faults = Faults(error_status=503, error_count=1, retry_after="0")
    retried = ask(emulator, "--debug")
    assert retried.returncode == 0, retried.stderr
    emulator.faults = Faults(error_status=422, error_message=f"bad key {ODD_KEY} in request")
    failed = ask(emulator, "--debug", key=ODD_KEY)
    assert failed.returncode == 1

    log = log_of(paths)
    assert "HTTP 503 after " in log and "retrying in 0.00 s (attempt 2 of 3)" in log
    assert "HTTP 422 after " in log and "failed after " in log
    assert ODD_KEY not in log and TEST_KEY not in log
    for word in SECRET_WORDS:
        assert word not in log


@pytest.mark.parametrize(("value", "text_logged"), [("1", False), ("text", True)])
def test_the_environment_variable_turns_the_log_on(
    emulator: Emulator, paths: Paths, value: str, text_logged: bool
) -> None:
    result = run(
        "ask",
        "--base-url",
        emulator.base_url,
        QUESTION,
        env={"DEEPSEEK_API_KEY": TEST_KEY, "DEEPSEEK_TUI_DEBUG": value},
    )
    assert result.returncode == 0, result.stderr
    log = log_of(paths)
    assert "answer finished (stop)" in log
    assert ("plover" in log) is text_logged
    assert TEST_KEY not in log


def test_without_debug_there_is_no_log_and_nothing_more_on_stderr(
    emulator: Emulator, paths: Paths
) -> None:
    # A retry is logged as a warning: with no log asked for, it must not reach stderr.
    emulator.faults = Faults(error_status=503, error_count=1, retry_after="0")
    result = ask(emulator)
    assert result.returncode == 0, result.stderr
    assert not (paths.dir / "debug.log").exists()
    assert result.stderr == b""


def test_a_segmind_job_id_and_its_polls_are_logged(emulator: Emulator, paths: Paths) -> None:
    result = run(
        "ask",
        "--provider",
        "segmind",
        "--base-url",
        emulator.base_url,
        "--debug",
        QUESTION,
        env={"SEGMIND_API_KEY": ODD_KEY},
    )
    assert result.returncode == 0, result.stderr
    log = log_of(paths)
    assert "segmind job " in log and " submitted" in log and ": COMPLETED" in log
    assert "/status: HTTP 200 after " in log
    assert ODD_KEY not in log
    for word in SECRET_WORDS:
        assert word not in log
