"""The branches of a conversation as the view shows them, a part the
`ConversationView` owns: a message's "‹ 2/3 ›" label, the labels of the question and
answer a turn ended with (an edit or a regenerate made a branch), and ←/→ to another
branch. The session keeps the branches; this part is given it as a callable (a widget
may not import the engine)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deepseek_tui.messages import Message, MessageDraft
    from deepseek_tui.session import Session
    from deepseek_tui.tui.widgets.messages import AssistantMessage
    from deepseek_tui.tui.widgets.question import UserMessage

    Entry = Message | MessageDraft


class Branches:
    """Given the session, `show` (the session's history shown with the message of
    that id at the top) and `notify` (a sentence for the user)."""

    def __init__(
        self,
        session: Callable[[], Session],
        *,
        show: Callable[[int], None],
        notify: Callable[[str], None],
    ) -> None:
        self._session = session
        self._show = show
        self._notify = notify

    def label(self, message: Entry) -> str:
        position, count = self._session().branches(message)
        return f"‹ {position}/{count} ›" if count > 1 else ""

    def label_turn(self, answer: AssistantMessage, questions: Sequence[UserMessage]) -> None:
        """After an edit or a regenerate, the new question (the last of `questions`
        on screen) and its `answer` show n/m."""
        history = self._session().messages
        question = next((m for m in reversed(history) if m.role == "user"), None)
        if history and history[-1].role == "assistant":
            branch = self.label(history[-1])
            if branch:
                answer.set_branch(branch)
        if question is not None and questions:
            branch = self.label(question)
            if branch:
                questions[-1].set_branch(branch)

    def switch(self, step: int, first_shown: int) -> None:
        """Show another branch: of the latest message on screen (from the history's
        `first_shown` on) that has one that way (so ← on an answer at its first branch
        moves on to its question's branches)."""
        session = self._session()
        if session.store is None:
            return
        from deepseek_tui.messages import Message

        forked = False
        for message in reversed(session.messages[first_shown:]):
            if not isinstance(message, Message) or session.branches(message)[1] < 2:
                continue
            forked = True
            shown = session.switch_branch(message, step)
            if shown is not None:
                self._show(shown.id)
                return
        if forked:
            self._notify("No more branches that way.")
        else:
            self._notify("Nothing here has other branches (edit or regenerate to make one).")
