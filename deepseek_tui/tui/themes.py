"""Themes from TOML files: the ones shipped with the app and the user's own.

A theme file holds the fields of Textual's `Theme` (name, primary, background…) and
an optional `[variables]` table. A file that cannot be used is reported by name and
reason and skipped; the others still load.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

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
    if not data["name"].isprintable():
        raise ValueError("name must be plain text, without control characters")
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
    if "dark" in data and not isinstance(data["dark"], bool):
        raise ValueError("dark must be true or false")
    try:
        theme = Theme(**data)
        theme.to_color_system()  # parses every colour
    except Exception as error:  # Textual's colour parser raises several kinds
        raise ValueError(f"a colour cannot be read ({error})") from None
    return theme


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
            text = entry.read_text(encoding="utf-8")
            loaded.themes.append(theme_from_toml(text, entry.name.removesuffix(".toml")))
        except UnicodeDecodeError:
            loaded.failed.append((entry.name, "not UTF-8 text"))
        except OSError as error:
            loaded.failed.append((entry.name, error.strerror or str(error)))
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
