"""Local files and small hostile cases (issue 19 §4, §7): a config file that is a FIFO
or a symlink loop is one sentence at once (no hang), `key set` makes the folder it
writes into private at once, and a gateway's 401 says how to set *its* key."""

from __future__ import annotations

import os
import stat

import pytest
import tomli_w

from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator
from tests.helpers import TEST_KEY, run


@pytest.mark.parametrize("kind", ["fifo", "loop"])
def test_a_config_file_that_is_a_fifo_or_a_loop_is_a_sentence(paths: Paths, kind: str) -> None:
    paths.dir.mkdir(mode=0o700, parents=True)
    if kind == "fifo":
        os.mkfifo(paths.config_file)
    else:
        paths.config_file.symlink_to(paths.config_file)
    # Before, a FIFO blocked until the timeout.
    result = run("ask", "hello", env={"DEEPSEEK_API_KEY": TEST_KEY}, timeout=60)
    assert result.returncode == 1
    said = result.stderr.decode()
    assert said.startswith(f"deepseek-tui: Cannot read {paths.config_file}: ")
    assert ("a symlink loop" if kind == "loop" else "not a regular file") in said


def test_key_set_makes_an_open_folder_private_at_once(paths: Paths) -> None:
    paths.dir.mkdir(parents=True)
    os.chmod(paths.dir, 0o755)
    result = run("key", "set", stdin="sk-test-0000000000000000abcd\n")
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(paths.dir.stat().st_mode) == 0o700
    assert b"755\xe2\x86\x92700" in result.stdout  # said: 755→700


def test_a_gateways_401_names_its_provider_flag(emulator: Emulator, paths: Paths) -> None:
    emulator.api_keys = frozenset({"the-only-good-key-123"})
    paths.ensure_dir()
    gateway = {"base_url": emulator.base_url, "model": "m1", "key_env": "GW_KEY"}
    paths.config_file.write_text(tomli_w.dumps({"providers": {"gw": gateway}}))
    result = run("ask", "--provider", "gw", "hello", env={"GW_KEY": "wrong-key-1234567890"})
    assert result.returncode == 1
    assert b"HTTP 401" in result.stderr
    assert b"`deepseek-tui key set --provider gw`" in result.stderr
