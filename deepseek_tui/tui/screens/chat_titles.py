"""Titles asked of the model (issue 12 §4), a part the chat screen owns: after a new
conversation's first answer (`answered`, fed by `AssistantMessage.Finished`), when the
`model_titles` setting is on, a worker asks the current model for a short title and
renames the conversation, unless the user renamed it meanwhile. It never blocks the
chat; a failure is written to the debug log only.

The request's cost is not stored (the answer's cost in the history stays the
answer's): it is added to the status bar's "last: …" part, as "+ title $…"."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from deepseek_tui.tui.app import DeepSeekApp

if TYPE_CHECKING:
    from textual.screen import Screen

    from deepseek_tui.session import Reply
    from deepseek_tui.tui.widgets.status_bar import StatusBar

log = logging.getLogger("deepseek_tui.wire")


class Titles:
    """Ask for a title once per conversation, in the background (a worker of `owner`)."""

    def __init__(
        self,
        owner: Screen[None],
        *,
        status: Callable[[], StatusBar],
        renamed: Callable[[str, str], None],
    ) -> None:
        self._owner = owner
        self._status = status
        self._renamed = renamed  # (conversation id, title): shown where it shows
        self._asked: set[str] = set()  # conversations asked for, this run

    @property
    def _app(self) -> DeepSeekApp:
        return cast(DeepSeekApp, self._owner.app)

    def answered(self, reply: Reply) -> None:
        """Start the title worker if `reply` completed a new conversation's first
        exchange and its title is still the one made from the question."""
        from deepseek_tui.titles import title_for

        app = self._app
        session = app.session
        conversation = session.conversation
        history = session.messages
        if (
            not app.settings.model_titles
            or conversation is None
            or app.history is None
            or reply.error is not None
            or not reply.content.strip()
            or len(history) != 2
            or history[0].role != "user"
            or conversation.title != title_for(history[0].content, history[0].attachments)
        ):
            return
        if conversation.id in self._asked:
            return  # an edit of the first question: the conversation is not new
        self._asked.add(conversation.id)
        self._owner.run_worker(
            self._ask(conversation.id, conversation.title, history[0].content, reply.content),
            group="title",
            exit_on_error=False,
        )

    async def _ask(self, conversation_id: str, made: str, question: str, answer: str) -> None:
        """Ask for the title; rename only while the stored title is still `made`."""
        from deepseek_tui.pricing import format_cost
        from deepseek_tui.store import StoreError

        status = self._status()
        shown_last = status.last
        try:
            reply = await self._app.session.ask_title(question, answer)
        except Exception as error:  # a title is never worth a notice
            log.info("title request failed: %s: %s", type(error).__name__, error)
            return
        if reply.cost is not None and status.last == shown_last and shown_last:
            cost = format_cost(reply.cost, currency=reply.currency)
            status.last = f"{shown_last} + title {cost}"
        if not reply.title:
            log.info("title request: the reply held no usable title")
            return
        history = self._app.history
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
        self._renamed(conversation_id, reply.title)
