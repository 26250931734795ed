"""The conversation engine, no UI: send → persist → stream → persist.

The TUI and `ask` both drive a `Session`, so they behave the same. Every event from
the wire is passed up unchanged while the session keeps the store current: the
user's message is committed before the request goes out, the answer is created at
its first delta and saved at most every `save_interval` seconds and at the end —
from a thread of its own when the store is a file (`_AnswerSaver`), so a long
answer's saving never holds up the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from deepseek_tui.api import errors
from deepseek_tui.api.events import (
    ContentDelta,
    Finished,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    Usage,
)
from deepseek_tui.api.models import context_window, model_traits
from deepseek_tui.api.request import (
    JSON_MODE_MISSING,
    ChatRequest,
    Parameters,
    build_messages,
    mentions_json,
)
from deepseek_tui.attachments import Attachment, message_text
from deepseek_tui.config import Settings
from deepseek_tui.context import (
    ANSWER_ROOM,
    Calibration,
    Gauge,
    estimate_messages,
    omit_oldest_turns,
    prompt_tokens_from_error,
    window_from_error,
)
from deepseek_tui.messages import Message, MessageDraft, MessageUpdate
from deepseek_tui.pricing import cost, is_peak, price_for
from deepseek_tui.store import Conversation, Store, StoreError
from deepseek_tui.titles import TitleReply, clean_title, title_for, title_request

if TYPE_CHECKING:
    from pathlib import Path

    from deepseek_tui.api.providers import ChatClient

SAVE_INTERVAL = 0.5
# What the model is asked for when a conversation goes on in a new one from a summary.
SUMMARY_REQUEST = (
    "Summarize our conversation so far for a fresh start: the goal, what was decided or "
    "found, open questions, and any code, names or figures still needed. Write it as "
    "notes to yourself, without a preamble."
)


@dataclass
class Turn:
    """The answer being streamed (or just finished) — what the UI shows of it."""

    model: str
    thinking: bool
    usage: Usage | None = None
    cost: float | None = None  # in `currency`, when the model's price is known
    currency: str = "USD"  # the provider's prices' currency
    finish_reason: FinishReason | str | None = None
    error: errors.ApiError | None = None
    row: Message | None = None  # the answer's row, once created
    started: float = field(default_factory=time.monotonic)
    reasoning_seconds: float | None = None
    # Pieces, joined on demand: `str +=` per token is quadratic on long answers.
    _content: list[str] = field(default_factory=list, repr=False)
    _reasoning: list[str] = field(default_factory=list, repr=False)

    @property
    def content(self) -> str:
        return _joined(self._content)

    @property
    def reasoning(self) -> str:
        return _joined(self._reasoning)

    def add(self, event: ContentDelta | ReasoningDelta) -> None:
        (self._content if isinstance(event, ContentDelta) else self._reasoning).append(event.text)


class Session:
    """One conversation: its history, the current model, and the send loop."""

    def __init__(
        self,
        client: ChatClient | None,
        store: Store | None,
        *,
        model: str,
        thinking: bool | None = None,
        system_prompt: str = "",
        temperature: float | None = None,
        top_p: float | None = None,
        max_tokens: int | None = None,
        save_interval: float = SAVE_INTERVAL,
    ) -> None:
        self.client = client
        self.store = store
        self.model = model
        self.thinking = thinking
        self.system_prompt = system_prompt
        self.temperature = temperature
        self.top_p = top_p
        # This conversation's request parameters (saved with it), and what a new
        # conversation starts with (the settings').
        self.default_parameters = Parameters(max_tokens=max_tokens)
        self.parameters = self.default_parameters
        self._saved_parameters: Parameters | None = None
        # The settings last applied: where a conversation's preset is looked up.
        self.settings: Settings | None = None
        self.save_interval = save_interval
        self.prices: dict[str, dict[str, float]] = {}
        self.peak_pricing = True
        # The provider profile this session talks to: its prices, and whether it can
        # continue a cut answer (`supports_prefix`). DeepSeek's own until `use_provider`.
        self.provider = "deepseek"
        self.builtin_prices = True
        self.currency = "USD"  # of `prices` (a gateway's profile may bill in another)
        self.supports_prefix = True
        # Where the reasoning time and save intervals are read; a fixed clock makes
        # the screenshots and tests independent of the machine's speed.
        self.clock: Callable[[], float] = time.monotonic
        self.conversation: Conversation | None = None
        self.history: list[Message | MessageDraft] = []
        self.store_error: str | None = None
        # Answers in the history whose final save failed, by row: saved at the next send.
        self._unsaved: dict[int, Message] = {}
        # The context window: the profile's figure (None: the model table's), the
        # oldest turns left out of requests (for one history: another conversation or
        # branch starts whole), the last real count of a request as sent.
        self.context_size: int | None = None
        self._omitted: tuple[list[Message | MessageDraft], int] = (self.history, 0)
        self._counted: tuple[list[Message | MessageDraft], Calibration] | None = None
        self._refused_at: tuple[str, int] | None = None  # (model, the window its 400 named)

    @classmethod
    def from_settings(
        cls,
        client: ChatClient | None,
        store: Store | None,
        settings: Settings,
        **overrides: object,
    ) -> Session:
        """A session with the settings' parameters and the model of its provider
        (`provider=` among the overrides, else the settings' default); `overrides` win."""
        provider = str(overrides.pop("provider", None) or settings.provider)
        preset = overrides.pop("preset", None)
        session = cls(client, store, model=settings.profile(provider).model)
        session.provider = provider
        session.apply_settings(settings)
        if preset is not None:
            session.new(str(preset))
        for name, value in overrides.items():
            if value is not None:
                setattr(session, name, value)
        return session

    @property
    def max_tokens(self) -> int | None:
        return self.parameters.max_tokens

    @max_tokens.setter
    def max_tokens(self, value: int | None) -> None:
        self.parameters = replace(self.parameters, max_tokens=value)

    @property
    def preset(self) -> str | None:
        """The name of the preset this conversation started from, if any."""
        return self.parameters.preset

    def apply_settings(self, settings: Settings, *, parameters: bool = True) -> None:
        """Take the request parameters from (changed) settings, and this
        conversation's preset on top; the model stays. `parameters` False keeps this
        conversation's own (a provider switch)."""
        self.settings = settings
        chosen = self._with_preset(self.preset) or settings
        self._take(chosen, thinking=True)
        self.default_parameters = parameters_from(settings)
        if parameters:
            self.set_parameters(parameters_from(chosen, self.preset))
        profile = settings.profile(self.provider)
        self.prices = profile.prices
        self.builtin_prices = profile.builtin_prices
        self.currency = profile.currency
        # Peak hours are DeepSeek's billing; a gateway bills by its own table.
        self.peak_pricing = settings.peak_pricing and profile.builtin_prices
        self.supports_prefix = profile.supports_prefix
        self.context_size = profile.context_window

    def use_provider(self, settings: Settings, provider: str, model: str | None = None) -> None:
        """Talk to another provider from the next request on (the caller sets
        `client`): its prices and abilities, and `model` or the profile's default."""
        self.provider = provider
        self.apply_settings(settings, parameters=False)
        self.model = model or settings.profile(provider).model

    # --- conversations -------------------------------------------------------------

    def open(self, conversation_id: str) -> None:
        """Continue a stored conversation."""
        assert self.store is not None
        conversation = self.store.get_conversation(conversation_id)
        if conversation is None:
            raise KeyError(conversation_id)
        self.conversation = conversation
        self.history = list(self.store.messages(conversation_id))
        self._adopt_model()
        self._load_parameters()

    def open_at(self, message_id: int) -> None:
        """Open the conversation on the branch that goes through this message."""
        assert self.store is not None
        message = self.store.get_message(message_id)
        if message is None:
            raise KeyError(message_id)
        conversation = self.store.get_conversation(message.conversation_id)
        if conversation is None:
            raise KeyError(message.conversation_id)
        self.conversation = conversation
        self.history = list(self.store.branch_through(message_id))
        self._adopt_model()
        self._load_parameters()

    def _adopt_model(self) -> None:
        """A reopened conversation goes on with the model that answered last."""
        for message in reversed(self.history):
            if message.role == "assistant" and message.model:
                self.model = message.model
                return

    def branches(self, message: Message | MessageDraft) -> tuple[int, int]:
        """(position, count) of the message among its siblings: (1, 1) when alone."""
        if self.store is None or not isinstance(message, Message):
            return (1, 1)
        siblings = self.store.siblings(message.id)
        ids = [sibling.id for sibling in siblings]
        return (ids.index(message.id) + 1 if message.id in ids else 1, max(len(ids), 1))

    def switch_branch(self, message: Message, step: int) -> Message | None:
        """Show the previous (-1) or next (+1) sibling of `message` and its newest
        continuation. Returns the sibling now shown, or None at either end."""
        assert self.store is not None
        siblings = self.store.siblings(message.id)
        ids = [sibling.id for sibling in siblings]
        if message.id not in ids:
            return None
        index = ids.index(message.id) + step
        if not 0 <= index < len(ids):
            return None
        self.history = list(self.store.branch_through(ids[index]))
        return siblings[index]

    def new(self, preset: str | None = None) -> None:
        """Start afresh, from `preset` (its system prompt, model, thinking, temperature
        and parameters) or from the settings alone; the conversation is created in the
        store at the first send. `UnknownPreset` for a name nobody defined."""
        previous = self.preset
        if preset is not None and self.settings is not None:
            chosen = self.settings.with_preset(preset)  # an unknown name raises here
            self.parameters = parameters_from(chosen, preset)
            if "model" in self.settings.preset(preset):
                self.model = chosen.model
        else:
            self.parameters = self.default_parameters
        self.conversation = None
        self.history = []
        self._saved_parameters = None
        # ^t's choice outlives a conversation, except where a preset says otherwise.
        self._take(self._with_preset(self.preset), thinking=(previous or preset) is not None)

    def _with_preset(self, name: str | None) -> Settings | None:
        """The settings with preset `name` on top; a name no longer defined (removed
        from config.toml since) leaves the settings alone. None without settings."""
        if self.settings is None:
            return None
        if name is None or name not in self.settings.preset_names():
            return self.settings
        return self.settings.with_preset(name)

    def _take(self, chosen: Settings | None, *, thinking: bool) -> None:
        """The conversation's system prompt, temperature, top_p (and thinking)."""
        if chosen is None:
            return
        self.system_prompt = chosen.system_prompt
        self.temperature = chosen.temperature
        self.top_p = chosen.top_p
        if thinking:
            self.thinking = chosen.thinking

    # --- request parameters --------------------------------------------------------

    def set_parameters(self, parameters: Parameters) -> None:
        """This conversation's parameters from now on, saved with it (a new one saves
        them at its first send)."""
        self.parameters = parameters
        self._save_parameters()

    def _load_parameters(self) -> None:
        """A reopened conversation goes on with its own parameters; one saved before
        they were kept gets the settings' defaults."""
        assert self.store is not None and self.conversation is not None
        saved = self.store.conversation_parameters(self.conversation.id)
        previous = self.preset
        self.parameters = self.default_parameters if saved is None else Parameters.from_json(saved)
        self._saved_parameters = None if saved is None else self.parameters
        self._take(self._with_preset(self.preset), thinking=(previous or self.preset) is not None)

    def _save_parameters(self) -> None:
        if self.store is None or self.conversation is None:
            return
        if self._saved_parameters == self.parameters:
            return
        try:
            self.store.set_conversation_parameters(self.conversation.id, self.parameters.to_json())
        except (StoreError, OSError) as error:
            self._store_failed(error)
            return
        self._saved_parameters = self.parameters

    def json_mode_problem(self, text: str) -> str | None:
        """JSON mode's rule, checked before `text` is sent: DeepSeek refuses JSON
        mode unless the prompt mentions JSON. A sentence when it is broken."""
        request = self.request()
        if not request.json_mode_sent:
            return None
        if mentions_json([*request.messages, {"content": text}]):
            return None
        return JSON_MODE_MISSING

    @property
    def thinks(self) -> bool:
        return model_traits(self.model).thinks(self.thinking)

    @property
    def remaining_credits(self) -> str | None:
        """What the provider last said is left on the account (Segmind's
        `x-remaining-credits`), as it said it; None when it does not say."""
        return self.client.remaining_credits if self.client is not None else None

    # --- the context window --------------------------------------------------------------

    @property
    def context_window(self) -> int | None:
        """Tokens the current model takes in one request (as its server last said, else
        the profile's, else the model table's); None when unknown."""
        if self._refused_at is not None and self._refused_at[0] == self.model:
            return self._refused_at[1]
        return self.context_size or context_window(self.model)

    @property
    def omitted_turns(self) -> int:
        """How many of the oldest turns requests leave out (they stay in the history)."""
        history, turns = self._omitted
        return turns if history is self.history else 0

    def omit_oldest_turns(self, turns: int) -> None:
        """Leave the `turns` oldest turns out of this conversation's requests from now
        on (another conversation or branch is sent whole again)."""
        self._omitted = (self.history, max(0, turns))

    def next_messages(self, draft: str = "", *, omitted: int | None = None) -> list[dict]:
        """The messages the next request would carry with `draft` as the question (or,
        with no draft, to answer the history's last question again)."""
        history = [*self.history, MessageDraft("user", draft)] if draft.strip() else self.history
        turns = self.omitted_turns if omitted is None else omitted
        return omit_oldest_turns(build_messages(sendable(history), self.system_prompt), turns)

    def gauge(
        self, draft: str = "", extra_tokens: float = 0, *, omitted: int | None = None
    ) -> Gauge:
        """How full the next request is: `draft` is the question being typed and
        `extra_tokens` what rides along with it (attachments' estimate)."""
        estimated = estimate_messages(self.next_messages(draft, omitted=omitted), extra_tokens)
        counted = self._calibration()
        used = counted.tokens(estimated) if counted else round(estimated)
        return Gauge(used, self.context_window, self.max_tokens or ANSWER_ROOM)

    def turns_to_omit(self, draft: str = "", extra_tokens: float = 0) -> int | None:
        """The fewest oldest turns to leave out so the next request fits; None when
        even the question alone (with the system prompt) does not."""
        # The last question (the draft, or the one answered again) always stays.
        turns = sum(1 for m in self.next_messages(draft, omitted=0) if m["role"] == "user")
        for omitted in range(self.omitted_turns, turns):
            if self.gauge(draft, extra_tokens, omitted=omitted).fits:
                return omitted - self.omitted_turns
        return None

    def _learn(self, request: ChatRequest, prompt_tokens: int) -> None:
        """A real count of the request just sent: the gauge's anchor and scale."""
        messages = list(request.messages)
        if request.prefix is not None:
            messages.append({"role": "assistant", "content": request.prefix})
        self._counted = (self.history, Calibration(prompt_tokens, estimate_messages(messages)))

    def _calibration(self) -> Calibration | None:
        """The last real count: of the request this history last sent, else the last
        answer in the history that has one (a reopened conversation)."""
        if self._counted is not None and self._counted[0] is self.history:
            return self._counted[1]
        for index in range(len(self.history) - 1, -1, -1):
            message = self.history[index]
            if message.role != "assistant":
                continue
            tokens = message.usage.prompt_tokens if message.usage else 0
            tokens = tokens or prompt_tokens_from_error(message.error or "") or 0
            if tokens:
                sent = build_messages(sendable(self.history[:index]), self.system_prompt)
                return Calibration(tokens, estimate_messages(sent))
        return self._counted[1] if self._counted is not None else None

    async def summarize(self) -> str:
        """The model's summary of this conversation, to start a new one from; not
        saved. The oldest turns are left out as far as the request needs to fit."""
        if self.client is None:
            raise RuntimeError("Session.client must be set before sending")
        omitted = self.omitted_turns + (self.turns_to_omit(SUMMARY_REQUEST) or 0)
        request = replace(
            self.request(),
            messages=self.next_messages(SUMMARY_REQUEST, omitted=omitted),
            prefix=None,
        )
        parts: list[str] = []
        async with contextlib.aclosing(self.client.stream_chat(request)) as events:
            async for event in events:
                if isinstance(event, ContentDelta):
                    parts.append(event.text)
        return valid_text("".join(parts)).strip()

    async def ask_title(self, question: str, answer: str) -> TitleReply:
        """Ask the current model for a short title of the exchange `question` →
        `answer` (non-streaming, small `max_tokens`, thinking off where it can be).
        Not saved: the caller decides whether the title still applies. `ApiError`
        when the request fails."""
        if self.client is None:
            raise RuntimeError("Session.client must be set before sending")
        reply = await self.client.complete(title_request(self.model, question, answer))
        priced = Turn(reply.model or self.model, False, usage=reply.usage, currency=self.currency)
        self._price(priced)
        return TitleReply(
            clean_title(valid_text(reply.content or "")),
            reply.usage,
            priced.cost,
            self.currency,
        )

    # --- one turn --------------------------------------------------------------------

    async def send(
        self, text: str, turn: Turn | None = None, attachments: Sequence[Attachment] = ()
    ) -> AsyncIterator[StreamEvent]:
        """Send `text` (with `attachments`, as fenced blocks after it) as the user's
        next message and stream the answer.

        Yields the wire's events. On failure the partial answer is saved with
        finish reason INTERRUPTED or ERROR and the `ApiError` is raised; when the
        consumer stops early (Esc, ctrl+c) it is saved as STOPPED.
        """
        text = valid_text(text)
        problem = self.json_mode_problem(text)
        if problem:
            raise ValueError(problem)  # said before anything is saved or sent
        parent = self._last_id()
        user = self._persist_user(text, parent, tuple(attachments))
        self.history.append(user)
        self._save_parameters()
        # aclosing: when our consumer stops early, the inner stream is closed now,
        # in this task, not later by the garbage collector.
        async with contextlib.aclosing(self._answer(turn or self.new_turn())) as events:
            async for event in events:
                yield event

    async def regenerate(self, turn: Turn | None = None) -> AsyncIterator[StreamEvent]:
        """Answer the last user message again (e.g. after an error)."""
        while self.history and self.history[-1].role != "user":
            self.history.pop()
        if not self.history:
            raise ValueError("There is no question to answer again.")
        async with contextlib.aclosing(self._answer(turn or self.new_turn())) as events:
            async for event in events:
                yield event

    @property
    def can_continue(self) -> bool:
        """The last answer was cut short and has text to continue from."""
        last = self.history[-1] if self.history else None
        if last is None or last.role != "assistant" or not last.content:
            return False
        if isinstance(last, Message) and last.unfinished:
            return True
        reason = FinishReason.parse(last.finish_reason or "")
        return isinstance(reason, FinishReason) and reason.cut_short

    async def continue_answer(self, turn: Turn | None = None) -> AsyncIterator[StreamEvent]:
        """Continue the last, cut-short answer in place (DeepSeek's chat prefix
        completion, under `/beta`): the model carries on from where it stopped."""
        if not self.can_continue:
            raise ValueError("The last answer is complete: there is nothing to continue.")
        if not self.supports_prefix:
            raise ValueError(errors.NO_CONTINUE)  # said before anything is sent
        last = self.history.pop()
        turn = turn or Turn(model=last.model or self.model, thinking=self.thinks)
        turn.model = last.model or self.model
        turn._content[:] = [last.content]
        turn._reasoning[:] = [last.reasoning] if last.reasoning else []
        turn.row = last if isinstance(last, Message) else None
        request = replace(self.request(), model=turn.model, prefix=last.content)
        async with contextlib.aclosing(self._answer(turn, request)) as events:
            async for event in events:
                yield event

    def rewind_last_question(self) -> str | None:
        """Drop the last question and what followed from the history (they stay in
        the store: the next send becomes a sibling branch). Returns its text."""
        for index in range(len(self.history) - 1, -1, -1):
            if self.history[index].role == "user":
                text = self.history[index].content
                del self.history[index:]
                return text
        return None

    def new_turn(self) -> Turn:
        return Turn(
            model=self.model, thinking=self.thinks, started=self.clock(), currency=self.currency
        )

    def request(self) -> ChatRequest:
        return ChatRequest.with_parameters(
            self.model,
            build_messages(sendable(self.history), self.system_prompt),
            self.parameters,
            thinking=self.thinking,
            temperature=self.temperature,
            top_p=self.top_p,
        )

    async def _answer(
        self, turn: Turn, request: ChatRequest | None = None
    ) -> AsyncIterator[StreamEvent]:
        request = request or self.request()
        if self.omitted_turns:
            messages = omit_oldest_turns(request.messages, self.omitted_turns)
            request = replace(request, messages=messages)
        parent = self._last_id()
        saved_at = 0.0
        outcome: FinishReason | str = FinishReason.STOPPED
        if self.client is None:
            raise RuntimeError("Session.client must be set before sending")
        saver = self._saver()
        stream = self.client.stream_chat(request)
        try:
            async for event in stream:
                if isinstance(event, ReasoningDelta | ContentDelta):
                    event = _valid_delta(event)
                if isinstance(event, ReasoningDelta):
                    turn.add(event)
                elif isinstance(event, ContentDelta):
                    if turn.reasoning_seconds is None and turn._reasoning:
                        turn.reasoning_seconds = self.clock() - turn.started
                    turn.add(event)
                elif isinstance(event, Usage):
                    turn.usage = event
                    if event.prompt_tokens:
                        self._learn(request, event.prompt_tokens)
                elif isinstance(event, Finished):
                    turn.finish_reason = event.reason
                    outcome = event.reason
                if isinstance(event, ReasoningDelta | ContentDelta):
                    if turn.row is None:
                        self._create_answer(turn, parent)
                        saved_at = self.clock()
                    elif self.clock() - saved_at >= self.save_interval and self._save(turn, saver):
                        saved_at = self.clock()
                yield event
        except errors.ApiError as error:
            # A server may echo the key in its error: masked before it is shown or saved.
            error.hide(getattr(self.client, "api_key", None))
            turn.error = error
            counted = prompt_tokens_from_error(str(error))
            if counted:
                self._learn(request, counted)
            window = window_from_error(str(error))
            if window:
                self._refused_at = (request.model, window)
            outcome = (
                FinishReason.INTERRUPTED
                if isinstance(error, errors.StreamInterrupted | errors.StallTimeout)
                else FinishReason.ERROR
            )
            raise
        except (asyncio.CancelledError, GeneratorExit):
            outcome = FinishReason.STOPPED
            raise
        finally:
            await stream.aclose()
            if turn.reasoning_seconds is None and turn.reasoning:
                turn.reasoning_seconds = self.clock() - turn.started
            turn.finish_reason = outcome
            await self._finish(turn, parent, saver)

    # --- persistence -------------------------------------------------------------------

    def _last_id(self) -> int | None:
        last = self.history[-1] if self.history else None
        return last.id if isinstance(last, Message) else None

    def _save_pending(self) -> None:
        """Save what a failed write kept in memory, in order, chained by parent."""
        if self.store is None:
            return
        if not any(self._kept_in_memory(m) for m in self.history):
            return
        parent: int | None = None
        for index, message in enumerate(self.history):
            saved = self._save_kept(message, parent) if self._kept_in_memory(message) else message
            assert isinstance(saved, Message)
            self.history[index] = saved
            parent = saved.id
        self._unsaved.clear()  # any left are of another branch or conversation: dropped
        self.store_error = None

    def _kept_in_memory(self, message: Message | MessageDraft) -> bool:
        if isinstance(message, MessageDraft):
            return True
        return self._unsaved.get(message.id) is message

    def _save_kept(self, message: Message | MessageDraft, parent: int | None) -> Message:
        assert self.store is not None
        if isinstance(message, Message):  # its row is there, behind
            saved = _update(self.store, message.id, MessageUpdate.from_message(message))
            assert saved is not None
            return saved
        if self.conversation is None:
            # One transaction: a full disk leaves no conversation without messages.
            self.conversation, stored = self.store.start_conversation(
                title_for(message.content, message.attachments), message
            )
            return stored
        return self.store.add_message(self.conversation.id, message, parent_id=parent)

    def _persist_user(
        self, text: str, parent: int | None, attachments: tuple[Attachment, ...] = ()
    ) -> Message | MessageDraft:
        draft = MessageDraft("user", text, attachments=attachments)
        if self.store is None:
            return draft
        try:
            self._save_pending()
            parent = self._last_id()
            if self.conversation is None:
                # One transaction: a full disk leaves no conversation without messages.
                self.conversation, first = self.store.start_conversation(
                    title_for(text, attachments), draft
                )
                return first
            return self.store.add_message(self.conversation.id, draft, parent_id=parent)
        except (StoreError, OSError) as error:
            self._store_failed(error)
            return draft

    def _create_answer(self, turn: Turn, parent: int | None) -> None:
        if self.store is None or self.conversation is None:
            return
        try:
            turn.row = self.store.add_message(self.conversation.id, _draft(turn), parent_id=parent)
        except (StoreError, OSError) as error:
            self._store_failed(error)

    def _saver(self) -> _AnswerSaver | None:
        """A saver for the answer about to stream: a thread and a connection of its
        own. None for a store in memory (it has no file to open again) or none."""
        if self.store is None or self.store.path is None:
            return None
        return _AnswerSaver(self.store.path)

    def _save(self, turn: Turn, saver: _AnswerSaver | None) -> bool:
        """Save the answer so far; False when the last save is still under way (or
        resting: `_AnswerSaver.ready`), to be tried again at the next delta."""
        if self.store is None or turn.row is None:
            return True
        update = MessageUpdate(content=turn.content, reasoning=turn.reasoning or None)
        if saver is not None:
            failure = saver.failure()
            if failure is not None:
                self._store_failed(failure)
            if not saver.ready():
                return False
            saver.save(turn.row.id, update)
            return True
        try:
            self.store.update_message(turn.row.id, update)
        except (StoreError, OSError) as error:
            self._store_failed(error)
        return True

    def _price(self, turn: Turn) -> None:
        price = price_for(turn.model, self.prices, builtin=self.builtin_prices)
        if turn.usage is None or price is None:
            return
        peak = self.peak_pricing and is_peak(datetime.now(UTC))
        turn.cost = cost(turn.usage, price, peak=peak)

    async def _finish(self, turn: Turn, parent: int | None, saver: _AnswerSaver | None) -> None:
        self._price(turn)
        final = MessageUpdate(
            content=turn.content,
            reasoning=turn.reasoning or None,
            finish_reason=turn.finish_reason or FinishReason.STOPPED,
            usage=turn.usage,
            cost=turn.cost,
            error=str(turn.error) if turn.error else None,
            reasoning_seconds=turn.reasoning_seconds,
        )
        try:
            message, cancelled = await self._save_finished(turn, parent, final, saver)
        finally:
            if saver is not None:
                saver.close()
        if message is not None:
            self._unsaved.pop(message.id, None)
        elif turn.row is not None:  # kept in memory, the row behind: saved at the next send
            message = self._unsaved[turn.row.id] = turn.row.updated(final)
        else:
            message = _draft(turn).updated(final)
        self.history.append(message)
        if cancelled:
            raise asyncio.CancelledError  # after the answer is kept: the next send's parent

    async def _save_finished(
        self,
        turn: Turn,
        parent: int | None,
        final: MessageUpdate,
        saver: _AnswerSaver | None,
    ) -> tuple[Message | None, bool]:
        """Save the answer as it ended: the saved message (None when it could not be
        saved), and whether this task was cancelled while it was saved."""
        if self.store is None or self.conversation is None:
            return None, False
        try:
            if turn.row is None:
                # No delta arrived (an error before the answer, or an empty reply):
                # still record the turn so the failure is visible in the history.
                self._create_answer(turn, parent)
            if turn.row is None:
                return None, False
            if saver is None:
                return _update(self.store, turn.row.id, final), False
            return await saver.finish(turn.row.id, final)
        except (StoreError, OSError) as error:
            self._store_failed(error)
            return None, False

    def _store_failed(self, error: BaseException) -> None:
        # The conversation stays in memory; the UI shows this sentence.
        self.store_error = f"Could not save to the history database: {str(error).rstrip('.')}."


def _draft(turn: Turn) -> MessageDraft:
    """The answer as its row is created (at its first delta)."""
    return MessageDraft(
        "assistant",
        turn.content,
        reasoning=turn.reasoning or None,
        model=turn.model,
        thinking=turn.thinking,
    )


def _update(store: Store, message_id: int, update: MessageUpdate) -> Message | None:
    """Save `update`; the message as saved (None when its row is gone meanwhile)."""
    store.update_message(message_id, update)
    return store.get_message(message_id)


class _AnswerSaver:
    """Saves one answer as it streams, from a thread of its own over a connection of
    its own (a SQLite connection belongs to its thread), so writing a long answer —
    and the search indexes reading all of it again at every save: 0.25–0.3 s
    for 10 MB — never holds up the event loop. Saves run one at a time, in order; the
    final one is awaited, so the answer is in the store when the stream ends.

    A save starts only once the last one is done and has rested as long as it took,
    so the thread saves at most half the time: a 10 MB answer is saved about every
    second, a usual one every `save_interval`."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="answer-saver")
        self._store: Store | None = None  # opened, used and closed in the thread only
        self._last: Future[None] | None = None
        self._rest_until = 0.0  # time.monotonic() before which no save starts
        self._reported: BaseException | None = None
        self._final = False

    def ready(self) -> bool:
        """The last save is done and has rested."""
        if self._last is not None and not self._last.done():
            return False
        return time.monotonic() >= self._rest_until

    def failure(self) -> BaseException | None:
        """The error of the last save, once (then None until another fails)."""
        last = self._last
        if last is None or not last.done() or last.exception() is None:
            return None
        error = last.exception()
        if error is self._reported:
            return None
        self._reported = error
        return error

    def save(self, message_id: int, update: MessageUpdate) -> None:
        self._last = self._executor.submit(self._write, message_id, update)

    async def finish(self, message_id: int, final: MessageUpdate) -> tuple[Message | None, bool]:
        """The final save, after any still under way: the saved message, and whether
        the task was cancelled meanwhile (Esc again, the app quitting). Cancelled, it
        waits for the save all the same; the caller raises once it kept the message."""
        self._final = True
        done = asyncio.wrap_future(self._executor.submit(self._write_final, message_id, final))
        cancelled = False
        while True:
            try:
                return await asyncio.shield(done), cancelled
            except asyncio.CancelledError:
                cancelled = True

    def close(self) -> None:
        """Close the connection once the saves are done (without waiting for them)."""
        if self._last is not None or self._final:
            self._executor.submit(self._close)
        self._executor.shutdown(wait=False)

    # --- in the thread ---------------------------------------------------------------

    def _open(self) -> Store:
        if self._store is None:
            self._store = Store.open(self._path)
        return self._store

    def _write(self, message_id: int, update: MessageUpdate) -> None:
        started = time.monotonic()
        try:
            self._open().update_message(message_id, update)
        finally:
            ended = time.monotonic()
            self._rest_until = ended + (ended - started)

    def _write_final(self, message_id: int, final: MessageUpdate) -> Message | None:
        return _update(self._open(), message_id, final)

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def parameters_from(settings: Settings, preset: str | None = None) -> Parameters:
    """A new conversation's parameters: the settings' defaults (with a preset's
    values on top: `Settings.with_preset`), and the preset's name."""
    return Parameters(
        preset=preset,
        json_mode=settings.json_mode,
        stop=tuple(settings.stop),
        frequency_penalty=settings.frequency_penalty,
        presence_penalty=settings.presence_penalty,
        max_tokens=settings.max_tokens,
        reasoning_effort=settings.reasoning_effort,
    )


def _joined(parts: list[str]) -> str:
    """Join pieces and keep the result as the only piece, so repeated reads are cheap."""
    if len(parts) > 1:
        parts[:] = ["".join(parts)]
    return parts[0] if parts else ""


_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """`text` as valid Unicode: a lone surrogate (a JSON escape such as "\\ud800", or a
    byte of invalid UTF-8 that Python kept as one) becomes U+FFFD, a split pair is
    joined. Such a character could be neither stored nor printed, and the answer
    around it would be lost."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _valid_delta(event: ReasoningDelta | ContentDelta) -> ReasoningDelta | ContentDelta:
    text = valid_text(event.text)
    return event if text is event.text else type(event)(text)


def sendable(history: Sequence[Message | MessageDraft]) -> list[Message | MessageDraft]:
    """The history as requests carry it: a question's attachments written into its
    text as fenced blocks (the history keeps them apart, as typed and as read)."""
    return [
        MessageDraft(m.role, message_text(m.content, m.attachments)) if m.attachments else m
        for m in history
    ]
