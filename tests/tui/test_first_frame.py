"""The first frame of a new chat (issue 16 §4): drawn before the engine is made, from
the settings, saying what the engine will then say; the sidebar comes at the first ^l.
How long it takes is measured in benchmarks/terminal.py (the paint row), not here."""

from __future__ import annotations

import pytest

from deepseek_tui.config import Settings
from tests.helpers import wait_for

THINKS = {"model": "deepseek-v4-flash", "thinking": False, "system_prompt": "Be brief."}


@pytest.mark.parametrize(
    ("settings", "options"),
    [
        (Settings(), {}),
        (Settings(), {"model": "deepseek-reasoner"}),
        (Settings(thinking=True), {"model": "deepseek-v4-pro"}),
        (Settings(presets={"quick": dict(THINKS)}), {"preset": "quick"}),
        (Settings(presets={"quick": dict(THINKS)}), {"preset": "quick", "model": "x/y"}),
        (Settings(presets={"plain": {"thinking": True}}), {"preset": "plain"}),
        (Settings(), {"preset": "coder"}),  # a built-in preset
    ],
)
def test_the_model_before_the_engine_is_the_engines(make_app, settings, options) -> None:
    app = make_app(settings=settings, **options)
    before = app.starting_model()
    assert not app.session_made
    session = app.session  # made on first use, as after the first frame
    assert before == (session.model, session.thinking)


async def test_the_status_line_does_not_change_when_the_engine_comes(make_app) -> None:
    app = make_app(settings=Settings(presets={"quick": dict(THINKS)}), preset="quick")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.models.show_starting()  # what the first frame showed
        first = (screen.status.model, screen.status.thinking, screen.title_bar.title)
        await wait_for(pilot, lambda: app.session_made, "the session, after the first frame")
        screen.status_updates.update()
        assert (screen.status.model, screen.status.thinking, screen.title_bar.title) == first
        assert first == ("deepseek-v4-flash", False, "")


async def test_the_sidebar_is_mounted_at_the_first_ctrl_l(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert not app.screen.query("#sidebar")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.screen.query("#conversations"), "the list")
        assert app.screen.query_one("#sidebar").display
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: not app.screen.query_one("#sidebar").display, "hidden")
        assert len(app.screen.query("#sidebar")) == 1  # hidden, not mounted twice
