"""Segmind in the TUI: the credits it reports in the status line, its answers unpriced."""

from __future__ import annotations

import sys

from deepseek_tui.config import Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.widgets.status_bar import StatusBar, credits_text
from tests.helpers import answered, send, wait_for


def status(app) -> str:
    return str(app.screen.query_one(StatusBar).render())


def test_credits_are_shown_to_the_cent_or_as_sent() -> None:
    assert credits_text("42.5000") == "credits 42.50"
    assert credits_text("lots") == "credits lots"


async def test_segmind_credits_show_in_the_status_line_after_an_answer(
    make_app, emulator: Emulator
) -> None:
    emulator.credits = 42.5
    app = make_app(provider="segmind")
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: "deepseek-chat" in status(app), "the status line")
        assert "credits" not in status(app)  # none reported yet
        await send(pilot, "echo: hello")
        await answered(pilot)
        await wait_for(pilot, lambda: "credits 42.50" in status(app), lambda: status(app))


async def test_a_segmind_answer_is_not_priced_from_deepseeks_table(
    make_app, emulator: Emulator
) -> None:
    app = make_app(provider="segmind")
    async with app.run_test(size=(100, 24)) as pilot:
        await send(pilot, "echo: hello")
        await answered(pilot)
        await wait_for(pilot, lambda: "last:" in status(app), lambda: status(app))
        line = status(app)
        turn_cost = app.session.messages[-1].cost
    assert "$" not in line, line
    assert turn_cost is None


async def test_settings_say_what_segmind_credits_are_left(make_app, emulator: Emulator) -> None:
    from deepseek_tui.tui.screens.settings import SettingsScreen

    emulator.credits = 7.25
    app = make_app(provider="segmind")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: hello")
        await answered(pilot)
        app.push_screen(SettingsScreen())
        await wait_for(pilot, lambda: app.screen.query("#key-summary"), "settings open")
        summary = str(app.screen.query_one("#key-summary").render())
    assert "Account: credits 7.25 left" in summary, summary


async def test_the_status_line_says_no_tools_where_none_are_sent(
    make_app, emulator: Emulator
) -> None:
    """What the screen says is what is sent: Segmind takes no tools, so the status
    line does not count the servers' tools there."""
    demo = {"command": sys.executable, "args": ["-m", "deepseek_tui.tools.demo_server"]}
    app = make_app(provider="segmind", settings=Settings(mcp_servers={"demo": demo}))
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: "no tools here" in status(app), lambda: status(app))
        await send(pilot, "echo: hello")
        await answered(pilot)
    sent = [r.body for r in emulator.requests if r.method == "POST"]
    assert sent and all("tools" not in body for body in sent)
