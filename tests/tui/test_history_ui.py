"""Sidebar, search, branches and paging of long conversations, driven with Pilot."""

from __future__ import annotations

from textual.widgets import OptionList

from deepseek_tui.messages import MessageDraft
from deepseek_tui.store import Store
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.conversation import ConversationView
from deepseek_tui.tui.widgets.message_window import WINDOW, Earlier
from deepseek_tui.tui.widgets.messages import AssistantMessage
from deepseek_tui.tui.widgets.question import UserMessage
from tests.helpers import answered, seed, send, sidebar_ids, wait_for


async def test_sidebar_lists_and_opens_conversations(make_app, paths) -> None:
    store = Store.open(paths.database)
    older = seed(store, "Older chat", 1)
    newer = seed(store, "Newer chat", 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: sidebar_ids(app) == [newer, older], "both listed")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.session.conversation is not None, "opened")
        assert app.session.conversation.id == older
        assert [w.text for w in app.screen.query(UserMessage)] == ["Older chat question 0"]
        assert isinstance(app.focused, Composer)


async def test_search_jumps_to_the_matching_message(make_app, paths) -> None:
    from textual.containers import VerticalScroll

    store = Store.open(paths.database)
    target = seed(store, "Needle", 60)
    seed(store, "Haystack", 3)
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l", "slash", *"Needle question 7", "enter")
        listing = app.screen.query_one("#conversations", OptionList)

        def a_hit_highlighted() -> bool:  # the search runs in a thread
            option = listing.highlighted_option
            return option is not None and ":" in (option.id or "")

        await wait_for(pilot, a_hit_highlighted, "a search hit is highlighted")
        hit = listing.highlighted_option.id
        conversation_id, message_id = hit.split(":")
        message = app.store.get_message(int(message_id))
        assert conversation_id == target and message.content == "Needle question 7"
        await pilot.press("enter")

        conversation = app.screen.query_one("#conversation", VerticalScroll)

        def hit_top() -> int | None:
            shown = [w for w in app.screen.query(UserMessage) if w.text == message.content]
            return shown[0].virtual_region.y if shown else None

        def hit_at_the_top() -> bool:
            top = hit_top()
            return top is not None and abs(conversation.scroll_y - top) <= 1

        await wait_for(
            pilot,
            hit_at_the_top,
            lambda: (
                f"the hit is at the top of the view: scroll_y {conversation.scroll_y}, "
                f"hit at {hit_top()}"
            ),
            steady=0.5,  # Markdown lays out over a few frames: still there once settled
        )


async def test_rename_pin_delete_and_undo(make_app, paths) -> None:
    store = Store.open(paths.database)
    first = seed(store, "First", 1)
    second = seed(store, "Second", 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press("down", "p")  # pin the older one
        await pilot.pause()
        assert sidebar_ids(app) == [first, second]
        app.screen.query_one("#conversations").focus()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("ctrl+u", *"Renamed", "enter")
        await pilot.pause()
        assert app.store.get_conversation(first).title == "Renamed"
        app.screen.query_one("#conversations").focus()
        app.screen.query_one("#conversations", OptionList).highlighted = 1
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: app.store.get_conversation(first).archived, "deleted")
        assert first not in sidebar_ids(app)  # hidden, undoable
        await pilot.press("ctrl+z")
        await pilot.pause()
        restored = app.store.get_conversation(first)
        assert restored is not None and restored.title == "Renamed" and restored.pinned
        assert [m.content for m in app.store.messages(first)] == [
            "First question 0",
            "First answer 0",
        ]
        app.screen.query_one("#conversations").focus()
        app.screen.query_one("#conversations", OptionList).highlighted = 3
        await pilot.press("d", "y")  # delete the other one, for good this time
        await wait_for(pilot, lambda: app.store.get_conversation(second).archived, "deleted")
        assert sidebar_ids(app) == [first]
        assert not app.store.search("Second question")
    store = Store.open(paths.database)
    assert store.get_conversation(second) is None, "deleted for good when the app closed"
    assert store.get_conversation(first) is not None
    store.close()


async def test_regenerate_then_switch_branches_with_arrows(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: take one")
        await answered(pilot)
        first = app.screen.query_one(AssistantMessage).content
        await pilot.press("ctrl+r")
        await answered(pilot)
        answer = app.screen.query_one(AssistantMessage)
        assert answer.branch == "‹ 2/2 ›"
        await pilot.press("left")
        await pilot.pause()
        answer = app.screen.query_one(AssistantMessage)
        assert answer.branch == "‹ 1/2 ›" and answer.content == first
        await pilot.press("right")
        await pilot.pause()
        assert app.screen.query_one(AssistantMessage).branch == "‹ 2/2 ›"


async def test_a_long_conversation_mounts_a_window_and_pages_in(make_app, paths) -> None:
    store = Store.open(paths.database)
    conversation_id = seed(store, "Long", 1000)  # 2,000 messages
    store.close()
    app = make_app(conversation_id=conversation_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        first = len(app.screen.query(UserMessage)) + len(app.screen.query(AssistantMessage))
        # What fills the view and half again (~4 rows a message here), not all 2,000.
        assert 10 <= first < WINDOW
        assert app.screen.query(Earlier)
        texts = [w.text for w in app.screen.query(UserMessage)]
        assert texts[-1] == "Long question 999"
        conversation = app.screen.query_one("#conversation", ConversationView)
        assert conversation.max_scroll_y > 0  # there is something to scroll up to
        conversation.load_earlier()
        await pilot.pause()
        shown = len(app.screen.query(UserMessage)) + len(app.screen.query(AssistantMessage))
        assert first < shown < first + WINDOW


async def test_a_window_too_short_for_the_view_is_filled(make_app, paths, monkeypatch) -> None:
    from deepseek_tui.tui.widgets import message_window

    store = Store.open(paths.database)
    conversation_id = seed(store, "Long", 100)
    store.close()
    # An estimate far too short (as when an answer's blocks fold): one message.
    monkeypatch.setattr(message_window, "FILL", 0.01)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # Opened after the start, as from the list: no first layout scrolls it.
        app.screen.session.open(conversation_id)
        app.screen.show_messages()
        conversation = app.screen.query_one("#conversation", ConversationView)
        # Nothing to scroll would mean nothing ever pages in: it is filled at once.
        await wait_for(pilot, lambda: conversation.max_scroll_y > 0, "a view to scroll")
        assert conversation.first_shown > 0 and app.screen.query(Earlier)


async def test_nested_branches_are_all_reachable_with_arrows(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: joke")
        await answered(pilot)
        await pilot.press("ctrl+r")  # the answer forks
        await answered(pilot)
        await pilot.press("up")  # edit the question: the question forks
        await pilot.pause()
        app.screen.query_one(Composer).load_text("echo: joke please")
        await pilot.press("enter")
        await answered(pilot)
        assert app.screen.query_one(UserMessage).branch == "‹ 2/2 ›", "labelled at once"
        await pilot.press("left")  # back to the first question (and its newest answer)
        await pilot.pause()
        assert app.screen.query_one(UserMessage).text == "echo: joke"
        await pilot.press("right")  # the answer is at its last branch: the question moves
        await pilot.pause()
        assert app.screen.query_one(UserMessage).text == "echo: joke please"


async def test_an_interrupted_answer_says_what_to_do_after_a_restart(make_app, paths) -> None:
    store = Store.open(paths.database)
    conversation = store.create_conversation("Cut")
    user = store.add_message(conversation.id, MessageDraft("user", "echo: one two three four"))
    store.add_message(
        conversation.id,
        MessageDraft("assistant", "one two", model="deepseek-chat"),
        parent_id=user.id,
    )  # no finish reason: the process died
    store.close()
    app = make_app(continue_last=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        answer = app.screen.query_one(AssistantMessage)
        assert "interrupted" in answer.status and "^f" in answer.status
        await pilot.press("ctrl+f")
        await answered(pilot)
        assert app.screen.query_one(AssistantMessage).content == "one two three four"


async def test_reopening_the_sidebar_clears_an_old_search(make_app, paths) -> None:
    store = Store.open(paths.database)
    seed(store, "Alpha", 1)
    seed(store, "Beta", 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+l", "slash", *"Alpha", "enter", "enter")
        await wait_for(
            pilot,
            lambda: (
                app.session.conversation is not None and app.session.conversation.title == "Alpha"
            ),
            "Alpha opened from its search hit",
        )
        assert not app.screen.query_one("#sidebar").display, "narrow: closes after opening"
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.screen.query_one("#sidebar").display, "reopened")
        assert app.screen.query_one("#search").value == ""
        assert len(sidebar_ids(app)) == 2


async def test_a_delete_left_by_a_crash_is_finished_at_the_next_start(make_app, paths) -> None:
    store = Store.open(paths.database)
    gone = seed(store, "Deleted before a crash", 1)
    store.set_archived(gone, True)
    store.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # Leftovers are finished as the history opens (DeepSeekApp.open_history).
        await wait_for(pilot, lambda: app.history is not None, "the history open")
        assert app.store.get_conversation(gone) is None


async def test_export_from_the_palette_writes_markdown(make_app, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: exported text")
        await answered(pilot)
        app.screen.copying.export()
        written = tmp_path / f"deepseek-{app.session.conversation.id[:8]}.md"
        assert "exported text" in written.read_text()


async def test_a_json_export_carries_a_reasoning_held_cut_whole(
    make_app, emulator, tmp_path, monkeypatch
) -> None:
    # Past its head a reasoning is held only until saved; the export wrote the
    # session's messages, so it carried only the head (found in review).
    import json

    from deepseek_tui import store as store_module
    from deepseek_tui.config import Settings
    from deepseek_tui.emulator import Faults
    from deepseek_tui.session import pieces, saver

    monkeypatch.setattr(pieces, "KEPT_CHARS", 3_000)
    monkeypatch.setattr(saver, "UNSAVED_CHARS", 2_000)
    monkeypatch.setattr(store_module, "REASONING_HEAD", 1_000)
    monkeypatch.chdir(tmp_path)
    emulator.faults = Faults(token_delay=0.002, reasoning_chars=12_000, reasoning_chunk=100)
    app = make_app(settings=Settings(model="deepseek-reasoner"))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "long 100")
        await answered(pilot)
        assert app.session.messages[-1].reasoning_cut > 0  # held cut, as meant
        app.screen.copying.export("json")
        written = tmp_path / f"deepseek-{app.session.conversation.id[:8]}.json"
        exported = json.loads(written.read_text())["messages"][-1]["reasoning_content"]
        assert len(exported) == 12_000
