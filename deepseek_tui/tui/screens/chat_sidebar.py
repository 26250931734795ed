"""The chat screen's sidebar, a part the screen owns: it mounts the `Sidebar` at the
first ^l (the first frame does without it and its widgets: docs/architecture.md,
"Start path"), shows and hides it, and follows what it posts: a conversation to open,
the open one deleted (a new one then), a new title; ctrl+z brings a deleted one back.
The screen keeps the keys and the message handlers and calls it; the sidebar does the
list's own jobs through `History`. It is given what it needs of the screen rather
than reaching into it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.actions import SkipAction
from textual.widgets import TextArea

from deepseek_tui.tui.app import DeepSeekApp

if TYPE_CHECKING:
    from textual.screen import Screen

    from deepseek_tui.session import Session
    from deepseek_tui.tui.widgets.sidebar import Sidebar

STREAMING = "An answer is still streaming: press esc to stop it first."


class SidebarRouting:
    """Mount, show and hide the sidebar; carry out what it asks of the chat."""

    def __init__(
        self,
        owner: Screen[None],
        *,
        streaming: Callable[[], bool],
        show_messages: Callable[[int | None], None],
        update_status: Callable[..., None],
        new_conversation: Callable[..., None],
        focus_composer: Callable[[], None],
    ) -> None:
        self._owner = owner  # the sidebar is mounted in it; notices
        self._streaming = streaming
        self._show_history = show_messages  # (message id to focus, or None)
        self._update_status = update_status  # (last=…)
        self._new_conversation = new_conversation  # (focus=…)
        self._focus_composer = focus_composer
        # A delete is the latest thing done: ctrl+z in the composer undoes it, not text.
        self._undo_armed = False

    @property
    def _app(self) -> DeepSeekApp:
        return cast(DeepSeekApp, self._owner.app)

    @property
    def _session(self) -> Session:
        return self._app.session

    def sidebar(self) -> Sidebar | None:
        """The sidebar, once it is mounted."""
        from deepseek_tui.tui.widgets.sidebar import Sidebar

        mounted = self._owner.query_children(Sidebar)
        return mounted.first() if mounted else None

    async def mount(self) -> Sidebar:
        """The sidebar, mounted (hidden) if it is not yet, given the history."""
        sidebar = self.sidebar()
        if sidebar is not None:
            return sidebar
        from deepseek_tui.tui.widgets.sidebar import Sidebar

        self._app.open_history()
        sidebar = Sidebar(self._app.history, problem=self._app.store_problem or "History is off.")
        await self._owner.mount(sidebar, before=0)  # first, as it was composed: docked left
        sidebar.mark_open(self._open_id())
        return sidebar

    def mark_open(self) -> None:
        """Mark the open conversation in the sidebar, if it is mounted."""
        sidebar = self.sidebar()
        if sidebar is not None:  # else it marks the open one when it is mounted
            sidebar.mark_open(self._open_id())

    async def toggle(self) -> None:
        sidebar = await self.mount()
        if sidebar.display:
            sidebar.display = False
            self._focus_composer()
        else:
            sidebar.show_list()

    async def search(self) -> None:
        sidebar = await self.mount()
        if not sidebar.display:
            sidebar.show_list()
        sidebar.focus_search()

    async def close(self) -> None:
        sidebar = self.sidebar()
        if sidebar is not None and sidebar.display:
            await self.toggle()

    def _open_id(self) -> str | None:
        conversation = self._session.conversation
        return conversation.id if conversation is not None else None

    def opened(self, event: Sidebar.Opened) -> None:
        sidebar = self.sidebar()
        if self._streaming():
            self._owner.notify(STREAMING)
            return
        try:
            if event.message_id is not None:
                self._session.open_at(event.message_id)
            else:
                self._session.open(event.conversation_id)
        except KeyError:
            self._owner.notify("That conversation is gone.", severity="warning")
            if sidebar is not None:
                sidebar.refresh_rows()
            return
        self._show_history(event.message_id)
        self._update_status(last="")  # marks it in the sidebar too
        # Opening closes the list at every width, so focus is never left in a hidden
        # list or a shown one that esc cannot close (^l shows it again, on this chat).
        if sidebar is not None:
            sidebar.display = False
        self._focus_composer()

    def deleted(self, event: Sidebar.Deleted) -> None:
        self._undo_armed = True
        if self._open_id() == event.conversation_id:
            self._new_conversation(focus=False)  # focus stays in the list, for ^z

    def show_renamed(self, conversation_id: str, title: str) -> None:
        """A conversation has a new title: the title bar shows it at once if it is the
        one on screen, and a sidebar on show lists it (a rename made elsewhere)."""
        conversation = self._session.conversation
        if conversation is not None and conversation.id == conversation_id:
            self._session.conversation = dataclasses.replace(conversation, title=title)
            self._update_status()
        sidebar = self.sidebar()
        if sidebar is not None and sidebar.display:
            sidebar.refresh_rows()

    def typed(self) -> None:
        """Text typed in the composer: ctrl+z there undoes the typing from now on."""
        self._undo_armed = False

    def undo_delete(self) -> None:
        """Bring back the conversation deleted last (ctrl+z, wherever focus is). In the
        composer only while the delete is the latest thing done (no typing since);
        otherwise the composer's own text undo gets the key."""
        sidebar = self.sidebar()
        if sidebar is None or not sidebar.can_undo:
            raise SkipAction()  # nothing to bring back: the composer's text undo
        if not self._undo_armed and isinstance(self._owner.focused, TextArea):
            raise SkipAction()  # typed since the delete: ctrl+z undoes the typing
        sidebar.undo_delete()
        self._undo_armed = self._undo_armed and sidebar.can_undo
