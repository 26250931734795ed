"""`ask --provider segmind` over Segmind's v1 and v2 APIs, against the emulator."""

from __future__ import annotations

from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.store import Store
from tests.helpers import TEST_KEY, run

SEGMIND_KEY = {"SEGMIND_API_KEY": TEST_KEY}


def ask_segmind(emulator: Emulator, text: str):
    return run(
        "ask", "--provider", "segmind", "--base-url", emulator.base_url, text, env=SEGMIND_KEY
    )


def test_ask_over_segmind_v1_when_the_profile_says_so(emulator: Emulator, paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text('[providers.segmind]\napi = "v1"\n')
    result = ask_segmind(emulator, "echo: synchronous")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"synchronous"
    assert [(r.method, r.path) for r in emulator.requests] == [("POST", "/v1/deepseek-chat")]


def test_ask_over_segmind_v2_survives_a_502_on_a_poll(emulator: Emulator) -> None:
    emulator.faults = Faults(segmind_poll_error=502, retry_after="0")
    result = ask_segmind(emulator, "echo: still here")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"still here"
    polls = [r.path for r in emulator.requests if r.path.endswith("/status")]
    assert len(polls) >= 2  # the one that got 502, and the one after it


def test_a_segmind_answer_is_saved_without_a_deepseek_price(
    emulator: Emulator, paths: Paths
) -> None:
    result = ask_segmind(emulator, "echo: unpriced")
    assert result.returncode == 0, result.stderr
    store = Store.open(paths.database)
    try:
        [summary] = store.list_conversations()
        answer = store.messages(summary.conversation.id)[-1]
    finally:
        store.close()
    assert answer.content == "unpriced" and answer.usage is not None
    assert answer.cost is None
