"""Every colour that carries text in a shipped theme reads at WCAG AA (4.5:1)."""

from __future__ import annotations

import pytest
from rich.default_styles import DEFAULT_STYLES
from textual.color import Color

from deepseek_tui.tui.themes import load_themes, shipped_themes_dir, solid_colour
from deepseek_tui.tui.widgets.markdown_render import markdown_theme

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


@pytest.mark.parametrize("theme", THEMES, ids=[theme.name for theme in THEMES])
def test_every_markdown_text_colour_reads_at_wcag_aa(theme) -> None:
    """Headings of each level, table headers, links, quotes, inline code: every colour
    an answer's Markdown draws text in, on the answer's background (or its own)."""
    variables = theme.to_color_system().generate()
    variables.update(theme.variables)
    background = Color.parse(variables["background"])
    foreground = Color.parse(variables["foreground"])
    styles = markdown_theme(variables, background, foreground).styles
    ours = {name for name, style in styles.items() if DEFAULT_STYLES.get(name) != style}
    too_low = {}
    for name in sorted(ours):
        style = styles[name]
        if style.color is None or name.endswith(".rule"):  # a rule is not text
            continue
        text = Color.from_rich_color(style.color)
        under = Color.from_rich_color(style.bgcolor) if style.bgcolor else background
        ratio = contrast(text, under)
        if ratio < 4.5:
            too_low[name] = round(ratio, 2)
    assert too_low == {}


@pytest.mark.parametrize("theme", THEMES, ids=[theme.name for theme in THEMES])
def test_every_code_colour_reads_at_wcag_aa(theme) -> None:
    """Code blocks: each token colour of the theme's Pygments style on that style's
    own background (Monokai and friendly fell to 2.6:1 on comments)."""
    from pygments.styles import get_style_by_name

    from deepseek_tui.tui.themes import code_theme

    name = code_theme(theme.variables, theme.dark)
    assert name == theme.variables.get("code-theme"), "a shipped theme names its code style"
    style = get_style_by_name(name)
    under = Color.parse(style.background_color)
    too_low = {}
    for token, spec in style.styles.items():
        for part in (spec or "").split():
            if part.startswith("#"):
                ratio = contrast(Color.parse(part), under)
                if ratio < 4.5:
                    too_low[str(token)] = round(ratio, 2)
    assert too_low == {}


def test_an_unknown_code_style_in_a_user_theme_falls_back() -> None:
    from deepseek_tui.tui.themes import code_theme

    assert code_theme({"code-theme": "no-such-style"}, dark=True) == "lightbulb"
    assert code_theme({}, dark=False) == "xcode"
