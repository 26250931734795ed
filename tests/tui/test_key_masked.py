"""A server error that echoes the API key shows it masked in the chat and saves it
masked, live and when the conversation is opened again."""

from __future__ import annotations

import pytest

from deepseek_tui.config import mask_key
from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import TEST_KEY, answered, screen_text, send, wait_for

ODD_KEY = "zq-Live-4b1f9e2c7d3a8e6f0a1b"


@pytest.mark.parametrize("key", [TEST_KEY, ODD_KEY], ids=["sk-key", "odd-key"])
@pytest.mark.parametrize("where", ["status", "stream"])
async def test_an_echoed_key_is_shown_and_saved_masked(
    make_app, emulator: Emulator, paths, key: str, where: str
) -> None:
    said = f"your api key {key} is invalid"
    emulator.faults = (
        Faults(error_status=422, error_message=said)
        if where == "status"
        else Faults(error_event_after=2, error_message=said)
    )
    app = make_app(api_key=key)
    async with app.run_test(size=(160, 40)) as pilot:
        await send(pilot, "echo: hello there")
        await answered(pilot)
        shown = screen_text(app)
        assert mask_key(key) in shown
        assert key not in shown
        conversation_id = app.session.conversation.id
    for path in paths.dir.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path

    reopened = make_app(api_key=key, conversation_id=conversation_id)
    async with reopened.run_test(size=(160, 40)) as pilot:
        await wait_for(
            pilot, lambda: mask_key(key) in screen_text(reopened), "the masked key shows"
        )
        assert key not in screen_text(reopened)
