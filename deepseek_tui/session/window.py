"""The context window of one session: how full the next request is (the gauge), how
many of the oldest turns requests leave out, and what the server's counts taught.

The arithmetic is `deepseek_tui.context`'s; this part keeps the state it works from
(the last real count, the window a refusal named, the turns left out) and reads the
session's history, system prompt, model and `max_tokens` when asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from deepseek_tui.api.models import context_window
from deepseek_tui.api.request import build_messages
from deepseek_tui.attachments import message_text
from deepseek_tui.context import (
    ANSWER_ROOM,
    Calibration,
    Gauge,
    estimate_messages,
    omit_oldest_turns,
    prompt_tokens_from_error,
)
from deepseek_tui.messages import MessageDraft

if TYPE_CHECKING:
    from deepseek_tui.api.request import ChatRequest
    from deepseek_tui.messages import Message

    History = list[Message | MessageDraft]


class Conversing(Protocol):
    """What the window reads of its session."""

    history: History
    system_prompt: str
    model: str

    @property
    def max_tokens(self) -> int | None: ...


class ContextWindow:
    """The context window as one session sees it."""

    def __init__(self, session: Conversing) -> None:
        self._session = session
        # The profile's figure (None: the model table's).
        self.size: int | None = None
        # The oldest turns left out of requests, for one history (another
        # conversation or branch starts whole), and the last real count of a request.
        self._omitted: tuple[History, int] = (session.history, 0)
        self._counted: tuple[History, Calibration] | None = None
        self._refused_at: tuple[str, int] | None = None  # (model, the window its 400 named)

    @property
    def tokens(self) -> int | None:
        """Tokens the current model takes in one request (as its server last said, else
        the profile's, else the model table's); None when unknown."""
        model = self._session.model
        if self._refused_at is not None and self._refused_at[0] == model:
            return self._refused_at[1]
        return self.size or context_window(model)

    @property
    def omitted_turns(self) -> int:
        """How many of the oldest turns requests leave out (they stay in the history)."""
        history, turns = self._omitted
        return turns if history is self._session.history else 0

    def omit_oldest_turns(self, turns: int) -> None:
        self._omitted = (self._session.history, max(0, turns))

    def next_messages(self, draft: str = "", *, omitted: int | None = None) -> list[dict]:
        """The messages the next request would carry with `draft` as the question (or,
        with no draft, to answer the history's last question again)."""
        session = self._session
        history = session.history
        if draft.strip():
            history = [*history, MessageDraft("user", draft)]
        turns = self.omitted_turns if omitted is None else omitted
        return omit_oldest_turns(build_messages(sendable(history), session.system_prompt), turns)

    def gauge(
        self, draft: str = "", extra_tokens: float = 0, *, omitted: int | None = None
    ) -> Gauge:
        """How full the next request is: `draft` is the question being typed and
        `extra_tokens` what rides along with it (attachments' estimate)."""
        estimated = estimate_messages(self.next_messages(draft, omitted=omitted), extra_tokens)
        counted = self._calibration()
        used = counted.tokens(estimated) if counted else round(estimated)
        return Gauge(used, self.tokens, self._session.max_tokens or ANSWER_ROOM)

    def turns_to_omit(self, draft: str = "", extra_tokens: float = 0) -> int | None:
        """The fewest oldest turns to leave out so the next request fits; None when
        even the question alone (with the system prompt) does not."""
        # The last question (the draft, or the one answered again) always stays.
        turns = sum(1 for m in self.next_messages(draft, omitted=0) if m["role"] == "user")
        for omitted in range(self.omitted_turns, turns):
            if self.gauge(draft, extra_tokens, omitted=omitted).fits:
                return omitted - self.omitted_turns
        return None

    def learn(self, request: ChatRequest, prompt_tokens: int) -> None:
        """A real count of the request just sent: the gauge's anchor and scale."""
        messages = list(request.messages)
        if request.prefix is not None:
            messages.append({"role": "assistant", "content": request.prefix})
        self._counted = (
            self._session.history,
            Calibration(prompt_tokens, estimate_messages(messages)),
        )

    def refused(self, model: str, window: int) -> None:
        """The server refused a request to `model` naming its window: believed from now on."""
        self._refused_at = (model, window)

    def _calibration(self) -> Calibration | None:
        """The last real count: of the request this history last sent, else the last
        answer in the history that has one (a reopened conversation)."""
        history = self._session.history
        if self._counted is not None and self._counted[0] is history:
            return self._counted[1]
        for index in range(len(history) - 1, -1, -1):
            message = history[index]
            if message.role != "assistant":
                continue
            tokens = message.usage.prompt_tokens if message.usage else 0
            tokens = tokens or prompt_tokens_from_error(message.error or "") or 0
            if tokens:
                sent = build_messages(sendable(history[:index]), self._session.system_prompt)
                return Calibration(tokens, estimate_messages(sent))
        return self._counted[1] if self._counted is not None else None


def sendable(history: Sequence[Message | MessageDraft]) -> list[Message | MessageDraft]:
    """The history as requests carry it: a question's attachments written into its
    text as fenced blocks (the history keeps them apart, as typed and as read)."""
    return [
        MessageDraft(m.role, message_text(m.content, m.attachments)) if m.attachments else m
        for m in history
    ]
