"""A save interrupted by a kill or a power cut leaves its temporary file behind (a
half-written `.credentials.toml.….tmp` may hold a key): the next start removes it,
but never the temporary file of a save that another process is making right now."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from deepseek_tui.config import LEFTOVER_AGE
from tests.helpers import TEST_KEY, run


def _leftover(config: Path, name: str, *, age: float) -> Path:
    path = config / name
    path.write_text(f'[providers.deepseek]\napi_key = "{TEST_KEY}"\n')
    then = time.time() - age
    os.utime(path, (then, then))
    return path


@pytest.mark.parametrize("command", [["history"], ["ask", "--demo", "hi"], ["key", "show"]])
def test_the_next_start_removes_what_an_interrupted_save_left(
    tmp_path: Path, command: list[str]
) -> None:
    config = tmp_path / "config"
    config.mkdir(mode=0o700)
    old = [
        _leftover(config, ".credentials.toml.0123456789ab.tmp", age=LEFTOVER_AGE + 5),
        _leftover(config, ".config.toml.ba9876543210.tmp", age=3600),
    ]
    being_saved = _leftover(config, ".credentials.toml.a1b2c3d4e5f6.tmp", age=0)
    not_ours = _leftover(config, "notes.tmp", age=3600)

    run(*command, env={"DEEPSEEK_API_KEY": TEST_KEY})

    assert not any(path.exists() for path in old)
    assert being_saved.exists(), "another process may be saving right now"
    assert not_ours.exists()
