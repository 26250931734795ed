"""Themes from TOML files: the ones shipped with the app and the user's own.

A theme file holds the fields of Textual's `Theme` (name, primary, background…) and
an optional `[variables]` table. A file that cannot be used is reported by name and
reason and skipped; the others still load. The app registers them (`register_themes`)
and puts the saved one in place before any CSS is read (`start_with_theme`), says
which files it skipped (`say_skipped`) and saves a theme picked anywhere (`keep_theme`).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from textual.app import App

    from deepseek_tui.config import Paths, Settings

_COLOURS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_FIELDS = {item.name for item in fields(Theme)}
# A theme file is a few hundred bytes; past this it is not one (a 5 MB value delayed
# the first frame by 5 s; a symlink to /dev/zero grew without end).
MAX_THEME_BYTES = 64 * 1024
# A theme's name is shown in the palette, Settings and notices: plain words only (a
# name "[/]" was read as markup there and stopped the app).
_THEME_NAME = re.compile(r"[\w .()+-]{1,60}")
# Variables that take a text style ("bold underline"); the rest but code-theme are colours.
_STYLE_WORDS = frozenset(
    (
        "b",
        "bold",
        "i",
        "italic",
        "u",
        "underline",
        "uu",
        "reverse",
        "r",
        "strike",
        "s",
        "dim",
        "d",
        "blink",
        "blink2",
        "overline",
        "o",
        "not",
        "none",
    )
)
_COLOUR_WORDS = frozenset(("auto", "initial", "transparent", "inherit"))


@dataclass
class LoadedThemes:
    """What a folder gave: themes that load, and (file name, reason) for those that don't."""

    themes: list[Theme] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def shipped_themes_dir() -> Path:
    """The themes that come with the app: inside the installed package, or the
    repository's top-level themes/ when running from a checkout (an editable install).
    Found from this file, not with importlib.resources: that costs ~3 ms at every
    start, for a folder that is always on disk beside the package."""
    package = Path(__file__).resolve().parents[1]
    inside = package / "themes"
    if inside.is_dir():
        return inside
    return package.parent / "themes"


def theme_from_toml(text: str, fallback_name: str) -> Theme:
    """A Theme from a theme file's text; ValueError says what is wrong with it."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not valid TOML ({error})") from None
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r}")
    data.setdefault("name", fallback_name)
    if not isinstance(data["name"], str) or not data["name"].strip():
        raise ValueError("name must be a non-empty string")
    if not _THEME_NAME.fullmatch(data["name"]):
        raise ValueError(
            "name must be plain words (letters, digits, spaces, - _ . ( ) +), "
            f"at most 60, not {_quoted(data['name'])}"
        )
    if not isinstance(data.get("primary"), str):
        raise ValueError("primary (a colour) is missing")
    for name in _COLOURS:
        if name in data and not isinstance(data[name], str):
            raise ValueError(f'{name} must be a colour as text, like "#4D6BFE"')
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(value, str) for value in variables.values()
    ):
        raise ValueError("[variables] must map names to text values")
    for name, value in variables.items():
        _check_variable(name, value)
    if "dark" in data and not isinstance(data["dark"], bool):
        raise ValueError("dark must be true or false")
    try:
        theme = Theme(**data)
        theme.to_color_system()  # parses every colour
    except Exception as error:  # Textual's colour parser raises several kinds
        raise ValueError(f"a colour cannot be read ({error})") from None
    return theme


def _quoted(value: str, limit: int = 40) -> str:
    """A value from the file for a message: one line, cut in the middle when long."""
    from deepseek_tui.terminal import sanitize

    value = sanitize(value, name=True)
    if len(value) > limit:
        value = value[: limit - 12] + "…" + value[-11:]
    return repr(value)


def _check_variable(name: str, value: str) -> None:
    """A ValueError when `value` cannot be what the variable `name` is used as: read
    when the theme is, so a bad one is skipped with its reason instead of stopping the
    app at every start ("Error in stylesheet")."""
    if name == "code-theme":
        return  # a Pygments style's name, checked where it is used (`code_theme`)
    words = value.split()
    if name.endswith("-style"):
        if not words or not all(word in _STYLE_WORDS for word in words):
            raise ValueError(
                f'[variables] {name} must be text styles like "bold", not {_quoted(value)}'
            )
        return
    if len(words) == 2 and re.fullmatch(r"\d{1,3}(\.\d+)?%", words[1]):
        words = words[:1]  # "red 50%": a colour and its opacity
    if len(words) == 1 and words[0] in _COLOUR_WORDS:
        return
    try:
        Color.parse(" ".join(words))
    except ColorParseError:
        raise ValueError(f"[variables] {name} is not a colour: {_quoted(value)}") from None


def _read_theme_file(entry: Traversable | Path) -> str:
    """A theme file's text, read without blocking and at most `MAX_THEME_BYTES`: a
    FIFO, a device or a folder is refused by what it is, an over-long file by its size
    (OSError and ValueError say why)."""
    if not isinstance(entry, Path):
        return entry.read_text(encoding="utf-8")  # the shipped ones, inside a package
    # O_NONBLOCK: opening a FIFO nobody writes to returns at once instead of waiting.
    fd = os.open(entry, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise ValueError("not a regular file")
        if found.st_size > MAX_THEME_BYTES:
            raise ValueError(f"over {MAX_THEME_BYTES // 1024} KB: not a theme")
        raw = file.read(MAX_THEME_BYTES + 1)
    if len(raw) > MAX_THEME_BYTES:
        raise ValueError(f"over {MAX_THEME_BYTES // 1024} KB: not a theme")
    return raw.decode("utf-8")


def _os_reason(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "a symlink loop"
    if error.errno == errno.ENOENT:
        return "does not exist (a broken symlink?)"
    return error.strerror or str(error)


def solid_colour(value: str, background: Color, foreground: Color) -> Color:
    """A theme variable as the terminal shows it: alpha blended over `background`, and
    "auto N%" as `foreground` at N% (as Textual draws it). ValueError if unreadable."""
    try:
        if value.startswith("auto"):
            percent = value.removeprefix("auto").strip().rstrip("%") or "100"
            colour = foreground.with_alpha(float(percent) / 100)
        else:
            colour = Color.parse(value)
    except ColorParseError as error:
        raise ValueError(str(error)) from None
    return background.blend(colour.with_alpha(1), colour.a)


def load_themes(folder: Traversable | Path) -> LoadedThemes:
    """Every `*.toml` in `folder` (none when it does not exist), sorted by file name."""
    loaded = LoadedThemes()
    try:
        entries = sorted(
            (entry for entry in folder.iterdir() if entry.name.endswith(".toml")),
            key=lambda entry: entry.name,
        )
    except (FileNotFoundError, NotADirectoryError):
        return loaded
    except OSError as error:
        loaded.failed.append((str(folder), error.strerror or str(error)))
        return loaded
    for entry in entries:
        try:
            text = _read_theme_file(entry)
            loaded.themes.append(theme_from_toml(text, entry.name.removesuffix(".toml")))
        except UnicodeDecodeError:
            loaded.failed.append((entry.name, "not UTF-8 text"))
        except OSError as error:
            loaded.failed.append((entry.name, _os_reason(error)))
        except ValueError as error:
            loaded.failed.append((entry.name, str(error)))
    return loaded


def theme_names(user_folder: Path) -> list[str]:
    """Every theme a user can pick: Textual's own, the shipped ones and their own."""
    from textual.theme import BUILTIN_THEMES

    names = set(BUILTIN_THEMES)
    for folder in (shipped_themes_dir(), user_folder):
        names.update(theme.name for theme in load_themes(folder).themes)
    return sorted(names)


DEFAULT_CODE_THEMES = {True: "lightbulb", False: "xcode"}  # by `dark`; both pass WCAG AA


def code_theme(variables: dict[str, str], dark: bool) -> str:
    """The Pygments style for code blocks: the theme's `code-theme` variable when it
    names a style that exists (a user's theme file may say anything), else ours."""
    from pygments.styles import get_style_by_name
    from pygments.util import ClassNotFound

    wanted = variables.get("code-theme", "")
    if wanted:
        try:
            get_style_by_name(wanted)
        except ClassNotFound:
            pass
        else:
            return wanted
    return DEFAULT_CODE_THEMES[dark]


def register_themes(app: App[Any], user_folder: Path) -> list[tuple[str, str]]:
    """Register the shipped themes, then the user's (which may replace them);
    returns (file, reason) for each user theme that could not be loaded."""
    shipped = load_themes(shipped_themes_dir())
    user = load_themes(user_folder)
    for theme in [*shipped.themes, *user.themes]:
        app.register_theme(theme)
    return user.failed


def start_with_theme(app: App[Any], name: str) -> None:
    """Put the saved theme in place as `App.__init__` puts its default: the value,
    the dark/light classes and the CSS variables, before any CSS is read. Assigning
    `theme` would do it through the watcher, which also queues `refresh_css`: every
    stylesheet parsed a second time before the first frame. A theme that is not
    registered (a user file since removed) leaves Textual's default, as before."""
    from textual.app import App

    if name not in app.available_themes:
        return
    app.set_reactive(App.theme, name)
    dark = app.current_theme.dark
    app.update_classes(
        {f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark}, update=False
    )
    app._refresh_truecolor_filter(app.ansi_theme)
    app.stylesheet.set_variables(app.get_css_variables())


def say_skipped(app: App[Any], folder: Path, problems: list[tuple[str, str]]) -> None:
    """One notice naming each user theme file skipped (`register_themes`'s problems)."""
    if not problems:
        return
    from deepseek_tui.terminal import sanitize

    files = "; ".join(f"{name}: {reason}" for name, reason in problems)
    app.notify(
        sanitize(f"Some themes in {folder} were skipped ({files})."),
        severity="warning",
        timeout=10,
        markup=False,
    )


def keep_theme(app: App[Any], settings: Settings, paths: Paths, theme: Theme) -> None:
    """A theme picked anywhere (the palette's "Change theme" too) is saved like one
    picked in Settings; a screen that only previews themes says so."""
    if theme.name == settings.theme:
        return
    if any(getattr(screen, "PREVIEWS_THEME", False) for screen in app.screen_stack):
        return
    from deepseek_tui.config import ConfigError, save_settings

    settings.theme = theme.name
    try:
        save_settings(paths, settings)
    except (ConfigError, OSError) as error:
        app.notify(f"The theme could not be saved: {error}", severity="warning", markup=False)
