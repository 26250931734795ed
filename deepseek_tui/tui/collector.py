"""When Python's garbage collector runs in the TUI, so that it stalls no frame
(docs/architecture.md, "Streaming render"): thresholds that make full collections
rare (`set_thresholds`, at the app's start), and collection held off while an answer
streams, the turn's objects collected in one pass after its last frame
(`TurnCollection`, a part the conversation view owns). No Textual."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def set_thresholds() -> None:
    """Full collections caused every stall over 200 ms while streaming."""
    gc.set_threshold(50_000, 50, 100)


class TurnCollection:
    """Collection off while a turn streams, on while the user decides on a tool call,
    and back on after the turn. Given `after_refresh` (a callback run after the next
    frame) and `turn_on` (whether a turn streams: the next may have started)."""

    def __init__(
        self,
        after_refresh: Callable[[Callable[[], None]], object],
        turn_on: Callable[[], bool],
    ) -> None:
        self._after_refresh = after_refresh
        self._turn_on = turn_on

    def hold(self) -> None:
        """A turn starts. A full collection mid-stream stalls frames for up to a second
        on a long answer; the young generations are collected once the answer is in."""
        gc.disable()

    def release(self) -> None:
        """The turn ended. Off until its last frame: enabled here, the next allocation
        collected the turn's objects (all young: nothing was collected during it)
        before the last frame, and a gc.collect(1) after it walked them again with
        everything older than the last full pass (the MCP SDK's import: a tool turn's
        end held a key 78 + 122 ms, benchmarks/tool_round.py)."""
        self._after_refresh(self._collect)

    def _collect(self) -> None:
        """The turn's objects collected in one pass of the youngest generation, then
        collection back on (left off when the next turn has started meanwhile: its
        end does this)."""
        if self._turn_on():
            return
        gc.collect(0)
        gc.enable()

    @contextmanager
    def deciding(self) -> Iterator[None]:
        """Nothing streams while the user decides, which may take a while: garbage is
        collected meanwhile, not all at the turn's end (off again for what follows)."""
        gc.enable()
        try:
            yield
        finally:
            gc.disable()
