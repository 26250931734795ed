"""Shared fixtures: an emulator on a free loopback port, a private config dir."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from deepseek_tui.api import DeepSeekClient
from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator
from tests.helpers import TEST_KEY


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's keys, settings or history."""
    for name in (
        "DEEPSEEK_API_KEY",
        "DEEPSEEK_BASE_URL",
        "DEEPSEEK_TUI_DEBUG",
        "SEGMIND_API_KEY",
        "SEGMIND_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEEPSEEK_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("DEEPSEEK_TUI_DEMO_DELAY", "0")


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(tmp_path / "config")


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as server:
        yield server


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[DeepSeekClient]:
    async with DeepSeekClient(
        emulator.base_url,
        TEST_KEY,
        retry_base_delay=0.01,
        first_data_timeout=5,
        stall_timeout=5,
    ) as api:
        yield api
