"""The sidebar, the status line and the model picker as a user sees them: widths in
terminal cells, undo after a delete wherever focus is, the open conversation marked."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Input, OptionList

from deepseek_tui.store import Store
from deepseek_tui.tui.screens.chat import ChatScreen
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.status_bar import clip_middle, status_text
from tests.helpers import answered, notices, screen_text, seed, send, sidebar_ids, wait_for

CJK = "日本語のタイトルがとても長い会話です、本当に長いタイトル"
EMOJI = "🚀🚀 emoji title that goes on for much longer than the sidebar is wide"
GATEWAY_ID = "accounts/fireworks/models/deepseek-r1-distill-llama-70b-very-long"


def listing(app) -> OptionList:
    return app.screen.query_one("#conversations", OptionList)


def sidebar_rows(app) -> list[str]:
    """The sidebar's part of each screen row: the cells left of its border."""
    width = app.screen.query_one("#sidebar").outer_size.width - 1
    rows = []
    for line in screen_text(app).splitlines():
        cells, used = [], 0
        for char in line:
            if used >= width:
                break
            cells.append(char)
            used += cell_len(char)
        rows.append("".join(cells))
    return rows


def row_with(app, text: str) -> str:
    rows = [row for row in sidebar_rows(app) if text in row]
    assert rows, f"no sidebar row shows {text!r}:\n" + "\n".join(sidebar_rows(app))
    return rows[0]


# --- widths in cells ---------------------------------------------------------------------


async def test_cjk_and_emoji_titles_are_cut_to_the_sidebar_in_cells(make_app, paths) -> None:
    store = Store.open(paths.database)
    for index in range(20):  # enough rows for a scrollbar at 80×24
        seed(store, f"Plain {index}", 1)
    seed(store, CJK, 1)
    seed(store, EMOJI, 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+l")
        options = listing(app)
        await wait_for(pilot, lambda: options.option_count > 20, "the list is shown")
        await wait_for(pilot, lambda: options.show_vertical_scrollbar, "a scrollbar")
        sidebar = app.screen.query_one("#sidebar")
        border = sidebar.outer_size.width - 1
        scrollbar = options.scrollable_content_region.right  # its first column
        lines = screen_text(app).splitlines()[:-1]  # above the footer
        for line in lines:  # nothing pushes the border out of place
            assert cell_len(line[: line.index("▕")]) == border, line
        for _title, start in ((CJK, "日本語のタイトル"), (EMOJI, "🚀🚀 emoji title")):
            row = row_with(app, start)
            cut = row.rstrip()
            assert cut.endswith("…"), row
            assert cell_len(cut) <= scrollbar, f"the title runs under the scrollbar: {row!r}"
        assert not any("本当に長い" in row or "much longer" in row for row in lines), "no wrap"
        # Each conversation takes its two lines: title and details, nothing more.
        assert options.virtual_size.height == sum(
            2 if options.get_option_at_index(i).id else 1 for i in range(options.option_count)
        )


async def test_titles_stay_text_in_the_sidebar(make_app, paths) -> None:
    store = Store.open(paths.database)
    seed(store, "[bold]not bold[/bold] \x1b[31mred", 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: sidebar_ids(app), "the list is shown")
        assert "[bold]not bold[/bold] ␛[31mred" in row_with(app, "not bold")


def test_a_long_model_id_keeps_its_end_and_the_status_line_fits() -> None:
    shortened = clip_middle(GATEWAY_ID, 30)
    assert cell_len(shortened) == 30 and shortened.endswith("very-long") and "…" in shortened
    assert cell_len(clip_middle("日本語のモデル名がとても長い", 11)) <= 11
    last = "last: 1,234 in · 567 out · $0.0012"
    line = status_text(GATEWAY_ID, [(2, "thinking on"), (3, last), (1, "offline demo")], 76)
    assert cell_len(line.plain) <= 76
    assert line.plain.endswith(last), "tokens and cost stay in view"
    assert "very-long" in line.plain
    narrow = status_text(GATEWAY_ID, [(3, last), (4, "history off (^l says why)")], 40)
    assert cell_len(narrow.plain) <= 40


async def test_a_long_model_id_fits_the_status_line_and_the_picker(make_app) -> None:
    app = make_app(model=GATEWAY_ID)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.status_updates.update(last="last: 1,234 in · 567 out · $0.0012")
        await pilot.pause()
        status = app.screen.query_one("#status")
        row = screen_text(app).splitlines()[status.region.y]
        assert "very-long" in row and "…" in row
        assert "last: 1,234 in · 567 out · $0.0012" in row, row
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: app.screen.query("#models"), "the picker opens")
        models = app.screen.query_one("#models", OptionList)
        await wait_for(pilot, lambda: models.option_count, "the picker lists models")
        await pilot.pause()
        assert models.virtual_size.height == models.option_count, "one line per model"
        frame = app.screen.query_one("ModelPicker > Vertical").region
        text = screen_text(app).splitlines()[frame.y : frame.bottom]
        shown = [line for line in text if "very-long" in line]
        assert len(shown) == 2, text  # in the list, and in the "always thinks" line
        for line in shown:
            assert cell_len(line[: line.rindex("│")]) == frame.right - 1, "inside the frame"


# --- undo after delete ---------------------------------------------------------------------


async def _delete_highlighted(pilot) -> None:
    app = pilot.app
    listing(app).focus()
    before = set(sidebar_ids(app))
    await pilot.press("d")
    await wait_for(pilot, lambda: app.screen.is_modal, "it asks first")
    await pilot.press("y")
    await wait_for(pilot, lambda: set(sidebar_ids(app)) != before, "the list loses it")


async def test_ctrl_z_undoes_a_delete_from_the_composer_and_the_search_box(make_app, paths) -> None:
    store = Store.open(paths.database)
    first = seed(store, "First", 1)
    second = seed(store, "Second", 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: sidebar_ids(app) == [second, first], "both listed")
        await _delete_highlighted(pilot)
        assert sidebar_ids(app) == [first]
        assert any("^z" in notice for notice in notices(app)), notices(app)
        app.screen.query_one(Composer).focus()
        await pilot.press("ctrl+z")
        await wait_for(
            pilot, lambda: sidebar_ids(app) == [second, first], "back, from the composer"
        )
        assert not app.store.get_conversation(second).archived

        listing(app).highlighted = 2  # Today, Second, First: delete First
        await _delete_highlighted(pilot)
        assert sidebar_ids(app) == [second]
        app.screen.query_one("#search", Input).focus()
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: sidebar_ids(app) == [second, first], "back, from search")


async def test_ctrl_z_in_the_composer_undoes_typing_done_after_a_delete(make_app, paths) -> None:
    store = Store.open(paths.database)
    first = seed(store, "First", 1)
    second = seed(store, "Second", 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: sidebar_ids(app) == [second, first], "both listed")
        await _delete_highlighted(pilot)
        composer = app.screen.query_one(Composer)
        composer.focus()
        await pilot.press(*"draft")
        await wait_for(pilot, lambda: composer.text == "draft", "typed")
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: composer.text == "", "the typing is undone")
        assert sidebar_ids(app) == [first], "the delete is not undone by the composer"
        listing(app).focus()  # in the list ctrl+z still brings it back
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: sidebar_ids(app) == [second, first], "back, from the list")


async def test_a_delete_during_a_search_keeps_the_search_and_undo_restores_its_hits(
    make_app, paths
) -> None:
    store = Store.open(paths.database)
    kept = seed(store, "Alpha kept", 2)
    gone = seed(store, "Alpha gone", 2)
    seed(store, "Beta", 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l", "slash", *"Alpha", "enter")

        def conversations() -> set[str]:
            return {option_id.partition(":")[0] for option_id in sidebar_ids(app)}

        def hits_of_both() -> bool:
            ids = sidebar_ids(app)
            return bool(ids) and all(":" in i for i in ids) and conversations() == {kept, gone}

        await wait_for(pilot, hits_of_both, "the hits of both Alpha conversations")
        hits = sidebar_ids(app)
        options = listing(app)
        options.highlighted = next(i for i, h in enumerate(hits) if h.startswith(gone))
        await _delete_highlighted(pilot)

        def only_kept() -> bool:
            ids = sidebar_ids(app)
            return bool(ids) and all(":" in i for i in ids) and conversations() == {kept}

        await wait_for(pilot, only_kept, lambda: f"the search without {gone}: {sidebar_ids(app)}")
        assert app.screen.query_one("#search", Input).value == "Alpha"
        assert options.highlighted_option.id.startswith(kept), "the highlight stays in the list"
        await pilot.press("ctrl+z")
        await wait_for(pilot, hits_of_both, "undo brings its hits back")
        assert app.screen.query_one("#search", Input).value == "Alpha"
        assert options.highlighted_option.id.startswith(gone), "on what came back"


# --- the open conversation --------------------------------------------------------------------


def marked(app) -> list[str]:
    """The sidebar rows that carry the open conversation's mark."""
    return [row for row in sidebar_rows(app) if row.startswith("▌")]


def drawn(app, *titles: str) -> bool:
    """Each of `titles` is on a sidebar row on screen."""
    rows = sidebar_rows(app)
    return all(any(title in row for row in rows) for title in titles)


async def reopen_list(pilot) -> None:
    """Opening a chat closes the list: ^l shows it again."""
    sidebar = pilot.app.screen.query_one("#sidebar")
    await wait_for(pilot, lambda: not sidebar.display, "the list closed on open")
    await pilot.press("ctrl+l")
    await wait_for(pilot, lambda: sidebar.display, "the list again")


async def test_the_sidebar_marks_the_open_conversation_and_the_mark_follows(
    make_app, paths
) -> None:
    store = Store.open(paths.database)
    older = seed(store, "Older chat", 1)
    seed(store, "Newer chat", 1)
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: len(sidebar_ids(app)) == 2, "both listed")
        await wait_for(pilot, lambda: drawn(app, "Older chat", "Newer chat"), "both drawn")
        assert marked(app) == [], "a new conversation is not in the list"
        await pilot.press("down", "enter")  # open the older one; the list closes
        await wait_for(pilot, lambda: app.session.conversation is not None, "opened")
        assert app.session.conversation.id == older
        await reopen_list(pilot)
        await wait_for(pilot, lambda: len(marked(app)) == 2, "title and details marked")
        assert "Older chat" in marked(app)[0]

        listing(app).focus()
        listing(app).highlighted = 1  # Today, Newer, Older
        await pilot.press("enter")
        await reopen_list(pilot)
        await wait_for(
            pilot, lambda: marked(app) and "Newer chat" in marked(app)[0], "the mark follows"
        )
        assert not any("Older chat" in row for row in marked(app))

        await pilot.press("ctrl+n", "enter")  # ^n: the first row is blank
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat again")
        await wait_for(pilot, lambda: app.session.conversation is None, "a new conversation")
        await wait_for(
            pilot,
            lambda: drawn(app, "Older chat", "Newer chat") and marked(app) == [],
            "the list drawn again, no row marked",
        )
        app.screen.composer.focus()  # the list stays shown while one types
        await send(pilot, "echo: a fresh start")
        await answered(pilot)
        await wait_for(
            pilot,
            lambda: marked(app) and "echo: a fresh start" in marked(app)[0],
            lambda: "the new conversation is listed and marked:\n" + "\n".join(sidebar_rows(app)),
        )


async def test_the_mark_shows_on_search_hits_of_the_open_conversation(make_app, paths) -> None:
    store = Store.open(paths.database)
    open_one = seed(store, "Gamma open", 1)
    seed(store, "Gamma other", 1)
    store.close()
    app = make_app(conversation_id=open_one)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l", "slash", *"Gamma", "enter")
        await wait_for(
            pilot, lambda: all(":" in i for i in sidebar_ids(app)) and sidebar_ids(app), "hits"
        )
        await wait_for(pilot, lambda: marked(app), "the open conversation's hit is marked")
        assert all("Gamma open" in row or "question" in row for row in marked(app))
        assert not any("Gamma other" in row for row in marked(app))
