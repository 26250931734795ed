"""An empty conversation: its hint, and starting another from it."""

from __future__ import annotations

from deepseek_tui.tui.screens.chat import ChatScreen
from deepseek_tui.tui.widgets.message_window import EmptyHint
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


async def test_a_long_conversation_shown_twice_in_a_row_keeps_one_earlier_line(
    make_app, paths
) -> None:
    from deepseek_tui.store import Store
    from deepseek_tui.tui.widgets.message_window import WINDOW, Earlier
    from tests.helpers import seed

    store = Store.open(paths.database)
    long = seed(store, "Long", WINDOW)  # more messages than the window shows
    store.close()
    app = make_app(conversation_id=long)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.screen.query(Earlier), "the earlier line")
        app.screen.show_messages()  # e.g. two branch switches in one go
        app.screen.show_messages()
        await wait_for(pilot, lambda: len(app.screen.query(Earlier)) == 1, "one earlier line")
        assert app.return_code is None
