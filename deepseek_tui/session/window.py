"""The context window of one session, and the next request as it will be sent.

`ContextWindow.next_request` is the one place the next request is made: the messages
(the turns left out, left out), the parameters, the `max_tokens` the body will carry,
and the gauge counted from those very messages with that very `max_tokens` kept for
the answer. The session sends what it says; the screen shows the gauge, the model,
thinking, JSON mode and the turns left out from it (docs/architecture.md, "context
gauge").

The arithmetic is `deepseek_tui.context`'s; this part keeps the state it works from
(the last real count, the window a refusal named, the last entry left out when it has
no row) and reads the session's history, system prompt and parameters when asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from deepseek_tui.api.models import context_window
from deepseek_tui.api.request import build_messages, pass_back_reasoning_for
from deepseek_tui.attachments import message_text
from deepseek_tui.context import (
    ANSWER_ROOM,
    Calibration,
    Gauge,
    estimate_messages,
    prompt_tokens_from_error,
)
from deepseek_tui.messages import MessageDraft

if TYPE_CHECKING:
    from deepseek_tui.api.request import ChatRequest, Parameters
    from deepseek_tui.attachments import Attachment
    from deepseek_tui.messages import Message

    Entry = Message | MessageDraft
    History = list[Entry]


class Conversing(Protocol):
    """What the window reads of its session."""

    history: History
    system_prompt: str
    model: str
    reasoning_pass_back: bool | None
    parameters: Parameters

    @property
    def preset(self) -> str | None: ...

    def request_for(self, messages: list[dict[str, Any]]) -> ChatRequest: ...


@dataclass(frozen=True)
class NextRequest:
    """The next request as it will be sent, and what the screen says of it: one
    object, so the gauge, the status line and the body cannot disagree."""

    request: ChatRequest
    gauge: Gauge  # of `request.messages`, `request.max_tokens_sent` kept for the answer
    left_out: int  # the oldest turns not sent (they stay in the history)
    turns: int  # every turn, the left-out ones and the draft's included
    preset: str | None

    @property
    def model(self) -> str:
        return self.request.model

    @property
    def thinks(self) -> bool:
        return self.request.thinks

    @property
    def json_mode(self) -> bool:
        """JSON mode is on and the model takes it: the body asks for a JSON object."""
        return self.request.json_mode_sent


class ContextWindow:
    """The context window as one session sees it."""

    def __init__(self, session: Conversing) -> None:
        self._session = session
        # The profile's figure (None: the model table's).
        self.size: int | None = None
        # The last entry left out when it has no row (no store, a failed save); one
        # with a row is the parameters' `left_out_through`, saved with them.
        self.through_entry: Entry | None = None
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

    # --- the turns left out -------------------------------------------------------------

    def first_sent(self, history: Sequence[Entry] | None = None) -> int:
        """Where requests start in `history` (the session's): just after the last
        entry left out; 0 (all of it) on a branch that does not hold that entry."""
        history = self._session.messages if history is None else history
        through = self._session.parameters.left_out_through
        entry = self.through_entry
        if through is None and entry is None:
            return 0
        for index, message in enumerate(history):
            if message is entry or (through is not None and getattr(message, "id", 0) == through):
                return index + 1
        return 0

    @property
    def omitted_turns(self) -> int:
        """How many of the oldest turns requests leave out (they stay in the history)."""
        history = self._session.messages
        return _questions(history[: self.first_sent(history)])

    def last_left_out(self, turns: int) -> Entry | None:
        """The entry after which requests start when the `turns` oldest turns are left
        out (the last one when the next question is the first sent); None for none."""
        history = self._session.messages
        starts = [index for index, message in enumerate(history) if message.role == "user"]
        if turns <= 0 or not history:
            return None
        return history[starts[turns] - 1] if turns < len(starts) else history[-1]

    # --- the next request ---------------------------------------------------------------

    def next_request(
        self,
        draft: str = "",
        attachments: Sequence[Attachment] = (),
        *,
        omitted: int | None = None,
    ) -> NextRequest:
        """The next request with `draft` (and its `attachments`) as the question, or
        with none, to answer the history's last question again; `omitted` turns left
        out instead of the conversation's."""
        session = self._session
        history: list[Entry] = list(session.messages)
        if draft.strip() or attachments:
            history.append(MessageDraft("user", draft, attachments=tuple(attachments)))
        start = self.first_sent(session.messages) if omitted is None else _start(history, omitted)
        request = session.request_for(self._messages(history, start))
        estimated = estimate_messages(request.messages, tools=request.tools)
        counted = self._calibration(request.tools)
        used = counted.tokens(estimated) if counted else round(estimated)
        gauge = Gauge(used, self.tokens, request.max_tokens_sent or ANSWER_ROOM)
        return NextRequest(
            request, gauge, _questions(history[:start]), _questions(history), session.preset
        )

    def next_messages(self, draft: str = "", *, omitted: int | None = None) -> list[dict]:
        return list(self.next_request(draft, omitted=omitted).request.messages)

    def gauge(self, draft: str = "", *, omitted: int | None = None) -> Gauge:
        """How full the next request is with `draft` as the question (with files:
        `next_request(draft, attachments).gauge`)."""
        return self.next_request(draft, omitted=omitted).gauge

    def turns_to_omit(self, draft: str = "", attachments: Sequence[Attachment] = ()) -> int | None:
        """The fewest more of the oldest turns to leave out so the next request fits;
        None when even the question alone (with the system prompt) does not."""
        # The last question (the draft, or the one answered again) always stays.
        turns = self.next_request(draft, attachments).turns
        for omitted in range(self.omitted_turns, turns):
            shown = self.next_request(draft, attachments, omitted=omitted)
            if shown.gauge.fits:
                return omitted - self.omitted_turns
        return None

    def _messages(self, history: Sequence[Entry], start: int) -> list[dict[str, Any]]:
        """The messages of `history` sent from `start` on (stored system messages
        before it still join the system prompt)."""
        kept = [m for m in history[:start] if m.role == "system"] + list(history[start:])
        session = self._session
        if not getattr(session.client, "supports_tools", True):
            kept = without_tools(kept)
        pass_back = pass_back_reasoning_for(session.model, session.reasoning_pass_back)
        return build_messages(sendable(kept), session.system_prompt, pass_back_reasoning=pass_back)

    # --- what the server said -----------------------------------------------------------

    def learn(self, request: ChatRequest, prompt_tokens: int) -> None:
        """A real count of the request just sent: the gauge's anchor and scale."""
        messages = list(request.messages)
        if request.prefix is not None:
            messages.append({"role": "assistant", "content": request.prefix})
        self._counted = (
            self._session.messages,
            Calibration(prompt_tokens, estimate_messages(messages, tools=request.tools)),
        )

    def refused(self, model: str, window: int) -> None:
        """The server refused a request to `model` naming its window: believed from now on."""
        self._refused_at = (model, window)

    def _calibration(self, tools: Sequence[dict[str, Any]] = ()) -> Calibration | None:
        """The last real count: of the request this history last sent, else the last
        answer in the history that has one (a reopened conversation), set against the
        messages that request carried (the turns left out, left out)."""
        history = self._session.messages
        if self._counted is not None and self._counted[0] is history:
            return self._counted[1]
        start = self.first_sent(history)
        for index in range(len(history) - 1, -1, -1):
            message = history[index]
            if message.role != "assistant":
                continue
            tokens = message.usage.prompt_tokens if message.usage else 0
            tokens = tokens or prompt_tokens_from_error(message.error or "") or 0
            if tokens:
                sent = self._messages(history[:index], min(start, index))
                # (the tools offered then: taken as those offered now)
                return Calibration(tokens, estimate_messages(sent, tools=tools))
        return self._counted[1] if self._counted is not None else None


def _questions(history: Sequence[Entry]) -> int:
    return sum(1 for message in history if message.role == "user")


def _start(history: Sequence[Entry], turns: int) -> int:
    """Where `history` starts with its `turns` oldest turns left out."""
    starts = [index for index, message in enumerate(history) if message.role == "user"]
    if turns <= 0:
        return 0
    return starts[turns] if turns < len(starts) else len(history)


def sendable(history: Sequence[Message | MessageDraft]) -> list[Message | MessageDraft]:
    """The history as requests carry it: a question's attachments written into its
    text as fenced blocks (the history keeps them apart, as typed and as read)."""
    return [
        MessageDraft(m.role, message_text(m.content, m.attachments)) if m.attachments else m
        for m in history
    ]


def without_tools(history: Sequence[Entry]) -> list[Entry]:
    """The history for a provider that takes no tools (Segmind): the answers' words
    without their calls, and no results (an answer that only called says nothing)."""
    return [
        MessageDraft(m.role, m.content) if m.role == "assistant" and m.tool_calls else m
        for m in history
        if m.role != "tool"
    ]
