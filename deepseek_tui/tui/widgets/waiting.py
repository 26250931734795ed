"""The line an answer shows between Enter and its first token: what the stream waits
for, with its spinner and the seconds since Enter ("⠙ waiting for the model · 4 s"), or
a retry's countdown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from deepseek_tui.tui.widgets import spinner

if TYPE_CHECKING:
    from textual.timer import Timer

    from deepseek_tui.api.events import Waiting


class WaitingLine(Static):
    """Hidden until `show`; turns every `spinner.TICK` until `stop`."""

    def __init__(self, *, started: float) -> None:
        super().__init__("", classes="waiting", markup=False)
        self.display = False
        self.started = started  # when Enter was pressed (the answer was made)
        self._event: Waiting | None = None
        self._since = started  # when the event came
        self._ticks = 0
        self._timer: Timer | None = None

    def show(self, event: Waiting) -> None:
        """Show what the stream waits for, until the first token (or the end) arrives."""
        self._event = event
        self._since = spinner.clock()
        self.display = True
        if self._timer is None:
            self._timer = self.set_interval(spinner.TICK, self._turn)
        self._turn()

    def text(self) -> str:
        """The line as shown: "⠙ waiting for the model · 4 s"."""
        event = self._event
        if event is None:
            return ""
        now = spinner.clock()
        remaining = event.delay - (now - self._since)
        turning = spinner.frame(self._ticks)
        if event.stage == "retrying":  # its own countdown is the time that matters
            return f"{turning} {event.describe(remaining)}"
        return f"{turning} {event.describe(remaining)} · {now - self.started:.0f} s"

    def _turn(self) -> None:
        self._ticks += 1
        self.update(self.text())

    def stop(self) -> None:
        """Hidden for good: the first token came, or the answer ended."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._event is not None:
            self._event = None
            self.display = False
