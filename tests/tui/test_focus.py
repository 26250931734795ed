"""Focus you can predict (issue 18 §5): the chats list, undo, ^↓, PageUp/PageDown, help."""

from __future__ import annotations

from deepseek_tui.store import Store
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.conversation import ConversationView
from deepseek_tui.tui.widgets.conversation_list import ConversationList
from tests.helpers import screen_text, seed, sidebar_ids, wait_for


def _highlighted(app) -> str | None:
    option = app.screen.query_one(ConversationList).highlighted_option
    return option.id if option is not None else None


async def test_opening_a_chat_closes_the_list_and_it_reopens_on_that_chat(make_app, paths) -> None:
    store = Store.open(paths.database)
    older = seed(store, "Older chat", 1)
    newer = seed(store, "Newer chat", 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: sidebar_ids(app) == [newer, older], "both listed")
        await pilot.press("down", "enter")
        sidebar = app.screen.query_one("#sidebar")
        await wait_for(pilot, lambda: not sidebar.display, "the list closes on open")
        assert app.session.conversation.id == older and isinstance(app.focused, Composer)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: sidebar.display, "the list again")
        await wait_for(pilot, lambda: _highlighted(app) == older, "the cursor on the open chat")
        assert isinstance(app.focused, ConversationList)


async def test_after_a_delete_and_its_undo_focus_stays_in_the_list(make_app, paths) -> None:
    store = Store.open(paths.database)
    only = seed(store, "Only chat", 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: sidebar_ids(app) == [only], "listed")
        await pilot.press("enter")  # open it: deleting the open chat starts a new one
        await wait_for(pilot, lambda: app.session.conversation is not None, "opened")
        await pilot.press("ctrl+l", "d", "y")
        await wait_for(pilot, lambda: app.store.get_conversation(only).archived, "deleted")
        await wait_for(pilot, lambda: isinstance(app.focused, ConversationList), "list focused")
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: not app.store.get_conversation(only).archived, "back")
        await wait_for(pilot, lambda: sidebar_ids(app) == [only], "listed again")
        assert isinstance(app.focused, ConversationList)


async def test_page_keys_scroll_the_conversation_from_the_composer(make_app, paths) -> None:
    store = Store.open(paths.database)
    long = seed(store, "Long chat", 12)
    store.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: sidebar_ids(app) == [long], "listed")
        await pilot.press("enter")
        conversation = app.screen.query_one(ConversationView)
        await wait_for(pilot, lambda: conversation.max_scroll_y > 0, "a conversation to scroll")
        await wait_for(pilot, lambda: conversation.scroll_y == conversation.max_scroll_y, "end")
        await pilot.press("pageup")
        await wait_for(pilot, lambda: conversation.scroll_y < conversation.max_scroll_y, "up")
        assert isinstance(app.focused, Composer)
        conversation.focus()
        await pilot.press("ctrl+down")
        await wait_for(pilot, lambda: isinstance(app.focused, Composer), "^↓: the composer")
        await pilot.press("a", "?")
        assert app.focused.text == "a?"  # "?" is typed, not taken for help


async def test_help_is_f1_and_says_how_to_scroll(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: "Keys" in screen_text(app), "help")
        shown = screen_text(app)
        assert "f1 / ?" not in shown
        assert "PgUp" in shown and "Scroll the conversation" in shown
