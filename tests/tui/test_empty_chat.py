"""An empty conversation: its hint, and starting another from it."""

from __future__ import annotations

from deepseek_tui.tui.screens.chat import ChatScreen
from deepseek_tui.tui.widgets.conversation import EmptyHint
from tests.helpers import answered, send, wait_for


async def test_a_new_conversation_from_an_empty_one_keeps_the_app_running(make_app) -> None:
    # The hint had an id, and the new hint was mounted before the old one was gone:
    # DuplicateIds crashed the app on ^n in a chat with nothing in it.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        app.screen.action_new_conversation()  # what ^n's blank conversation does
        app.screen.action_new_conversation()
        await wait_for(pilot, lambda: len(app.screen.query(EmptyHint)) == 1, "one hint")
        await send(pilot, "echo: still here")
        await answered(pilot)
        assert not app.screen.query(EmptyHint)
