"""Themes from files: the shipped ones load, a user's bad file is named and skipped."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select

from deepseek_tui.config import Paths, Settings
from deepseek_tui.tui.themes import load_themes, shipped_themes_dir, theme_from_toml
from tests.helpers import notices, wait_for

GOOD = 'name = "mine"\nprimary = "#336699"\ndark = true\n[variables]\nx = "#ffffff"\n'


def test_every_shipped_theme_loads() -> None:
    loaded = load_themes(shipped_themes_dir())
    assert loaded.failed == []
    names = {theme.name for theme in loaded.themes}
    assert {"deepseek-dark", "deepseek-light"} <= names


def test_a_theme_file_becomes_a_textual_theme() -> None:
    theme = theme_from_toml(GOOD, "fallback")
    assert (
        theme.name == "mine" and theme.primary == "#336699" and theme.variables == {"x": "#ffffff"}
    )
    assert theme_from_toml('primary = "#336699"', "from-the-file-name").name == (
        "from-the-file-name"
    )


def test_bad_files_are_named_with_their_reason_and_the_good_ones_still_load(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "good.toml").write_text(GOOD)
    (folder / "broken.toml").write_text("name = ")
    (folder / "nocolour.toml").write_text('name = "x"\n')
    (folder / "badcolour.toml").write_text('name = "y"\nprimary = "not a colour"\n')
    (folder / "typo.toml").write_text('name = "z"\nprimray = "#123456"\nprimary = "#123456"\n')
    (folder / "binary.toml").write_bytes(b"\xff\xfe\x00")
    (folder / "escape.toml").write_text('name = "x\\u001b[2J"\nprimary = "#123456"\n')
    (folder / "notes.txt").write_text("ignored: not a theme file")
    loaded = load_themes(folder)
    assert [theme.name for theme in loaded.themes] == ["mine"]
    reasons = dict(loaded.failed)
    assert set(reasons) == {
        "broken.toml",
        "nocolour.toml",
        "badcolour.toml",
        "typo.toml",
        "binary.toml",
        "escape.toml",
    }
    assert "TOML" in reasons["broken.toml"]
    assert "primary" in reasons["nocolour.toml"]
    assert "colour" in reasons["badcolour.toml"]
    assert "primray" in reasons["typo.toml"]
    assert "UTF-8" in reasons["binary.toml"]


def test_a_missing_folder_is_no_problem(tmp_path: Path) -> None:
    loaded = load_themes(tmp_path / "nowhere")
    assert loaded.themes == [] and loaded.failed == []


async def test_the_app_offers_user_themes_and_says_once_which_files_it_skipped(
    make_app, paths: Paths
) -> None:
    paths.themes_dir.mkdir(parents=True)
    (paths.themes_dir / "mine.toml").write_text(GOOD)
    (paths.themes_dir / "[bold]bad.toml").write_text("primary = 3")
    app = make_app(settings=Settings(theme="mine"))
    async with app.run_test() as pilot:

        def skipped() -> list[str]:
            return [text for text in notices(app) if "skipped" in text]

        await wait_for(pilot, skipped, "the notice")
        assert app.theme == "mine"
        assert "deepseek-dark" in app.available_themes
        assert len(skipped()) == 1 and "[bold]bad.toml" in skipped()[0]


async def test_a_theme_picked_from_the_palette_is_saved(make_app, paths: Paths) -> None:
    from deepseek_tui.config import load_settings
    from deepseek_tui.tui.screens.chat import ChatScreen
    from deepseek_tui.tui.screens.settings import SettingsScreen

    app = make_app()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        app.theme = "nord"  # what the palette's "Change theme" does
        await wait_for(
            pilot,
            lambda: paths.config_file.exists() and load_settings(paths).theme == "nord",
            "the theme saved",
        )
        app.push_screen(SettingsScreen())
        await wait_for(pilot, lambda: app.screen.query("#theme"), "the settings form")
        app.screen.query_one("#theme", Select).value = "gruvbox"  # saved only with Save
        # Previewed: the form handled the pick. The app hears of a new theme as it is
        # set (theme_changed_signal calls it then), so what it would save is saved.
        await wait_for(pilot, lambda: app.theme == "gruvbox", "the preview")
        assert load_settings(paths).theme == "nord"
        assert app.settings.theme == "nord"


def test_special_huge_looping_and_badly_valued_files_are_skipped_at_once(tmp_path: Path) -> None:
    """Issue 19 §4, §6, §7: what is not a regular file or is over 64 KB is skipped by
    what it is, without blocking on a FIFO or reading /dev/zero; a variable that is
    not what it is used as is a reason when read, not "Error in stylesheet" at every
    start; a name that is markup is refused; a long value is quoted cut."""
    import os
    import threading

    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "good.toml").write_text(GOOD)
    os.mkfifo(folder / "fifo.toml")
    (folder / "zero.toml").symlink_to("/dev/zero")
    (folder / "loop.toml").symlink_to(folder / "loop.toml")
    (folder / "huge.toml").write_text(GOOD + "# " + "x" * 70_000 + "\n")
    long_value = "not-a-colour-" + "z" * 5_000
    (folder / "badvar.toml").write_text(GOOD + f'border = "{long_value}"\n')
    (folder / "badstyle.toml").write_text(GOOD + 'link-style = "sparkly"\n')
    (folder / "markup.toml").write_text(GOOD.replace('"mine"', '"[/]"'))
    loaded: list = []
    reader = threading.Thread(target=lambda: loaded.append(load_themes(folder)), daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert loaded, "load_themes blocked"
    assert [theme.name for theme in loaded[0].themes] == ["mine"]
    reasons = dict(loaded[0].failed)
    assert reasons["fifo.toml"] == reasons["zero.toml"] == "not a regular file"
    assert reasons["loop.toml"] == "a symlink loop"
    assert "over 64 KB" in reasons["huge.toml"]
    assert "border is not a colour: 'not-a-colour-zz" in reasons["badvar.toml"]
    assert len(reasons["badvar.toml"]) < 120
    assert "link-style" in reasons["badstyle.toml"]
    assert "name must be plain words" in reasons["markup.toml"]
