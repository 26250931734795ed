"""Where am I: the open conversation's title above it, a designed empty state, and
costs that read well."""

from __future__ import annotations

from deepseek_tui.store import Store
from deepseek_tui.tui.widgets.messages import AssistantMessage
from deepseek_tui.tui.widgets.title_bar import TitleBar
from tests.helpers import (
    answered,
    highlight_in_sidebar,
    screen_text,
    seed,
    send,
    sidebar_ids,
    wait_for,
)


def title_row(app) -> str:
    return screen_text(app).splitlines()[0].strip()


async def test_the_empty_state_says_how_to_start(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "press ⏎" in screen_text(app), "the empty state")
        shown = screen_text(app)
        for words in ("press ⏎", "^o pick the model", "^l chats: list, search", "f1 every key"):
            assert words in shown, shown
        assert title_row(app) == "New conversation"
        assert screen_text(app).count("New conversation") == 1  # the bar says it, once
        await send(pilot, "echo: hi")
        await answered(pilot)
        shown = screen_text(app)
        assert "echo: hi" in shown and "^o pick the model" not in shown


async def test_the_title_follows_send_open_rename_and_new(make_app, paths) -> None:
    store = Store.open(paths.database)
    seeded = seed(store, "[bold]Seeded[/] \x1b[31mtitle", 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "echo: first words")
        await answered(pilot)
        await wait_for(pilot, lambda: title_row(app) == "echo: first words", "the title shows")
        # Open the seeded one from the sidebar: its title is shown as text.
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: seeded in sidebar_ids(app), "the list")
        highlight_in_sidebar(app, seeded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Seeded" in title_row(app), lambda: screen_text(app))
        assert "[bold]Seeded[/] ␛[31mtitle" in title_row(app)
        # Rename the open one: the bar follows at once.
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: seeded in sidebar_ids(app), "the list again")
        highlight_in_sidebar(app, seeded)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("ctrl+u", *"Renamed", "enter")
        await wait_for(pilot, lambda: "Renamed" in title_row(app), lambda: screen_text(app))
        await pilot.press("escape", "ctrl+n", "enter")  # ^n: the first row is blank
        await wait_for(pilot, lambda: title_row(app) == "New conversation", "a new one")
        assert app.screen.query_one(TitleBar).has_class("new")


async def test_a_long_title_is_one_line_cut_in_cells(make_app, paths) -> None:
    store = Store.open(paths.database)
    seeded = seed(store, "日本語のタイトルがとても長い会話 " * 6, 1)
    store.close()
    app = make_app(conversation_id=seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "日本語" in title_row(app), "the title")
        row = screen_text(app).splitlines()[0]
        assert row.rstrip().endswith("…")
        assert "日本語" not in screen_text(app).splitlines()[1]


async def test_a_cost_under_a_cent_reads_as_such_with_the_figure_in_the_status(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: cheap")
        await answered(pilot)
        assert app.screen.query_one(AssistantMessage).status.endswith("<$0.01")
        status = str(app.screen.query_one("#status").render())
        assert "$0.00000" in status and "<$" not in status


async def test_a_long_model_id_is_one_line_above_its_answer(make_app, emulator) -> None:
    from deepseek_tui.config import Settings

    app = make_app(settings=Settings(model="deepseek-chat"))
    long_id = "accounts/fireworks/models/deepseek-chat-" + "very-long-" * 8
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "echo: hi")
        await answered(pilot)
        answer = app.screen.query_one(AssistantMessage)
        answer.model = long_id
        answer.set_branch("")
        await pilot.pause()
        badge = answer.query_one(".badge")
        assert badge.size.height == 1
        assert str(badge.render_line(0).text).rstrip().endswith("…")


async def test_the_title_shows_as_soon_as_the_question_is_sent(make_app, emulator) -> None:
    from deepseek_tui.emulator import Faults

    emulator.faults = Faults(keepalive_before=60)  # the model never starts
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "echo: titled early")
        await wait_for(pilot, lambda: title_row(app) == "echo: titled early", "the title")
        assert app.screen.streaming
        await pilot.press("escape")
        await answered(pilot)


async def test_bidi_and_invisible_characters_in_names_are_written_out(make_app, paths) -> None:
    store = Store.open(paths.database)
    seeded = seed(store, "evil\u202etxt.exe\u200b", 1)
    store.close()
    app = make_app(conversation_id=seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "evil" in title_row(app), "the title")
        assert "evil<U+202E>txt.exe<U+200B>" in title_row(app)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: "evil<U+202E>" in screen_text(app), "the sidebar row")
        # The conversation's own text is running text (bidi marks serve RTL scripts);
        # names are one line that must read as it is stored.
        sidebar = [line[:34] for line in screen_text(app).splitlines() if "evil" in line[:34]]
        assert sidebar and all("\u202e" not in line for line in sidebar)
