"""The line under the composer: model, thinking, the preset in use, JSON mode, the
last answer's tokens and cost, how full the context window is, the turns left out of
it and the tools offered ("tools 7 · 1 failed" in the warning colour)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from deepseek_tui.terminal import sanitize

SEPARATOR = " · "
MODEL_MIN = 20  # cells a long model id keeps before other parts give way


def clip_middle(text: str, width: int) -> str:
    """`text` in at most `width` terminal cells, an ellipsis replacing its middle.

    For model ids: a gateway's "accounts/fireworks/models/…" prefix says less than
    the end, so the end keeps two thirds of the room."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head_room = (width - 1) // 3
    head = _take(text, head_room)
    tail = _take(text[::-1], width - 1 - cell_len(head))[::-1]
    return f"{head}…{tail}"


def _take(text: str, width: int) -> str:
    """The longest start of `text` that fits in `width` cells (wide characters whole)."""
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            return text[:index]
    return text


def status_text(
    model: str, parts: list[tuple[float, str]], width: int, *, model_min: int = MODEL_MIN
) -> Text:
    """The status line in `width` cells: `model` first, then `parts` in order.

    Each part comes with its rank (lower gives way first). When the line is too
    long, the model id is shortened in the middle down to `model_min` cells, then
    the lowest-ranked parts are left out, and whatever still overflows is cut with an
    ellipsis; nothing wraps."""
    model = sanitize(model, name=True)
    kept = list(parts)

    def line(model_text: str) -> str:
        return SEPARATOR.join([model_text, *(text for _, text in kept)])

    while True:
        rest = cell_len(line("")) if kept else 0
        room = max(width - rest, min(model_min, cell_len(model)))
        shown = clip_middle(model, room)
        if cell_len(line(shown)) <= width or not kept:
            break
        lowest = min(rank for rank, _ in kept)
        kept = [part for part in kept if part[0] != lowest]
    text = Text(line(shown))
    text.truncate(width, overflow="ellipsis")
    return text


def credits_text(credits: str) -> str:
    """A provider's credits left ("credits 12.35"), to the cent when it is a number."""
    try:
        amount = float(credits)
    except ValueError:
        return f"credits {sanitize(credits, name=True)}"
    return f"credits {amount:.2f}"


class StatusBar(Static):
    """Shows its reactive attributes; the screen sets them, the bar redraws itself."""

    COMPONENT_CLASSES = {"status-bar--warning"}
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        padding: 0 2;
        color: $text-muted;
        background: $panel;
    }
    StatusBar > .status-bar--warning {
        color: $text-warning;
        text-style: bold;
    }
    """

    model: reactive[str] = reactive("")
    thinking: reactive[bool | None] = reactive(None)  # None: the model cannot think
    preset: reactive[str] = reactive("")  # the preset the conversation started from
    last: reactive[str] = reactive("")  # "last: …" tokens and cost, or "stopped"
    demo: reactive[bool] = reactive(False)
    problem: reactive[str] = reactive("")  # why history is not being saved, if it isn't
    credits: reactive[str] = reactive("")  # what the provider says is left (Segmind's)
    context: reactive[str] = reactive("")  # the context gauge, "ctx 12.4k/128k"
    context_warning: reactive[bool] = reactive(False)  # the window is nearly full
    json_mode: reactive[bool] = reactive(False)  # the next request asks for a JSON object
    left_out: reactive[int] = reactive(0)  # the oldest turns the next request leaves out
    tools: reactive[str] = reactive("")  # the tools offered, "tools 7 · 1 failed"
    tools_warning: reactive[bool] = reactive(False)  # a server failed

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)

    def render(self) -> Text:
        # Rank: what goes first when the line is too narrow; the demo goes last (it
        # says no answer is real), history off just before it.
        parts: list[tuple[float, str]] = []
        if self.thinking is not None:
            parts.append((2, "thinking on" if self.thinking else "thinking off"))
        # What the next request is (the preset, JSON mode, turns left out) gives way
        # after the last answer's figures, before the gauge; the turns left out first
        # (the transcript marks them too).
        if self.preset:
            parts.append((3.5, f"preset {sanitize(self.preset, name=True)}"))
        if self.json_mode:
            parts.append((3.6, "JSON mode"))
        if self.last:
            parts.append((3, sanitize(self.last)))
        if self.credits:
            parts.append((1, credits_text(self.credits)))
        if self.demo:
            parts.append((5, "offline demo"))
        if self.context:
            parts.append((4, self.context))
        if self.left_out:
            turns = "turn" if self.left_out == 1 else "turns"
            parts.append((3.4, f"{self.left_out} {turns} left out"))
        if self.tools:
            parts.append((3.3, self.tools))
        if self.problem:
            parts.append((4, sanitize(self.problem)))
        width = self.content_region.width or self.app.size.width
        text = status_text(self.model, parts, width)
        warned = ((self.context, self.context_warning), (self.tools, self.tools_warning))
        for part, warning in warned:
            start = text.plain.rfind(part) if part and warning else -1
            if start >= 0:
                style = self.get_component_rich_style("status-bar--warning")
                text.stylize(style, start, start + len(part))
        return text
