"""TUI fixtures: the app wired to an emulator over loopback, in a temp config dir."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from deepseek_tui.config import Paths, Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.app import DeepSeekApp
from tests.conftest import TEST_KEY


@pytest.fixture
def make_app(emulator: Emulator, paths: Paths) -> Callable[..., DeepSeekApp]:
    def make(**overrides) -> DeepSeekApp:
        options = {
            "paths": paths,
            "settings": Settings(),
            "base_url": emulator.base_url,
            "api_key": TEST_KEY,
        }
        options.update(overrides)
        return DeepSeekApp(**options)

    return make
