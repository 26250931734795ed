"""`deepseek-tui key set|show|delete`."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.helpers import run

KEY = "sk-test-0000000000000000wxyz"


def test_set_show_delete_round_trip(tmp_path: Path) -> None:
    result = run("key", "set", stdin=KEY + "\n")
    assert result.returncode == 0, result.stderr
    assert KEY.encode() not in result.stdout
    credentials = tmp_path / "config" / "credentials.toml"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(credentials.parent.stat().st_mode) == 0o700

    shown = run("key", "show")
    assert shown.returncode == 0
    assert shown.stdout.decode().startswith("sk-…wxyz")
    assert str(credentials) in shown.stdout.decode()
    assert KEY.encode() not in shown.stdout

    assert run("key", "delete").returncode == 0
    assert run("key", "show").returncode == 1
    assert run("key", "delete").returncode == 1


def test_env_key_wins_and_is_never_written(tmp_path: Path) -> None:
    shown = run("key", "show", env={"DEEPSEEK_API_KEY": KEY})
    assert shown.returncode == 0
    assert "DEEPSEEK_API_KEY" in shown.stdout.decode()
    assert not (tmp_path / "config" / "credentials.toml").exists()


def test_an_empty_key_is_refused() -> None:
    result = run("key", "set", stdin="\n")
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr


def test_each_provider_has_its_own_key(tmp_path: Path) -> None:
    assert (
        run("key", "set", "--provider", "segmind", stdin="sg-test-000000000000wxyz\n").returncode
        == 0
    )
    shown = run("key", "show", "--provider", "segmind")
    assert shown.returncode == 0 and "…wxyz" in shown.stdout.decode()
    assert run("key", "show").returncode == 1, "the DeepSeek key is still unset"
    from_env = run("key", "show", "--provider", "segmind", env={"SEGMIND_API_KEY": KEY})
    assert "SEGMIND_API_KEY" in from_env.stdout.decode()
