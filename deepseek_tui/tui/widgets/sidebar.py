"""The conversation list and its jobs: newest first, grouped by day, searchable, loaded
in pages; pin, rename, delete (asked first) and undo, through the `History` it is given.

The sidebar posts what the screen has to act on: `Opened` (show that conversation),
`Deleted` (a conversation is gone: the screen starts a new one if it was open),
`Renamed` (the title bar follows) and `Close`. The screen tells it which conversation
is open (`mark_open`). It imports neither `History` nor the store at run time (widgets
never touch the database): it calls the object it is given and catches `History.Error`.

Undo after a delete is ctrl+z, a priority key of the chat screen, which decides when the
key means the composer's text undo instead and otherwise calls `undo_delete`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.worker import get_current_worker

from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.widgets.conversation_list import (
    ConversationList,
    conversation_of,
    message_of,
)

if TYPE_CHECKING:
    from textual.timer import Timer

    from deepseek_tui.history import History
    from deepseek_tui.store import Conversation, SearchHit

SEARCH_DELAY = 0.15  # seconds of no typing before the search runs


class Sidebar(Vertical):
    """Toggle with ctrl+l. Type to search every message; Enter opens."""

    DEFAULT_CSS = """
    Sidebar {
        dock: left;
        margin-bottom: 1;  /* docks overlap: the footer's row would hide the last entry */
        width: 36;
        max-width: 45%;
        display: none;
        border-right: vkey $primary 40%;
        background: $surface;
    }
    Sidebar > #search {
        border: none;
        height: 1;
        padding: 0 1;
        margin: 1 1 0 1;
        background: $boost;
    }
    Sidebar > #conversations {
        width: 100%;
        height: 1fr;
        padding: 0;
        scrollbar-size-vertical: 1;
        border: none;
        background: $surface;
        /* Titles are cut to the cells there are (CJK, emoji, the scrollbar). */
        text-wrap: nowrap;
        text-overflow: ellipsis;
        & > .option-list--option {
            padding: 0 1 0 0;  /* the left cell is the open conversation's mark */
        }
        /* A tint, not a solid block: the row's muted details and the ▌ mark stay
           readable on it (on a solid $primary block they fell to 1.1:1). */
        & > .option-list--option-highlighted {
            background: $primary 15%;
            color: $foreground;
            text-style: none;
        }
        &:focus > .option-list--option-highlighted {
            background: $primary 20%;
        }
        & > .option-list--option-disabled {
            color: $text-muted;  /* day headings: text, not greyed-out options */
            text-style: bold;
        }
    }
    Sidebar > #sidebar-help {
        height: auto;
        padding: 0 1;
        margin-bottom: 1;
    }
    """

    BINDINGS = [Binding("escape", "close", "Close", tooltip="Close the list", show=False)]

    class Opened(Message):
        """Open a conversation, at `message_id` when it came from a search."""

        def __init__(self, conversation_id: str, message_id: int | None = None) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.message_id = message_id

    class Deleted(Message):
        """A conversation was deleted (^z brings it back while the app runs)."""

        def __init__(self, conversation_id: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    class Renamed(Message):
        """The user gave a conversation a new title."""

        def __init__(self, conversation_id: str, title: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.title = title

    class Close(Message):
        """Esc in the sidebar: hide it, back to the composer."""

    def __init__(self, history: History | None, problem: str = "History is off.") -> None:
        """`history` is None when history is off; `problem` then says why."""
        super().__init__(id="sidebar")
        self._history = history
        self._problem = problem
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search all conversations…", id="search")
        yield Static("", id="sidebar-help")
        yield ConversationList(id="conversations")

    def on_mount(self) -> None:
        self.query_one("#sidebar-help", Static).update(
            # Two lines that fit the sidebar's 36 cells, rather than one that wraps.
            Text("⏎ open · / search · esc close\nr rename · p pin · d delete", style="dim")
        )

    def action_close(self) -> None:
        self.post_message(self.Close())

    # --- what the screen asks -----------------------------------------------------------

    def show_list(self) -> None:
        """Shown afresh (ctrl+l): the search box empty, the first page, focus on it,
        the cursor on the open conversation (so r, p, d act on the one on screen)."""
        self.display = True
        self._clear_search()
        self._first_page(keep=self._listing.current)
        self._focus_list()

    def focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def mark_open(self, conversation_id: str | None) -> None:
        """Mark the conversation on screen (after open, new, first send); one that was
        just created is listed, if the plain list is shown. Before the list is
        composed (mounted a moment ago) there is nothing to mark yet: its mounter
        marks it once mounted."""
        found = self.query(ConversationList)
        if not found:
            return
        listing = found.first()
        if listing.current == conversation_id:
            return
        listing.current = conversation_id
        if (
            conversation_id is not None
            and self.display
            and not self.search_text
            and not listing.is_listed(conversation_id)
        ):
            self._first_page(keep=listing.highlighted_conversation)

    def refresh_rows(self) -> None:
        """Show the list again after a change made elsewhere (a title, a conversation
        gone), the highlight staying on the conversation it is on."""
        self._refresh(keep=self._listing.highlighted_conversation)

    @property
    def search_text(self) -> str:
        return self.query_one("#search", Input).value.strip()

    @property
    def can_undo(self) -> bool:
        """Whether a delete of this run can still be undone."""
        return self._history is not None and self._history.can_undo

    def undo_delete(self) -> None:
        """Bring back the conversation deleted last."""
        if self._history is None:
            return
        restored = None
        with self._reported():
            restored = self._history.undo_delete()
        if restored is None:
            return
        self._refresh(keep=restored.id)
        self.notify(f"Restored “{sanitize(restored.shown_title, name=True)}”.", markup=False)

    # --- loading ------------------------------------------------------------------------

    @property
    def _listing(self) -> ConversationList:
        return self.query_one(ConversationList)

    def _refresh(self, keep: str | None = None) -> None:
        """The search's results while the search box has text (the box and the list
        never disagree), else the first page."""
        query = self.search_text
        if query and self._history is not None:
            self._search(query, keep=keep)
        else:
            self._first_page(keep=keep)

    def _first_page(self, keep: str | None = None) -> None:
        """The first page of the conversation list (later pages come on demand)."""
        if self._history is None:
            self._listing.show_problem(self._problem)
            return
        try:
            self._listing.show_page(self._history.page(), keep=keep)
        except self._history.Error as error:
            self._listing.show_problem(str(error))

    @on(OptionList.OptionHighlighted, "#conversations")
    def _maybe_load_more(self, event: OptionList.OptionHighlighted) -> None:
        offset = self._listing.next_page_at(event.option_index)
        if offset is not None and self._history is not None:
            with contextlib.suppress(self._history.Error):
                self._listing.show_page(self._history.page(offset))

    @on(OptionList.OptionSelected, "#conversations")
    def _open(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id
        if not option_id:
            return
        conversation_id = conversation_of(option_id)
        if conversation_id is not None:
            self.post_message(self.Opened(conversation_id, message_of(option_id)))

    # --- search -------------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        # Search once typing pauses, not on every key.
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._run_search)

    def _run_search(self) -> None:
        self._search_timer = None
        query = self.search_text
        if not query:
            self._first_page()
        elif self._history is not None:
            self._search(query)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, query: str, keep: str | None = None) -> None:
        """Search off the event loop; a newer search cancels this one's result."""
        history = self._history
        assert history is not None
        try:
            hits = history.search(query)
        except history.Error as error:
            self.app.call_from_thread(self._show_problem, str(error))
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_hits, query, hits, keep)

    def _show_hits(self, query: str, hits: list[SearchHit], keep: str | None = None) -> None:
        """The search's results, unless the box says otherwise by now."""
        if query == self.search_text:
            self._listing.show_hits(query, hits, keep)

    @on(Input.Submitted, "#search")
    def _to_results(self) -> None:
        self._listing.focus()
        if self._search_timer is not None:  # Enter before the pause: search now
            self._search_timer.stop()
            self._listing.highlight_pending = True  # the results are on their way
            self._run_search()
        else:
            self._listing.highlight_first()

    def _clear_search(self) -> None:
        search = self.query_one("#search", Input)
        if search.value:
            with search.prevent(Input.Changed):
                search.value = ""

    def _focus_list(self) -> None:
        listing = self._listing
        listing.focus()
        if listing.highlighted is None:
            self._to_results()

    # --- pin, rename, delete --------------------------------------------------------------

    @contextlib.contextmanager
    def _reported(self) -> Iterator[None]:
        """A change the database refused is said in one sentence; nothing else breaks."""
        assert self._history is not None
        try:
            yield
        except self._history.Error as error:
            self.notify(str(error), severity="error", markup=False, timeout=10)

    @on(ConversationList.Action)
    def _act(self, event: ConversationList.Action) -> None:
        event.stop()
        if event.action == "search":
            self.focus_search()
            return
        if self._history is None or event.conversation_id is None:
            return
        conversation = None
        with self._reported():
            conversation = self._history.get(event.conversation_id)
        if conversation is None:
            return
        if event.action == "pin":
            with self._reported():
                self._history.toggle_pin(conversation.id)
            self._refresh(keep=conversation.id)
        elif event.action == "rename":
            self._rename(conversation)
        elif event.action == "delete":
            self._delete(conversation)

    def _rename(self, conversation: Conversation) -> None:
        from deepseek_tui.tui.widgets.dialogs import TextPrompt

        def renamed(title: str | None) -> None:
            if not title:
                return
            with self._reported():
                assert self._history is not None
                self._history.rename(conversation.id, title)
                self.post_message(self.Renamed(conversation.id, title))
            self._refresh(keep=conversation.id)

        self.app.push_screen(TextPrompt("New title", conversation.title), renamed)

    def _delete(self, conversation: Conversation) -> None:
        from deepseek_tui.tui.widgets.dialogs import Confirm

        title = sanitize(conversation.shown_title, name=True)  # a name from outside
        # The highlight stays in place: on the row after the deleted one.
        after = self._neighbour(conversation.id)

        def confirmed(yes: bool | None) -> None:
            if not yes or self._history is None:
                return
            try:
                self._history.delete(conversation.id)
            except self._history.Error as error:
                self.notify(str(error), severity="error", markup=False, timeout=10)
                return
            self.post_message(self.Deleted(conversation.id))
            self._refresh(keep=after)
            self.notify(f"Deleted “{title}”. Press ^z to bring it back.", timeout=10, markup=False)

        self.app.push_screen(
            Confirm(f"Delete “{title}” and all its messages? (^z undoes)"), confirmed
        )

    def _neighbour(self, conversation_id: str) -> str | None:
        """The conversation listed after (else before) this one's rows."""
        others = self._listing.conversations()
        if conversation_id not in others:
            return None
        start = others.index(conversation_id)
        after = [i for i in others[start:] if i != conversation_id]
        before = [i for i in others[:start] if i != conversation_id]
        return (after or before[-1:] or [None])[0]
