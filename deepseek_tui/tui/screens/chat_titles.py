"""Titles asked of the model (issue 12 §4), a mixin of `ChatScreen`: after a new
conversation's first answer, when the `model_titles` setting is on, a worker asks the
current model for a short title and renames the conversation, unless the user renamed
it meanwhile. It never blocks the chat; a failure is written to the debug log only.

The request's cost is not stored (the answer's cost in the history stays the
answer's): it is added to the status bar's "last: …" part, as "+ title $…"."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen

if TYPE_CHECKING:
    from deepseek_tui.history import History
    from deepseek_tui.session import Session, Turn
    from deepseek_tui.tui.app import DeepSeekApp
    from deepseek_tui.tui.widgets.status_bar import StatusBar

log = logging.getLogger("deepseek_tui.wire")


class TitleHandlers(Screen[None]):
    """Ask for a title once per conversation, in the background."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._titles_asked: set[str] = set()  # conversations asked for, this run

    if TYPE_CHECKING:  # provided by ChatScreen
        app: DeepSeekApp
        session: Session
        status: StatusBar
        history: History | None

        def show_renamed(self, conversation_id: str, title: str) -> None: ...

    def after_first_answer(self, turn: Turn) -> None:
        """Start the title worker if `turn` completed a new conversation's first
        exchange and its title is still the one made from the question."""
        from deepseek_tui.titles import title_for

        session = self.session
        conversation = session.conversation
        history = session.history
        if (
            not self.app.settings.model_titles
            or conversation is None
            or self.history is None
            or turn.error is not None
            or not turn.content.strip()
            or len(history) != 2
            or history[0].role != "user"
            or conversation.title != title_for(history[0].content, history[0].attachments)
        ):
            return
        if conversation.id in self._titles_asked:
            return  # an edit of the first question: the conversation is not new
        self._titles_asked.add(conversation.id)
        self.ask_title(conversation.id, conversation.title, history[0].content, turn.content)

    @work(group="title", exit_on_error=False)
    async def ask_title(self, conversation_id: str, made: str, question: str, answer: str) -> None:
        """Ask for the title; rename only while the stored title is still `made`."""
        from deepseek_tui.pricing import format_cost
        from deepseek_tui.store import StoreError

        shown_last = self.status.last
        try:
            reply = await self.session.ask_title(question, answer)
        except Exception as error:  # a title is never worth a notice
            log.info("title request failed: %s: %s", type(error).__name__, error)
            return
        if reply.cost is not None and self.status.last == shown_last and shown_last:
            cost = format_cost(reply.cost, currency=reply.currency)
            self.status.last = f"{shown_last} + title {cost}"
        if not reply.title:
            log.info("title request: the reply held no usable title")
            return
        history = self.history
        if history is None:
            return
        try:
            stored = history.get(conversation_id)
            if stored is None or stored.title != made:
                log.info("title request: the conversation was renamed or deleted meanwhile")
                return
            history.rename(conversation_id, reply.title)
        except StoreError as error:
            log.info("title request: could not rename: %s", error)
            return
        self.show_renamed(conversation_id, reply.title)
