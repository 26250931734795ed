"""The chat screen's context gauge and what happens when a message would not fit
(a mixin of `ChatScreen`, which owns the widgets; the figures come from the session).

The gauge follows typing after a short pause (`GAUGE_DELAY`). A message that would
not fit is not sent: `ContextFull` offers a new conversation from a summary, leaving
the oldest turns out of what is sent, or a new conversation; the same choices follow
a server's own "maximum context length" refusal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import TextArea

if TYPE_CHECKING:
    from deepseek_tui.session import Session
    from deepseek_tui.tui.app import DeepSeekApp
    from deepseek_tui.tui.screens.context_full import ContextChoice
    from deepseek_tui.tui.widgets.composer import Composer
    from deepseek_tui.tui.widgets.status_bar import StatusBar

GAUGE_DELAY = 0.25  # seconds of no typing before the gauge counts the draft again
SUMMARY_INTRO = "A summary of our earlier conversation, to go on from:"


class ContextHandlers(Screen[None]):
    """The gauge in the status bar; the choices when the window is full."""

    _gauge_timer: Timer | None = None

    if TYPE_CHECKING:  # provided by ChatScreen
        app: DeepSeekApp
        session: Session
        composer: Composer
        status: StatusBar
        streaming: bool

        def action_new_conversation(self) -> None: ...
        def action_retry(self) -> None: ...

    def draft_extra_tokens(self) -> float:
        """Tokens that go with the draft besides its text (attachments add theirs here)."""
        return 0.0

    def update_gauge(self) -> None:
        """The gauge for the next request: the conversation as sent plus the draft."""
        session = self.session
        draft = self.composer.text
        if not session.history and not draft.strip() and not self.draft_extra_tokens():
            self.status.context = ""
            self.status.context_warning = False
            return
        gauge = session.gauge(draft, self.draft_extra_tokens())
        self.status.context = gauge.label
        self.status.context_warning = gauge.warning or not gauge.fits

    @on(TextArea.Changed, "#composer")
    def _draft_changed(self) -> None:
        if self._gauge_timer is not None:
            self._gauge_timer.stop()
        self._gauge_timer = self.set_timer(GAUGE_DELAY, self.update_gauge)

    def room_for(self, draft: str) -> bool:
        """Whether `draft` can be sent; if it would not fit, says so and offers the
        choices (nothing is sent)."""
        if self.session.gauge(draft, self.draft_extra_tokens()).fits:
            return True
        self.offer_room(draft)
        return False

    def offer_room(self, draft: str, *, refused: str = "") -> None:
        """Ask what to do about a full window: for `draft`, or (with `refused`, the
        server's sentence) for the last question, which the server turned down."""
        from deepseek_tui.context import format_tokens
        from deepseek_tui.tui.screens.context_full import ContextFull

        session = self.session
        extra = self.draft_extra_tokens()
        gauge = session.gauge(draft, extra)
        drop = session.turns_to_omit(draft, extra)
        if refused and drop == 0:
            drop = 1  # the server counts more than we thought: leave out one at least
        turns = sum(1 for m in session.next_messages(draft, omitted=0) if m["role"] == "user")
        room = format_tokens(gauge.answer_room)
        if refused:
            question = (
                "The server refused: the conversation is longer than the model's context "
                f"window ({gauge.label}, {room} kept for the answer)."
            )
        else:
            question = (
                f"This message would not fit in the model's context window ({gauge.label}, "
                f"{room} kept for the answer). Nothing was sent."
            )

        def chosen(choice: ContextChoice | None) -> None:
            if choice is not None:
                self._make_room(choice, draft, drop or 0, refused=bool(refused))

        self.app.push_screen(ContextFull(question, drop=drop, turns=max(turns - 1, 0)), chosen)

    def _make_room(self, choice: ContextChoice, draft: str, drop: int, *, refused: bool) -> None:
        session = self.session
        question = draft or _last_question(session)
        if choice == "drop":
            session.omit_oldest_turns(session.omitted_turns + drop)
            what = "turn is" if session.omitted_turns == 1 else "turns are"
            self.notify(
                f"The {session.omitted_turns} oldest {what} left out of what is sent "
                "(they stay in the history).",
                markup=False,
            )
            if refused:
                self.action_retry()
            else:
                from deepseek_tui.tui.widgets.composer import Composer

                self.post_message(Composer.Submitted(draft))
            self.update_gauge()
        elif choice == "new":
            self.action_new_conversation()
            self._put_in_composer(question)
        else:
            self.summarize_into_new(question)

    @work(exclusive=True, group="summary", exit_on_error=False)
    async def summarize_into_new(self, question: str) -> None:
        """Ask the model for a summary, then a new conversation with the summary and the
        question in the composer, to read (and trim) before sending."""
        from deepseek_tui.api.errors import ApiError

        self.app.connect()
        self.notify("Asking the model for a summary of this conversation…")
        try:
            summary = await self.session.summarize()
        except (ApiError, ValueError) as error:
            self.notify(f"No summary: {error}", severity="error", markup=False)
            return
        if not summary:
            self.notify("The model gave no summary.", severity="warning")
            return
        self.action_new_conversation()
        self._put_in_composer(f"{SUMMARY_INTRO}\n\n{summary}\n\n{question}".strip())

    def _put_in_composer(self, text: str) -> None:
        composer = self.composer
        composer.load_text(text)
        composer.move_cursor(composer.document.end)
        composer.focus()
        self.update_gauge()


def _last_question(session: Session) -> str:
    for message in reversed(session.history):
        if message.role == "user":
            return message.content
    return ""
