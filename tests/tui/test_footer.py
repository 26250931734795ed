"""At 80 columns the footer keeps every key it offers, in the busiest state."""

from __future__ import annotations

from deepseek_tui.config import Settings
from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import screen_text, send, streaming_under_way


async def test_every_footer_key_fits_at_80_columns_while_streaming(
    make_app, emulator: Emulator
) -> None:
    emulator.faults = Faults(token_delay=0.05)
    # A model that toggles thinking: ^t is offered too, the longest footer there is.
    app = make_app(settings=Settings(model="deepseek-v4-flash"))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "echo: " + "word " * 200)
        await streaming_under_way(pilot)
        footer = screen_text(app).splitlines()[-1]
        for key in ("esc Stop", "^o Model", "^t Thinking", "^s Settings", "f1 Help", "^l Chats"):
            assert key in footer, footer
        assert "^q Quit" in footer and "^p palette" in footer, footer
        await pilot.press("escape")


async def test_a_notice_does_not_cover_the_composer_at_80x24(make_app) -> None:
    from deepseek_tui.tui.widgets.composer import Composer
    from tests.helpers import answered, wait_for

    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await send(pilot, "echo: hi")
        await answered(pilot)
        await pilot.press("ctrl+b")  # "Copied the last answer…"

        def shown() -> list:
            # By type name: Textual's Toast class lives in a private module.
            return [t for t in app.screen.query("Toast") if t.region.height]

        await wait_for(pilot, shown, "the notice")
        composer = app.screen.query_one(Composer).region
        for toast in shown():
            assert not toast.region.overlaps(composer), (toast.region, composer)
            assert toast.region.height <= 3


async def test_at_60_columns_the_footer_shows_whole_keys_only(make_app) -> None:
    """Keys that do not fit are left out whole (help and the palette list them), not
    cut: `^l Chats ^▏^p palette`."""
    app = make_app(settings=Settings(model="deepseek-v4-flash"))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert footer.rstrip().endswith("▏^p palette"), footer
        keys = ["^o Model", "^t Thinking", "^s Settings", "f1 Help", "^l Chats", "^q Quit"]
        shown = " ".join(footer.split("▏")[0].split())
        assert shown in [" ".join(keys[:n]) for n in range(2, len(keys))], footer
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert "^q Quit" in screen_text(app).splitlines()[-1]  # all back when there is room
