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
    store: Store,
    message_id: int,
    change: MessageUpdate,
    *,
    reasoning_added: str = "",
    reasoning: str | None = None,
    reasoning_cut: int = 0,
) -> Message | None:
    """Save `change` (and `reasoning_added` to the end of the reasoning); the message
    as saved (None when its row is gone meanwhile). The reasoning it has is the one
    `change` wrote, or `reasoning` (what the reply holds, `reasoning_cut` characters
    past it only in the store), not read back: that would be a second copy (200 MB)."""
    if not store.update_message(message_id, change, reasoning_added=reasoning_added):
        return None
    known = change.reasoning if change.reasoning is not None else reasoning
    if known is None:
        return store.get_message(message_id)
    saved = store.get_message(message_id, reasoning=False)
    cut = 0 if change.reasoning is not None else reasoning_cut
    return None if saved is None else replace(saved, reasoning=known, reasoning_cut=cut)


@dataclass
class Written:
    """What the answer's row holds already: the length of its content (an answer
    only grows while it streams) and of its reasoning (`Reply.reasoning_chars`)."""

    content: int = -1
    reasoning: int = 0
    # The row is gone (its conversation deleted elsewhere): no save writes anything
    # now, and the reply holds its reasoning for the session to save it again.
    gone: bool = False

    def wrote(self, change: MessageUpdate, reasoning: int) -> None:
        if change.content is not None:
            self.content = len(change.content)
        self.reasoning = reasoning

    def left_out(self, final: MessageUpdate) -> MessageUpdate:
        """The final save without what the row holds already: the reasoning is never
        written whole (what it lacks is added: `Reply.reasoning_since`), nor the
        content when it is the same (its search triggers would fire for no change)."""
        same_content = final.content is not None and len(final.content) == self.content
        return replace(final, content=None if same_content else final.content, reasoning=None)


# Characters of reasoning that bring a save forward (`AnswerRecord.behind`).
UNSAVED_CHARS = 2_000_000


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
        holds: int | None = None,
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
        # A thread and a connection of its own for a store file; a store in memory
        # has no file to open again, and saves on the loop. What the row holds is
        # the saver's to know (in its thread), or this record's without one.
        path = self._store.path if self._store is not None else None
        self._saver = AnswerSaver(path) if path is not None else None
        self._written = self._saver.written if self._saver is not None else Written()
        if row is not None:  # an answer continued: its row holds its reasoning
            # (`holds` characters of it when the message's final save failed).
            whole = len(row.reasoning or "") + row.reasoning_cut
            self._written.reasoning = whole if holds is None else holds

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
                self._written.content = len(self.row.content)
                self._written.reasoning = reply.reasoning_chars
                return
            except (StoreError, OSError) as error:
                moved = self._moved() if attempt == 0 else None
                if moved is None:
                    self._failed(error)
                    return
                self._conversation_id, self._parent = moved

    def behind(self, reply: Reply) -> bool:
        """Reasoning of `UNSAVED_CHARS` or more came since the last save: saved before
        the interval is up, so that what is held past the head stays small (a server
        sending at wire speed gave 15 MB between two saves, and the save copies it)."""
        return reply.reasoning_chars - self._written.reasoning >= UNSAVED_CHARS

    def unsaved(self, reply: Reply) -> tuple[int, str]:
        """Once the final save failed: the characters of the reasoning the row holds,
        and the text it lacks that a message holding `reply.reasoning` would not (the
        reasoning past its head held until saved): both kept to save it later."""
        holds = self._written.reasoning
        return holds, reply.reasoning_since(holds) if reply.reasoning_cut else ""

    def save(self, reply: Reply) -> bool:
        """Save the answer so far; False when the last save is still under way (or
        resting: `AnswerSaver.ready`), to be tried again at the next delta."""
        if self._store is None or self.row is None or self._written.gone:
            return True
        saver = self._saver
        if saver is not None:
            failure = saver.failure()
            if failure is not None:
                self._failed(failure)
            if not saver.ready():
                return False
        # No save under way: what the row holds is known. Of the reasoning, only what
        # came since is written (all of it again was 200 MB at every save), and what
        # the row holds past the head need not be held in memory any more.
        saved = self._written.reasoning
        reply.reasoning_saved(saved)
        added = reply.reasoning_since(saved)
        # The content only when it grew: naming it in an UPDATE fires the search
        # indexes' triggers, which read the reasoning's head again (1 MB at each save).
        grew = reply.content_chars != self._written.content
        change = MessageUpdate(content=reply.content if grew else None)
        if saver is not None:
            saver.save(self.row.id, change, added, reply.reasoning_chars)
            return True
        try:
            if self._store.update_message(self.row.id, change, reasoning_added=added):
                self._written.wrote(change, reply.reasoning_chars)
            else:
                self._written.gone = True
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
            if self._saver is None:
                return final_update(self._store, self.row.id, final, reply, self._written), False
            return await self._saver.finish(self.row.id, final, reply)
        except (StoreError, OSError) as error:
            self._failed(error)
            return None, False


def final_update(
    store: Store, message_id: int, final: MessageUpdate, reply: Reply, written: Written
) -> Message | None:
    """The final save: what the row lacks of `final` and of the reasoning."""
    return update(
        store,
        message_id,
        written.left_out(final),
        reasoning_added=reply.reasoning_since(written.reasoning),
        reasoning=final.reasoning,
        reasoning_cut=reply.reasoning_past,
    )


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

    def save(self, message_id: int, change: MessageUpdate, added: str, reasoning: int) -> None:
        """Write `change` and `added` to the reasoning (then `reasoning` characters long)."""
        self._last = self._executor.submit(self._write, message_id, change, added, reasoning)

    async def finish(
        self, message_id: int, final: MessageUpdate, reply: Reply
    ) -> tuple[Message | None, bool]:
        """The final save, after any still under way: the saved message, and whether
        the task was cancelled meanwhile (Esc again, the app quitting). Cancelled, it
        waits for the save all the same; the caller raises once it kept the message."""
        self._final = True
        write = self._executor.submit(self._write_final, message_id, final, reply)
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

    def _write(self, message_id: int, change: MessageUpdate, added: str, reasoning: int) -> None:
        started = time.monotonic()
        try:
            if self._open().update_message(message_id, change, reasoning_added=added):
                self.written.wrote(change, reasoning)
            else:
                self.written.gone = True
        finally:
            ended = time.monotonic()
            self._rest_until = ended + (ended - started)

    def _write_final(self, message_id: int, final: MessageUpdate, reply: Reply) -> Message | None:
        # In the thread: the saves before it are done, `written` is theirs, and the
        # reply is over (nothing changes it any more).
        return final_update(self._open(), message_id, final, reply, self.written)

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
