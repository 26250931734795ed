"""The chat screen's stored conversations: the sidebar's messages, answered through
`History`, and export to a file (a mixin of `ChatScreen`, which owns the widgets).

Undo after a delete: ctrl+z is a priority key of the chat screen, so it reaches
`action_undo_delete` wherever focus is. In the composer it undoes the delete only
while that is the latest thing done (no typing since); otherwise the composer's own
text undo gets the key."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual import on, work
from textual.actions import SkipAction
from textual.screen import Screen
from textual.widgets import OptionList, TextArea
from textual.worker import get_current_worker

from deepseek_tui.messages import Message
from deepseek_tui.store import StoreError
from deepseek_tui.tui.screens.dialogs import Confirm, TextPrompt
from deepseek_tui.tui.widgets.sidebar import Sidebar

if TYPE_CHECKING:
    from deepseek_tui.history import History
    from deepseek_tui.session import Session
    from deepseek_tui.tui.app import DeepSeekApp
    from deepseek_tui.tui.widgets.composer import Composer

# Below this width the sidebar closes once a conversation is opened from it.
NARROW = 110
STREAMING = "An answer is still streaming: press esc to stop it first."


class SidebarHandlers(Screen[None]):
    """Open, search, page, pin, rename, delete and undo, for the chat screen."""

    # A delete is the latest thing done: ctrl+z in the composer undoes it, not text.
    _undo_armed = False

    if TYPE_CHECKING:  # provided by ChatScreen
        app: DeepSeekApp
        session: Session
        sidebar: Sidebar
        composer: Composer
        history: History | None
        streaming: bool

        def show_history(self, focus_id: int | None = None) -> None: ...
        def update_status(self, last: str | None = None) -> None: ...
        def action_new_conversation(self) -> None: ...

    # --- the sidebar --------------------------------------------------------------------

    def action_toggle_sidebar(self) -> None:
        sidebar = self.sidebar
        sidebar.display = not sidebar.display
        if sidebar.display:
            sidebar.clear_search()
            self.reload_sidebar()
            sidebar.focus_list()
        else:
            self.composer.focus()

    def action_search(self) -> None:
        if not self.sidebar.display:
            self.action_toggle_sidebar()
        self.sidebar.query_one("#search").focus()

    def reload_sidebar(self, keep: str | None = None) -> None:
        """The first page of the conversation list (later pages come on demand)."""
        self.sidebar.current = self._open_id()
        self.app.open_history()
        if self.history is None:
            self.sidebar.show_problem(self.app.store_problem or "History is off.")
            return
        try:
            self.sidebar.show_page(self.history.page(), keep=keep)
        except StoreError as error:
            self.sidebar.show_problem(str(error))

    def refresh_sidebar(self, keep: str | None = None) -> None:
        """Show the list again after a change: the search's results while the search
        box has text (the box and the list never disagree), else the first page."""
        query = self.sidebar.search_text
        if query and self.history is not None:
            self.search_history(query, keep=keep)
        else:
            self.reload_sidebar(keep=keep)

    def _open_id(self) -> str | None:
        conversation = self.session.conversation
        return conversation.id if conversation is not None else None

    def _renamed_open(self, conversation_id: str, title: str) -> None:
        """A rename of the conversation on screen shows in its title bar at once."""
        conversation = self.session.conversation
        if conversation is not None and conversation.id == conversation_id:
            self.session.conversation = dataclasses.replace(conversation, title=title)
            self.update_status()

    def mark_open_conversation(self) -> None:
        """The sidebar marks the conversation on screen (after open, new, first send);
        one that was just created is listed, if the plain list is shown."""
        open_id = self._open_id()
        sidebar = self.sidebar
        if sidebar.current == open_id:
            return
        sidebar.current = open_id
        shown = sidebar.display and not sidebar.search_text
        if open_id is not None and shown and not sidebar.is_listed(open_id):
            option = sidebar.query_one("#conversations", OptionList).highlighted_option
            self.reload_sidebar(keep=option.id if option is not None else None)

    def on_sidebar_more(self, event: Sidebar.More) -> None:
        if self.history is not None:
            with contextlib.suppress(StoreError):
                self.sidebar.show_page(self.history.page(event.offset))

    def on_sidebar_search(self, event: Sidebar.Search) -> None:
        if not event.query:
            self.reload_sidebar()
        elif self.history is not None:
            self.search_history(event.query)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search_history(self, query: str, keep: str | None = None) -> None:
        """Search off the event loop; a newer search cancels this one's result."""
        assert self.history is not None
        try:
            hits = self.history.search(query)
        except StoreError as error:
            self.app.call_from_thread(self.sidebar.show_problem, str(error))
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.sidebar.show_hits, query, hits, keep)

    def on_sidebar_close(self, _: Sidebar.Close) -> None:
        if self.sidebar.display:
            self.action_toggle_sidebar()

    def on_sidebar_open(self, event: Sidebar.Open) -> None:
        if self.streaming:
            self.notify(STREAMING)
            return
        try:
            if event.message_id is not None:
                self.session.open_at(event.message_id)
            else:
                self.session.open(event.conversation_id)
        except KeyError:
            self.notify("That conversation is gone.", severity="warning")
            self.reload_sidebar()
            return
        self.sidebar.current = self._open_id()
        self.show_history(focus_id=event.message_id)
        self.update_status(last="")
        if self.size.width < NARROW:
            self.sidebar.display = False  # give the conversation the room
        self.composer.focus()

    @contextlib.contextmanager
    def _reported(self) -> Iterator[None]:
        """A change the database refused is said in one sentence; nothing else breaks."""
        try:
            yield
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False, timeout=10)

    def on_sidebar_action(self, event: Sidebar.Action) -> None:
        history = self.history
        if history is None or event.conversation_id is None:
            return
        with self._reported():
            conversation = history.get(event.conversation_id)
        if conversation is None:
            return
        title = conversation.shown_title
        if event.action == "pin":
            with self._reported():
                history.toggle_pin(conversation.id)
            self.refresh_sidebar(keep=conversation.id)
        elif event.action == "rename":

            def renamed(new_title: str | None) -> None:
                if new_title:
                    with self._reported():
                        history.rename(conversation.id, new_title)
                    self._renamed_open(conversation.id, new_title)
                    self.refresh_sidebar(keep=conversation.id)

            self.app.push_screen(TextPrompt("New title", conversation.title), renamed)
        elif event.action == "delete":
            # The highlight stays in place: on the row after the deleted one.
            after = self._neighbour(conversation.id)

            def confirmed(yes: bool | None) -> None:
                if not yes:
                    return
                try:
                    history.delete(conversation.id)
                except StoreError as error:
                    self.notify(str(error), severity="error", markup=False, timeout=10)
                    return
                if self._open_id() == conversation.id:
                    self.action_new_conversation()
                self._undo_armed = True
                self.refresh_sidebar(keep=after)
                self.notify(
                    f"Deleted “{title}”. Press ^z to bring it back.", timeout=10, markup=False
                )

            self.app.push_screen(
                Confirm(f"Delete “{title}” and all its messages? (^z undoes)"), confirmed
            )

    def _neighbour(self, conversation_id: str) -> str | None:
        """The conversation listed after (else before) this one's rows."""
        listing = self.sidebar.query_one("#conversations", OptionList)
        ids = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
        others = [i.partition(":")[0] for i in ids if i]
        if conversation_id not in others:
            return None
        start = others.index(conversation_id)
        after = [i for i in others[start:] if i != conversation_id]
        before = [i for i in others[:start] if i != conversation_id]
        return (after or before[-1:] or [None])[0]

    @on(TextArea.Changed, "#composer")
    def _typed_since_delete(self) -> None:
        self._undo_armed = False

    def action_undo_delete(self) -> None:
        """Bring back the conversation deleted last (ctrl+z, wherever focus is)."""
        history = self.history
        if history is None or not history.can_undo:
            raise SkipAction()  # nothing to bring back: the composer's text undo
        if not self._undo_armed and isinstance(self.focused, TextArea):
            raise SkipAction()  # typed since the delete: ctrl+z undoes the typing
        restored = None
        with self._reported():
            restored = history.undo_delete()
        self._undo_armed = self._undo_armed and history.can_undo
        if restored is None:
            return
        self.refresh_sidebar(keep=restored.id)
        self.notify(f"Restored “{restored.shown_title}”.", markup=False)

    def action_export(self, kind: str = "markdown") -> None:
        """Write this conversation (the branch on screen) to the current directory."""
        from pathlib import Path

        from deepseek_tui.export import export_filename, write_export

        conversation = self.session.conversation
        messages = [m for m in self.session.history if isinstance(m, Message)]
        if conversation is None or not messages:
            self.notify("Nothing to export yet: this conversation is empty.")
            return
        fmt = "json" if kind == "json" else "markdown"
        path = Path.cwd() / export_filename(conversation, fmt)
        try:
            write_export(path, conversation, messages, fmt)
        except OSError as error:
            self.notify(
                f"Could not write {path}: {error.strerror or error}",
                severity="error",
                markup=False,
            )
            return
        self.notify(f"Exported to {path}", markup=False)
