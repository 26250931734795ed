"""What happens when a message would not fit in the context window (the figures come
from the session, the draft from the `Prompt`; the gauge itself is set by
`chat_status.show_gauge`).

A message that would not fit is not sent:
`ContextRoom` (a part the screen owns) asks with `ContextFull`, offering a new
conversation from a summary, leaving the oldest turns out of what is sent, or a new
conversation; the same choices follow a server's own "maximum context length"
refusal. It is given what it needs of the screen, rather than reaching into it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from deepseek_tui.session import Session
    from deepseek_tui.tui.app import DeepSeekApp
    from deepseek_tui.tui.screens.context_full import ContextChoice
    from deepseek_tui.tui.widgets.prompt import Draft, Prompt

SUMMARY_INTRO = "A summary of our earlier conversation, to go on from:"


@dataclass
class ContextRoom:
    """The choices when the window is full, and carrying out the one chosen."""

    screen: Screen[None]  # the modal and the summary's worker belong to it
    app: DeepSeekApp
    prompt: Prompt
    new_conversation: Callable[[], None]
    retry: Callable[[], None]  # the last question again, once turns are left out
    update_gauge: Callable[[], None]
    mark_left_out: Callable[[], None]  # the transcript's line where sending starts

    @property
    def session(self) -> Session:
        return self.app.session

    def fits(self, draft: Draft) -> bool:
        """Whether `draft` can be sent; if it would not fit, says so and offers the
        choices (nothing is sent)."""
        if self.session.next_request(draft.text, draft.attachments).gauge.fits:
            return True
        self.offer(draft)
        return False

    def refused(self, sentence: str) -> None:
        """The server turned the last question down as too long (`sentence`, its
        words): the same choices, for that question."""
        from deepseek_tui.tui.widgets.prompt import Draft

        self.offer(Draft(""), refused=sentence)

    def offer(self, draft: Draft, *, refused: str = "") -> None:
        """Ask what to do about a full window: for `draft`, or (with `refused`, the
        server's sentence, and an empty draft) for the last question."""
        from deepseek_tui.context import format_tokens
        from deepseek_tui.tui.screens.context_full import ContextFull

        session = self.session
        shown = session.next_request(draft.text, draft.attachments)
        gauge = shown.gauge
        drop = session.window.turns_to_omit(draft.text, attachments=draft.attachments)
        if refused and drop == 0:
            drop = 1  # the server counts more than we thought: leave out one at least
        turns = shown.turns
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

    def _make_room(self, choice: ContextChoice, draft: Draft, drop: int, *, refused: bool) -> None:
        session = self.session
        question = draft.text or _last_question(session)
        if choice == "drop":
            session.omit_oldest_turns(session.omitted_turns + drop)
            what = "turn is" if session.omitted_turns == 1 else "turns are"
            self.screen.notify(
                f"The {session.omitted_turns} oldest {what} left out of what is sent "
                "(they stay in the history).",
                markup=False,
            )
            self.mark_left_out()
            if refused:
                self.retry()
            else:
                self.prompt.submit()  # it still holds the draft: nothing was sent
            self.update_gauge()
        elif choice == "new":
            self.new_conversation()
            self._put_in_prompt(question)
        else:
            self.screen.run_worker(
                self._summarize_into_new(question),
                exclusive=True,
                group="summary",
                exit_on_error=False,
            )

    async def _summarize_into_new(self, question: str) -> None:
        """Ask the model for a summary, then a new conversation with the summary and the
        question in the prompt, to read (and trim) before sending."""
        from deepseek_tui.api.errors import ApiError

        self.app.connect()
        self.screen.notify("Asking the model for a summary of this conversation…")
        try:
            summary = await self.session.summarize()
        except (ApiError, ValueError) as error:
            self.screen.notify(f"No summary: {error}", severity="error", markup=False)
            return
        if not summary:
            self.screen.notify("The model gave no summary.", severity="warning")
            return
        self.new_conversation()
        self._put_in_prompt(f"{SUMMARY_INTRO}\n\n{summary}\n\n{question}".strip())

    def _put_in_prompt(self, text: str) -> None:
        # The files stay as they are: the text goes with them, as before the choice.
        self.prompt.load(text, self.prompt.attachments)


def _last_question(session: Session) -> str:
    for message in reversed(session.messages):
        if message.role == "user":
            return message.content
    return ""
