"""The fixes in `deepseek_tui.tui.textual_fixes`, each shown on bare Textual widgets
(docs/upstream/ has the write-ups)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

import deepseek_tui.tui  # noqa: F401  (installs the fixes)


class Two(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("one", id="changing")
            yield Static("a neighbour", id="neighbour")


async def test_a_static_changed_twice_before_its_layout_gets_its_last_height() -> None:
    app = Two()
    async with app.run_test(size=(40, 20)) as pilot:
        changing = app.query_one("#changing", Static)
        neighbour = app.query_one("#neighbour", Static)
        changing.update("a\nb")  # its layout is now pending...
        neighbour.update("x\ny")  # ...and a neighbour's layout goes through first,
        neighbour._check_refresh()  # which asks `changing` for its height (2 lines)
        app.screen._refresh_layout()
        changing.update("a\nb\nc\nd\ne")  # changed again before its own layout ran
        for _ in range(3):
            await pilot.pause()
        assert changing.size.height == 5  # Textual 8.2.8 alone: 2, for good
