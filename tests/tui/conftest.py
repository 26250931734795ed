"""TUI fixtures: the app wired to an emulator over loopback, in a temp config dir."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from deepseek_tui.config import Paths, Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.app import DeepSeekApp
from tests.helpers import TEST_KEY


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


@pytest.fixture
def snap_compare(snap_compare):
    """pytest-textual-snapshot's `snap_compare`, with the text cursors held still.

    A focused Input or TextArea blinks on a 0.5 s wall-clock timer, so on a slow
    machine the picture could catch the cursor hidden. After the keys are pressed,
    every cursor stops blinking and stays drawn, as it is in the first half second.
    """

    def compare(
        app,
        press: Iterable[str] = (),
        terminal_size: tuple[int, int] = (80, 24),
        run_before: Callable[[Pilot], Awaitable[None] | None] | None = None,
    ) -> bool:
        async def drive(pilot: Pilot) -> None:
            # The chat is the app's first screen (`get_default_screen`): it composes
            # once the app is ready. `run_test` waits for the screen; snapshots don't.
            await pilot.pause()
            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result
            await pilot.pause()
            await pilot.press(*press)
            for screen in pilot.app.screen_stack:
                for field in [*screen.query(Input), *screen.query(TextArea)]:
                    field.cursor_blink = False

        return snap_compare(app, terminal_size=terminal_size, run_before=drive)

    return compare
