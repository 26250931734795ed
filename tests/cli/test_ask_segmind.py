"""`ask --provider segmind` over Segmind's v1 and v2 APIs, against the emulator."""

from __future__ import annotations

from deepseek_tui.emulator import Emulator, Faults
from tests.conftest import TEST_KEY
from tests.helpers import run

SEGMIND_KEY = {"SEGMIND_API_KEY": TEST_KEY}


def ask_segmind(emulator: Emulator, text: str):
    return run(
        "ask", "--provider", "segmind", "--base-url", emulator.base_url, text, env=SEGMIND_KEY
    )


def test_ask_over_segmind_v2_survives_a_502_on_a_poll(emulator: Emulator) -> None:
    emulator.faults = Faults(segmind_poll_error=502, retry_after="0")
    result = ask_segmind(emulator, "echo: still here")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"still here"
    polls = [r.path for r in emulator.requests if r.path.endswith("/status")]
    assert len(polls) >= 2  # the one that got 502, and the one after it
