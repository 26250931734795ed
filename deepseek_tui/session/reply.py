"""One answer of the model, as `Session.send`, `regenerate` and `continue_answer`
return it: iterated once (`async for event in reply`) for the wire's events, then it
holds how the answer ended — usage, cost, finish reason, error, the reasoning time,
the text and the message as saved (or kept in memory). Like simonw/llm's `Response`.

Events are the only channel: iteration does not raise the wire's `ApiError`, it ends
and `error` says (`raise_for_error()` for a caller who wants the exception). A
cancellation still propagates, once the answer is saved as stopped. The reply holds
the answer's one text buffer; the widget showing it reads it from here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from deepseek_tui.api.events import ContentDelta, FinishReason, ReasoningDelta, StreamEvent, Usage
from deepseek_tui.session.pieces import Pieces, Reasoning
from deepseek_tui.tools.events import ToolEvent

if TYPE_CHECKING:
    from deepseek_tui.api.errors import ApiError
    from deepseek_tui.api.events import ToolCall
    from deepseek_tui.messages import Message, MessageDraft

# What a turn yields: the wire's events, and the tool loop's (session/tools.py).
TurnEvent = StreamEvent | ToolEvent


class Reply:
    """The answer being streamed, and once its events are done, how it ended."""

    def __init__(
        self,
        events_of: Callable[[Reply], AsyncIterator[TurnEvent]],
        *,
        model: str,
        thinking: bool,
        json_mode: bool = False,
        currency: str = "USD",
        started: float = 0.0,
        content: str = "",
        reasoning: str = "",
        reasoning_cut: int = 0,
    ) -> None:
        self.model = model
        self.thinking = thinking
        # Asked for as a JSON object (JSON mode, on a model that takes it): shown verbatim.
        self.json_mode = json_mode
        self.currency = currency  # of `cost`: the provider's prices'
        self.usage: Usage | None = None
        self.cost: float | None = None
        self.finish_reason: FinishReason | str | None = None
        self.error: ApiError | None = None
        self.started = started  # the session's clock when it was asked for
        self.reasoning_seconds: float | None = None
        # The message as saved (or kept in memory when saving failed): set at the end.
        # With tools, the turn's last answer; `messages` every message the turn added
        # (the question, each answer, each call's result), in order.
        self.message: Message | MessageDraft | None = None
        self.messages: list[Message | MessageDraft] = []
        # The calls the current answer asked for (the wire's `ToolCalls`).
        self.tool_calls: tuple[ToolCall, ...] = ()
        # Why the turn stopped among tool calls (its rounds used), as a sentence.
        self.tools_stopped: str | None = None
        self.rounds = 1  # the answers of the turn so far
        # What the turn's earlier answers used and cost (before its tool rounds):
        # `turn_usage` and `turn_cost` are the whole turn's.
        self._spent: list[tuple[Usage | None, float | None]] = []
        # Held once, joined on demand (`Pieces`); the reasoning past its head only
        # until the store holds it (`Reasoning`). A continued answer starts from the
        # text it continues.
        self._content = Pieces(content)
        self._reasoning = Reasoning(reasoning, cut=reasoning_cut)
        self._events = events_of(self)
        self._iterated = False

    def __aiter__(self) -> AsyncIterator[TurnEvent]:
        if self._iterated:
            raise RuntimeError("A reply's events are iterated once.")
        self._iterated = True
        return self._events

    async def aclose(self) -> None:
        """Stop the stream (`contextlib.aclosing`): what arrived is saved as stopped."""
        await self._events.aclose()

    @property
    def done(self) -> bool:
        """The events are over and the answer is saved (or kept)."""
        return self.message is not None

    @property
    def content(self) -> str:
        return self._content.text()

    @property
    def content_chars(self) -> int:
        """How long the content is, without joining it."""
        return self._content.chars

    @property
    def reasoning(self) -> str:
        """The reasoning held: all of it, or its head once the store alone holds the
        rest (`reasoning_cut` characters past it)."""
        return self._reasoning.text()

    @property
    def has_reasoning(self) -> bool:
        return bool(self._reasoning)

    @property
    def reasoning_chars(self) -> int:
        """How long the whole reasoning is (held or not)."""
        return self._reasoning.chars

    @property
    def reasoning_cut(self) -> int:
        """Characters after the head that were let go (the store holds them)."""
        return self._reasoning.cut

    @property
    def reasoning_past(self) -> int:
        """Characters after what `reasoning` gives: a message holding `reasoning` says
        this many more are in its row (`Message.reasoning_cut`)."""
        return self._reasoning.past

    def reasoning_since(self, start: int) -> str:
        """The reasoning from character `start` on: what a save adds to the row."""
        return self._reasoning.since(start)

    def reasoning_saved(self, chars: int) -> None:
        """The store holds the reasoning's first `chars` characters: past its head,
        they need not be held any more (a 200 MB one is not held whole)."""
        self._reasoning.release(chars)

    def add(self, event: ContentDelta | ReasoningDelta) -> None:
        if not event.text:  # so that `has_reasoning` means some text
            return
        if isinstance(event, ContentDelta):
            self._content.append(event.text)
        else:
            self._reasoning.append(event.text)

    def next_round(self, started: float) -> None:
        """A new answer of the same turn starts (the model asked again with the tool
        results): the text, usage and ending are the new answer's from now on."""
        self.rounds += 1
        self._spent.append((self.usage, self.cost))
        self._content = Pieces()
        self._reasoning = Reasoning()
        self.tool_calls = ()
        self.usage = None
        self.cost = None
        self.finish_reason = None
        self.reasoning_seconds = None
        self.started = started  # so each answer's reasoning time is its own

    @property
    def turn_usage(self) -> Usage | None:
        """The tokens of every answer of the turn (one answer: `usage`)."""
        counts = [usage for usage, _ in self._spent if usage is not None]
        if self.usage is not None:
            counts.append(self.usage)
        return sum(counts[1:], counts[0]) if counts else None

    @property
    def turn_cost(self) -> float | None:
        """What every answer of the turn cost; None when no price is known."""
        costs = [cost for _, cost in [*self._spent, (None, self.cost)] if cost is not None]
        return sum(costs) if costs else None

    def raise_for_error(self) -> None:
        """Raise the wire's error, if the request failed."""
        if self.error is not None:
            raise self.error
