"""One turn as the chat screen routes it, a part the screen owns: a question sent
(held while an answer streams, refused in JSON mode without the word, offered the
context's choices when it would not fit), how an answer ended (the status line, the
title, a server's overflow), stop, edit-last and its cancel, ←/→ between branches,
and the composer and keys as the view's edit stands. The `ConversationView` does the
turn itself; this part is given what it needs of the screen rather than reaching
into it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, cast

from deepseek_tui.tui.app import DeepSeekApp
from deepseek_tui.tui.screens.chat_context import ContextRoom

if TYPE_CHECKING:
    from textual.screen import Screen

    from deepseek_tui.tui.screens.chat_status import StatusUpdates
    from deepseek_tui.tui.screens.chat_titles import Titles
    from deepseek_tui.tui.widgets.composer import Composer
    from deepseek_tui.tui.widgets.conversation import ConversationView
    from deepseek_tui.tui.widgets.messages import AssistantMessage
    from deepseek_tui.tui.widgets.prompt import Prompt

# Enter while an answer streams: the question stays, the composer on a new line.
HELD = (
    "An answer is still streaming: your message stays here; ⏎ sends it once the "
    "answer ends (esc stops it)."
)


class Turns:
    """Sending, stopping, editing and branching, routed to the conversation view."""

    def __init__(
        self,
        owner: Screen[None],
        *,
        conversation: Callable[[], ConversationView],
        prompt: Callable[[], Prompt],
        composer: Callable[[], Composer],
        streaming: Callable[[], bool],
        status_updates: StatusUpdates,
        titles: Titles,
        new_conversation: Callable[[], None],
        retry: Callable[[], None],
        update_gauge: Callable[[], None],
    ) -> None:
        self._owner = owner  # notices, the keys refreshed, the room's modal
        self._conversation = conversation
        self._prompt = prompt
        self._composer = composer
        self._streaming = streaming
        self._status_updates = status_updates
        self._titles = titles
        self._new_conversation = new_conversation
        self._retry = retry
        self._update_gauge = update_gauge

    @property
    def _app(self) -> DeepSeekApp:
        return cast(DeepSeekApp, self._owner.app)

    @cached_property
    def room(self) -> ContextRoom:
        """The choices when a message would not fit (made at the first use: it holds
        the prompt, which is composed after `__init__`)."""
        return ContextRoom(
            self._owner,
            self._app,
            self._prompt(),
            new_conversation=self._new_conversation,
            retry=self._retry,
            update_gauge=self._update_gauge,
            mark_left_out=self._conversation().mark_left_out,
        )

    def show_editing(self) -> None:
        """The composer and the keys as the view's edit stands."""
        editing = self._conversation().editing
        composer = self._composer()
        if composer.editing != editing:
            composer.set_editing(editing)
            self._owner.refresh_bindings()

    def ready(self) -> None:
        """Before a request goes out: the question is saved, the client connected."""
        self._app.open_history()
        self._app.connect()

    async def submitted(self, message: Prompt.Submitted) -> None:
        attachments = message.attachments  # the prompt sends nothing empty
        if self._streaming():
            self._owner.notify(HELD)
            return
        problem = self._app.session.json_mode_problem(message.text)
        if problem:
            # Said before anything is sent; the text stays in the composer.
            self._owner.notify(problem, severity="warning", timeout=10, markup=False)
            return
        if not self.room.fits(message.draft):
            return  # it would not fit: the user chooses what to do, nothing is sent
        self._prompt().clear(sent=message.text)
        await self._conversation().send(message.text, attachments)
        self.show_editing()

    def finished(self, event: AssistantMessage.Finished) -> None:
        """However an answer ended: the status line's "last: …", a title for a new
        conversation, and the offer to make room when the request did not fit."""
        from deepseek_tui.context import is_context_overflow

        reply = event.reply
        self._status_updates.answered(reply, stopped=event.stopped)
        if event.stopped:
            return
        self._titles.answered(reply)
        if reply.error is not None and is_context_overflow(str(reply.error)):
            self.room.refused(str(reply.error))

    def branch(self, step: int) -> None:
        self._conversation().switch_branch(step)
        self.show_editing()

    def stop(self) -> None:
        if self._streaming():
            from deepseek_tui.api.events import FinishReason

            # Said at once: saving what arrived of a huge answer can take a moment.
            self._status_updates.update(last=FinishReason.STOPPED.label)
            # And on screen before the stop starts: stopping closes the stream and
            # joins the text for its last save (150 MB of reasoning: ~0.25 s on the
            # loop, which the line waited for), one frame at most later.
            conversation = self._conversation()
            self._owner.call_after_refresh(conversation.stop)

    def edit_last(self) -> None:
        """Put the last question back in the composer; sending makes a new branch."""
        taken = self._conversation().edit_last()
        if taken is None:
            return
        text, attachments = taken
        # The question's files come back as chips: the edit sends them again.
        self._prompt().load(text, attachments)
        self._composer().set_editing(True)
        self._owner.refresh_bindings()

    def cancel_edit(self) -> None:
        """Esc while editing: the conversation as it was, an empty composer."""
        if not self._conversation().cancel_edit():
            return
        self._prompt().clear()
        self.show_editing()
        self._composer().focus()
