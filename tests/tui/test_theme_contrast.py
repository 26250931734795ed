"""Every colour that carries text in a shipped theme reads at WCAG AA (4.5:1)."""

from __future__ import annotations

import pytest
from textual.color import Color

from deepseek_tui.tui.themes import load_themes, shipped_themes_dir, solid_colour

THEMES = load_themes(shipped_themes_dir()).themes
# (text, the background it is drawn on): answer text, the model badge (accent), links,
# bullets and list numbers (primary), hints and meta lines (text-muted), error,
# warning and success notices, the reasoning panel's text.
PAIRS = [
    ("foreground", "background"),
    ("foreground", "surface"),
    ("foreground", "panel"),
    ("accent", "background"),
    ("accent", "surface"),
    ("primary", "background"),
    ("primary", "surface"),
    ("text-muted", "background"),
    ("text-muted", "surface"),
    ("text-muted", "panel"),
    ("error", "background"),
    ("warning", "background"),
    ("success", "surface"),
    ("secondary", "surface"),
]


def _luminance(colour: Color) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)


def contrast(a: Color, b: Color) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_three_themes_ship() -> None:
    names = {theme.name for theme in THEMES}
    assert {"deepseek-dark", "deepseek-light", "deepseek-high-contrast"} <= names


@pytest.mark.parametrize("theme", THEMES, ids=[theme.name for theme in THEMES])
def test_every_text_colour_reads_at_wcag_aa(theme) -> None:
    variables = theme.to_color_system().generate()
    variables.update(theme.variables)
    too_low = {}
    for text, background in PAIRS:
        under = Color.parse(variables[background])
        foreground = Color.parse(variables["foreground"])
        ratio = contrast(solid_colour(variables[text], under, foreground), under)
        if ratio < 4.5:
            too_low[f"{text} on {background}"] = round(ratio, 2)
    assert too_low == {}
