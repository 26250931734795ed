"""The conversation list as the UI uses it: pages, search, pin, rename, delete with undo.

The TUI's widgets never hold a `Store`: the sidebar is given `History` and catches
`History.Error`, importing neither at run time. Search may run in a worker thread; it
reads through a connection of its own, since a SQLite connection belongs to the thread
that opened it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from deepseek_tui.store import (
    Conversation,
    ConversationSummary,
    SearchHit,
    Store,
    StoreError,
)

PAGE = 100


@dataclass(frozen=True)
class Page:
    """One page of the conversation list, and how many conversations there are."""

    rows: list[ConversationSummary]
    offset: int
    total: int


class History:
    """Every stored conversation, for browsing. Deletes are undoable until `close()`."""

    # What its methods raise (`str()` is one plain sentence), reachable from the object
    # as DB-API connections offer `.Error`: the sidebar catches it without importing
    # the store.
    Error = StoreError

    def __init__(self, store: Store) -> None:
        self.store = store
        self._deleted: list[str] = []  # deleted in this run, newest last

    # --- reading ----------------------------------------------------------------------

    def page(self, offset: int = 0, limit: int = PAGE) -> Page:
        """Pinned first, then newest first."""
        return Page(
            self.store.list_conversations(limit=limit, offset=offset),
            offset,
            self.store.count_conversations(),
        )

    def get(self, conversation_id: str) -> Conversation | None:
        return self.store.get_conversation(conversation_id)

    def find(self, id_or_prefix: str) -> Conversation | None:
        """By id or an unambiguous prefix of it."""
        return self.store.find_conversation(id_or_prefix)

    def last(self) -> Conversation | None:
        return self.store.last_conversation()

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Every message that matches `query`; safe to call from a worker thread."""
        if self.store.path is None:  # an in-memory store has one connection only
            return self.store.search(query, limit=limit)
        reader = Store.open(self.store.path)
        try:
            return reader.search(query, limit=limit)
        finally:
            reader.close()

    # --- changing -----------------------------------------------------------------------

    def toggle_pin(self, conversation_id: str) -> Conversation | None:
        conversation = self.get(conversation_id)
        if conversation is not None:
            self.store.set_pinned(conversation.id, not conversation.pinned)
        return conversation

    def rename(self, conversation_id: str, title: str) -> None:
        self.store.rename_conversation(conversation_id, title)

    def delete(self, conversation_id: str) -> None:
        """Hide it everywhere now; it is deleted for good at `close()`, unless undone."""
        self.store.set_archived(conversation_id, True)
        self._deleted.append(conversation_id)

    @property
    def can_undo(self) -> bool:
        """Whether a delete of this run can still be undone."""
        return bool(self._deleted)

    def undo_delete(self) -> Conversation | None:
        """Bring back the conversation deleted last; None when there is none."""
        if not self._deleted:
            return None
        conversation_id = self._deleted.pop()
        self.store.set_archived(conversation_id, False)
        return self.get(conversation_id)

    def forget_leftovers(self) -> None:
        """Finish the deletes of a run that crashed before its undo ran out."""
        with contextlib.suppress(StoreError):
            self.store.delete_archived()

    def close(self) -> None:
        """Delete for good what was deleted in this run: undo lasts until now. One
        that another window went on writing in (and so showed again) is left."""
        with contextlib.suppress(StoreError):
            while self._deleted:
                self.store.delete_archived(self._deleted.pop())
