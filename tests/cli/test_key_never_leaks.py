"""A server that echoes the API key back (in an error body, a mid-stream error, a plain
text body) never gets it printed or saved: every byte `ask`, `history` and `export`
print and every file the app wrote in the config dir is searched for the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from deepseek_tui.config import mask_key
from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import TEST_KEY, run

# One key in DeepSeek's shape, one in no known shape (only its exact value can tell).
KEYS = [TEST_KEY, "zq-Live-4b1f9e2c7d3a8e6f0a1b"]


def _echoing(key: str) -> list[Faults]:
    said = f"Authentication Fails, your api key {key} is invalid"
    return [
        Faults(error_status=422, error_message=said),
        Faults(error_status=400, error_body=said, error_content_type="application/octet-stream"),
        Faults(error_event_after=2, error_message=said),
    ]


def _leaks(data: bytes, key: str) -> bool:
    # The whole key, or a long enough piece of its secret part to matter.
    secret = key.removeprefix("sk-")
    return key.encode() in data or secret[-12:-4].encode() in data


@pytest.mark.parametrize("key", KEYS, ids=["sk-key", "odd-key"])
def test_a_key_echoed_by_the_server_is_masked_everywhere(
    emulator: Emulator, tmp_path: Path, key: str
) -> None:
    env = {"DEEPSEEK_API_KEY": key}
    printed: list[bytes] = []
    for faults in _echoing(key):
        emulator.faults = faults
        result = run("ask", "--base-url", emulator.base_url, "echo: hello there", env=env)
        assert result.returncode == 1
        assert mask_key(key).encode() in result.stderr, result.stderr
        printed += [result.stdout, result.stderr]
    for command in (
        ["history"],
        ["history", "--json"],
        ["history", "--search", "hello"],
        ["export", "last"],
        ["export", "last", "--format", "json"],
    ):
        result = run(*command, env=env)
        assert result.returncode == 0, result.stderr
        printed += [result.stdout, result.stderr]
    for data in printed:
        assert not _leaks(data, key), data
    written = [path for path in (tmp_path / "config").rglob("*") if path.is_file()]
    assert any(path.name == "conversations.db" for path in written)
    for path in written:
        assert not _leaks(path.read_bytes(), key), path
