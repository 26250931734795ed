"""Saving one answer as it streams, off the event loop (`AnswerSaver`), and the one
way a message's update is written and read back (`update`)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from deepseek_tui.store import Store

if TYPE_CHECKING:
    from pathlib import Path

    from deepseek_tui.messages import Message, MessageUpdate


def update(store: Store, message_id: int, change: MessageUpdate) -> Message | None:
    """Save `change`; the message as saved (None when its row is gone meanwhile)."""
    store.update_message(message_id, change)
    return store.get_message(message_id)


class AnswerSaver:
    """Saves one answer as it streams, from a thread of its own over a connection of
    its own (a SQLite connection belongs to its thread), so writing a long answer —
    and the search indexes reading all of it again at every save: 0.25–0.3 s
    for 10 MB — never holds up the event loop. Saves run one at a time, in order; the
    final one is awaited, so the answer is in the store when the stream ends.

    A save starts only once the last one is done and has rested as long as it took,
    so the thread saves at most half the time: a 10 MB answer is saved about every
    second, a usual one every `save_interval`."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="answer-saver")
        self._store: Store | None = None  # opened, used and closed in the thread only
        self._last: Future[None] | None = None
        self._rest_until = 0.0  # time.monotonic() before which no save starts
        self._reported: BaseException | None = None
        self._final = False

    def ready(self) -> bool:
        """The last save is done and has rested."""
        if self._last is not None and not self._last.done():
            return False
        return time.monotonic() >= self._rest_until

    def failure(self) -> BaseException | None:
        """The error of the last save, once (then None until another fails)."""
        last = self._last
        if last is None or not last.done() or last.exception() is None:
            return None
        error = last.exception()
        if error is self._reported:
            return None
        self._reported = error
        return error

    def save(self, message_id: int, change: MessageUpdate) -> None:
        self._last = self._executor.submit(self._write, message_id, change)

    async def finish(self, message_id: int, final: MessageUpdate) -> tuple[Message | None, bool]:
        """The final save, after any still under way: the saved message, and whether
        the task was cancelled meanwhile (Esc again, the app quitting). Cancelled, it
        waits for the save all the same; the caller raises once it kept the message."""
        self._final = True
        done = asyncio.wrap_future(self._executor.submit(self._write_final, message_id, final))
        cancelled = False
        while True:
            try:
                return await asyncio.shield(done), cancelled
            except asyncio.CancelledError:
                cancelled = True

    def close(self) -> None:
        """Close the connection once the saves are done (without waiting for them)."""
        if self._last is not None or self._final:
            self._executor.submit(self._close)
        self._executor.shutdown(wait=False)

    # --- in the thread ---------------------------------------------------------------

    def _open(self) -> Store:
        if self._store is None:
            self._store = Store.open(self._path)
        return self._store

    def _write(self, message_id: int, change: MessageUpdate) -> None:
        started = time.monotonic()
        try:
            self._open().update_message(message_id, change)
        finally:
            ended = time.monotonic()
            self._rest_until = ended + (ended - started)

    def _write_final(self, message_id: int, final: MessageUpdate) -> Message | None:
        return update(self._open(), message_id, final)

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
