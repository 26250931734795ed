"""Saving one answer as it streams: `AnswerRecord` (its row, created at the first
delta, saved so far and as it ended), `AnswerSaver` (the saves off the event loop),
and the one way a message's update is written and read back (`update`). A failed
save is handed to the session's `failed` (it keeps the answer in memory)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from deepseek_tui.messages import MessageDraft, MessageUpdate
from deepseek_tui.store import Store, StoreError

if TYPE_CHECKING:
    from pathlib import Path

    from deepseek_tui.messages import Message
    from deepseek_tui.session.reply import Reply


def update(
    store: Store, message_id: int, change: MessageUpdate, *, reasoning: str | None = None
) -> Message | None:
    """Save `change`; the message as saved (None when its row is gone meanwhile). The
    reasoning it has is the one `change` wrote, or `reasoning` (what the row holds
    already), not read back: that would be a second copy of it (200 MB)."""
    store.update_message(message_id, change)
    known = change.reasoning if change.reasoning is not None else reasoning
    if known is None:
        return store.get_message(message_id)
    saved = store.get_message(message_id, reasoning=False)
    return None if saved is None else replace(saved, reasoning=known)


@dataclass
class Written:
    """What the answer's row holds already: the length of its content (an answer
    only grows while it streams) and `Reply.reasoning_deltas` of its reasoning."""

    content: int = -1
    reasoning: int = -1

    def wrote(self, change: MessageUpdate, deltas: int) -> None:
        if change.content is not None:
            self.content = len(change.content)
        if change.reasoning is not None:
            self.reasoning = deltas

    def left_out(self, final: MessageUpdate, deltas: int) -> MessageUpdate:
        """The final save without what the row holds already. Writing 200 MB of
        reasoning again was what the final save of a huge one cost most; and with the
        content too, the search indexes' triggers fire and SQLite copies the reasoning
        for each mention of it there (~1.3 GB for 200 MB), for no change."""
        same_content = final.content is not None and len(final.content) == self.content
        return replace(
            final,
            content=None if same_content else final.content,
            reasoning=None if deltas == self.reasoning else final.reasoning,
        )


class AnswerRecord:
    """One answer's place in the store: its row (created at the first delta, or the
    row of the answer it continues), saved as it streams and as it ended."""

    def __init__(
        self,
        store: Store | None,
        conversation_id: str | None,
        *,
        parent: int | None,
        row: Message | None,
        failed: Callable[[BaseException], None],
        moved: Callable[[], tuple[str, int | None] | None] = lambda: None,
    ) -> None:
        # No store, or no conversation (history off): nothing is saved.
        self._store = store if conversation_id is not None else None
        self._conversation_id = conversation_id
        self._parent = parent  # the question it answers
        self.row = row
        self._failed = failed
        # Where the answer goes when its conversation was deleted elsewhere and the
        # session saved it again (conversation, parent); None when it was not.
        self._moved = moved
        # `Reply.reasoning_deltas` at the last save that sent the reasoning (to the
        # saver, or written at once), and what the row holds without a saver (the
        # saver keeps its own, in its thread).
        self._reasoning_sent = -1
        self._written = Written()
        # A thread and a connection of its own for a store file; a store in memory
        # has no file to open again, and saves on the loop.
        path = self._store.path if self._store is not None else None
        self._saver = AnswerSaver(path) if path is not None else None

    @property
    def conversation_id(self) -> str | None:
        """The conversation the answer is saved in (None: it is not saved)."""
        return self._conversation_id if self._store is not None else None

    def create(self, reply: Reply) -> None:
        """The answer's row, as it stands (at its first delta)."""
        if self._store is None or self._conversation_id is None:
            return
        for attempt in range(2):
            try:
                self.row = self._store.add_message(
                    self._conversation_id, draft(reply), parent_id=self._parent
                )
                self._reasoning_sent = reply.reasoning_deltas
                written = self._saver.written if self._saver is not None else self._written
                written.content = len(self.row.content)
                written.reasoning = reply.reasoning_deltas
                return
            except (StoreError, OSError) as error:
                moved = self._moved() if attempt == 0 else None
                if moved is None:
                    self._failed(error)
                    return
                self._conversation_id, self._parent = moved

    def save(self, reply: Reply) -> bool:
        """Save the answer so far; False when the last save is still under way (or
        resting: `AnswerSaver.ready`), to be tried again at the next delta."""
        if self._store is None or self.row is None:
            return True
        saver = self._saver
        if saver is not None:
            failure = saver.failure()
            if failure is not None:
                self._failed(failure)
            if not saver.ready():
                return False
        # The reasoning only when it grew: once the answer streams, each save would
        # otherwise copy and write all of it again (200 MB of it, every save).
        reasoning = None
        deltas = reply.reasoning_deltas
        if deltas != self._reasoning_sent:
            self._reasoning_sent = deltas
            reasoning = reply.reasoning or None
        change = MessageUpdate(content=reply.content, reasoning=reasoning)
        if saver is not None:
            saver.save(self.row.id, change, deltas)
            return True
        try:
            self._store.update_message(self.row.id, change)
            self._written.wrote(change, deltas)
        except (StoreError, OSError) as error:
            self._failed(error)
        return True

    async def finish(self, reply: Reply, final: MessageUpdate) -> tuple[Message | None, bool]:
        """Save the answer as it ended: the saved message (None when it could not be
        saved), and whether this task was cancelled while it was saved."""
        try:
            return await self._finish(reply, final)
        finally:
            if self._saver is not None:
                self._saver.close()

    async def _finish(self, reply: Reply, final: MessageUpdate) -> tuple[Message | None, bool]:
        if self._store is None:
            return None, False
        try:
            if self.row is None:
                # No delta arrived (an error before the answer, or an empty reply):
                # still record the turn so the failure is visible in the history.
                self.create(reply)
            if self.row is None:
                return None, False
            deltas = reply.reasoning_deltas
            if self._saver is None:
                change = self._written.left_out(final, deltas)
                return update(self._store, self.row.id, change, reasoning=final.reasoning), False
            return await self._saver.finish(self.row.id, final, deltas)
        except (StoreError, OSError) as error:
            self._failed(error)
            return None, False


def draft(reply: Reply) -> MessageDraft:
    """The answer as its row is created (at its first delta)."""
    return MessageDraft(
        "assistant",
        reply.content,
        reasoning=reply.reasoning or None,
        model=reply.model,
        thinking=reply.thinking,
    )


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
        # What the row holds (in the thread, once a write succeeded; set by
        # `AnswerRecord.create` before any save).
        self.written = Written()

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

    def save(self, message_id: int, change: MessageUpdate, deltas: int) -> None:
        """Write `change` (`deltas`: `Reply.reasoning_deltas` when it was made)."""
        self._last = self._executor.submit(self._write, message_id, change, deltas)

    async def finish(
        self, message_id: int, final: MessageUpdate, deltas: int
    ) -> tuple[Message | None, bool]:
        """The final save, after any still under way: the saved message, and whether
        the task was cancelled meanwhile (Esc again, the app quitting). Cancelled, it
        waits for the save all the same; the caller raises once it kept the message."""
        self._final = True
        write = self._executor.submit(self._write_final, message_id, final, deltas)
        done = asyncio.wrap_future(write)
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

    def _write(self, message_id: int, change: MessageUpdate, deltas: int) -> None:
        started = time.monotonic()
        try:
            self._open().update_message(message_id, change)
            self.written.wrote(change, deltas)
        finally:
            ended = time.monotonic()
            self._rest_until = ended + (ended - started)

    def _write_final(self, message_id: int, final: MessageUpdate, deltas: int) -> Message | None:
        # In the thread: the saves before it are done, `written` is theirs.
        change = self.written.left_out(final, deltas)
        return update(self._open(), message_id, change, reasoning=final.reasoning)

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
