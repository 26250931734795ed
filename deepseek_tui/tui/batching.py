"""Deltas gathered into batches, so the Markdown widgets get a few appends a second
instead of one per token. A plain class: it knows nothing of Textual."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from deepseek_tui.api.events import ContentDelta, ReasoningDelta, StreamEvent

# Deltas are handed on at most this often (seconds).
BATCH_SECONDS = 0.05

Sink = Callable[[str], Awaitable[None]]


class DeltaBatcher:
    """Collects reasoning and content text and hands each on in one piece.

    Reasoning that is pending when content arrives is handed on first, so the two
    never reorder. Other events (usage, finish) are ignored: the caller reads them
    from the reply once it is done.
    """

    def __init__(
        self,
        on_reasoning: Sink,
        on_content: Sink,
        *,
        interval: float = BATCH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_reasoning = on_reasoning
        self._on_content = on_content
        self.interval = interval
        self._clock = clock
        self._reasoning: list[str] = []
        self._content: list[str] = []
        self._flushed = clock()
        # The stream's loop holds it while it hands on (and while it does what must not
        # come between two hand-ons); a stall's timer then waits its turn.
        self.handing_on = asyncio.Lock()

    async def add(self, event: StreamEvent) -> None:
        """Take one event; hand the batch on when `interval` has passed."""
        if isinstance(event, ReasoningDelta):
            self._reasoning.append(event.text)
        elif isinstance(event, ContentDelta):
            if self._reasoning:
                await self._flush_reasoning()
            self._content.append(event.text)
        else:
            return
        if self.due:
            await self.flush()

    @property
    def due(self) -> bool:
        """Something is pending and `interval` has passed since the last hand-on: a
        stream that pauses (a stall, a slow model) should still show what came."""
        pending = bool(self._reasoning or self._content)
        return pending and self._clock() - self._flushed >= self.interval

    async def hand_on_stalled(self) -> None:
        """For a timer: what is due handed on when no delta has come to do it (a
        stall, keep-alives only), unless the stream's loop is handing on."""
        if self.due and not self.handing_on.locked():
            async with self.handing_on:
                await self.flush()

    async def flush(self) -> None:
        """Hand on whatever is pending (at the end of a stream, or when stopped)."""
        self._flushed = self._clock()
        await self._flush_reasoning()
        if self._content:
            chunk = "".join(self._content)
            self._content.clear()
            await self._on_content(chunk)

    async def _flush_reasoning(self) -> None:
        if self._reasoning:
            chunk = "".join(self._reasoning)
            self._reasoning.clear()
            await self._on_reasoning(chunk)
