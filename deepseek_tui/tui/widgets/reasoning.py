"""An answer's reasoning panel: a `Collapsible` that owns its text view and its title,
live while the model thinks ("⠙ Thinking… 12 s", turning, so a model that pauses
mid-thought does not look frozen), then "Thought for N s · M tokens". It posts nothing:
the answer tells it when the answer starts and when it ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Collapsible

from deepseek_tui.api.events import thought_label
from deepseek_tui.tui.widgets import spinner
from deepseek_tui.tui.widgets.markdown import MarkdownView

if TYPE_CHECKING:
    from textual.timer import Timer

LIVE_TITLE = "Thinking…"


class ReasoningPanel(Collapsible):
    """Live (open, "Thinking…") until the answer starts or ends; a stored or continued
    answer's reasoning is a closed panel with its label, opened if `expanded`."""

    def __init__(
        self, text: str, *, label: str, live: bool, expanded: bool, started: float
    ) -> None:
        super().__init__(
            MarkdownView(text, classes="reasoning-text"),
            title=LIVE_TITLE if live else label,
            collapsed=not live and not expanded,
            classes="reasoning",
        )
        self.live = live  # thinking now: the title turns once text comes
        self.expanded = expanded  # the setting: open even once the answer starts
        self.started = started  # when the question was sent: the live seconds count from it
        self._ticks = 0
        self._timer: Timer | None = None

    @property
    def view(self) -> MarkdownView:
        return self.query_one(".reasoning-text", MarkdownView)

    async def write(self, text: str) -> None:
        if self._timer is None and self.live:
            self._timer = self.set_interval(spinner.TICK, self._turn)
        if not self.display:
            self.display = True
            self.collapsed = not self.live and not self.expanded
        await self.view.write(text)

    def _turn(self) -> None:
        self._ticks += 1
        self.title = f"{spinner.frame(self._ticks)} {LIVE_TITLE} {self._elapsed():.0f} s"

    def _elapsed(self) -> float:
        return spinner.clock() - self.started

    def stop(self) -> None:
        """No longer live: the answer started or ended."""
        self.live = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def answer_started(self, seconds: float | None) -> None:
        """The thought is over: labelled, closed unless `expanded`. `seconds`: the
        session's measure (the one `finish` shows and the history keeps, so the label
        does not change), else the panel's own."""
        self.stop()
        self.title = thought_label(self._elapsed() if seconds is None else seconds)
        self.collapsed = not self.expanded

    async def finish(self, *, thought: bool, seconds: float | None, tokens: int) -> None:
        """The answer ended: the final label, or hidden when there was no reasoning."""
        self.stop()
        await self.view.finish()
        if not thought:
            self.display = False
            return
        if seconds is None and LIVE_TITLE in self.title:
            seconds = self._elapsed()
        if seconds is not None:
            self.title = thought_label(seconds, tokens)
