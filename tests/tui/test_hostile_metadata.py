"""Settings with a hostile metadata server (issue 19 §1, §6): ids that are markup or
hold a newline open in the model list as one line of text, and a balance of the
wrong shape says it was not understood instead of staying at "asking…"."""

from __future__ import annotations

import json

from textual.widgets import Select

from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.tui.screens.chat import ChatScreen
from deepseek_tui.tui.screens.settings import SettingsScreen
from tests.helpers import screen_text, wait_for

IDS = ["deepseek-chat", "[/]", "[bold]x", "two\nlines"]


async def test_markup_ids_and_a_balance_of_the_wrong_shape_in_settings(
    make_app, emulator: Emulator
) -> None:
    emulator.faults = Faults(
        models_body=json.dumps({"data": [{"id": model} for model in IDS]}),
        balance_body=json.dumps({"is_available": True, "balance_infos": 5}),
    )
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        await wait_for(
            pilot, lambda: app.model_list.server_models.get(app.provider), "the /models ids"
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        said = "Balance unknown: The server's answer was not understood"
        await wait_for(pilot, lambda: said in screen_text(app), lambda: screen_text(app))
        select = app.screen.query_one("#model", Select)
        select.focus()
        select.expanded = True  # the list drawn: each id a row of text
        await wait_for(pilot, lambda: "two↵lines" in screen_text(app), lambda: screen_text(app))
        assert "[bold]x" in screen_text(app) and "[/]" in screen_text(app)
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat again")
        assert app.return_code is None
