"""The conversation engine, no UI: send → persist → stream → persist.

The TUI and `ask` both drive a `Session`, so they behave the same. `send`,
`regenerate` and `continue_answer` return a `Reply` (reply.py) whose events are the
wire's, in order (a delta's lone surrogates replaced, `valid_text`: SQLite and the
terminal take only valid UTF-8) while the session keeps the store current: the user's
message is committed before the request goes out, the answer is created at its first
delta and saved at most every `save_interval` seconds and at the end — from a thread
of its own when the store is a file (`AnswerSaver`, saver.py), so a long answer's
saving never holds up the event loop. The context window's state and arithmetic are
window.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import fields, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from deepseek_tui.api import errors
from deepseek_tui.api.events import (
    ContentDelta,
    Finished,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    ToolCalls,
    Usage,
)
from deepseek_tui.api.models import model_traits
from deepseek_tui.api.providers import TOOLS_OFF
from deepseek_tui.api.request import (
    JSON_MODE_MISSING,
    ChatRequest,
    Parameters,
    mentions_json,
)
from deepseek_tui.config import Settings
from deepseek_tui.context import Gauge, prompt_tokens_from_error, window_from_error
from deepseek_tui.messages import Message, MessageDraft, MessageFields, MessageUpdate
from deepseek_tui.pricing import cost, is_peak, price_for
from deepseek_tui.session.reply import Reply, TurnEvent
from deepseek_tui.session.saver import AnswerRecord, draft, update
from deepseek_tui.session.tools import (
    Approve,
    ToolTurn,
    interrupted_result,
    unanswered_calls,
)
from deepseek_tui.session.window import ContextWindow, NextRequest
from deepseek_tui.store import Conversation, NewConversation, Store, StoreError
from deepseek_tui.timestamps import now_iso
from deepseek_tui.titles import TitleReply, clean_title, title_for, title_request

if TYPE_CHECKING:
    from deepseek_tui.api.providers import ChatClient
    from deepseek_tui.attachments import Attachment
    from deepseek_tui.tools import ToolBox

SAVE_INTERVAL = 0.5
# What the model is asked for when a conversation goes on in a new one from a summary.
SUMMARY_REQUEST = (
    "Summarize our conversation so far for a fresh start: the goal, what was decided or "
    "found, open questions, and any code, names or figures still needed. Write it as "
    "notes to yourself, without a preamble."
)
# Said once when the conversation this session writes into was deleted by another
# process (a second window): it is kept, as this window has it.
DELETED_ELSEWHERE = (
    "This conversation was deleted in another window; it is kept, with what this window has of it."
)


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
        self.messages: list[Message | MessageDraft] = []
        self.store_error: str | None = None
        # A sentence to say once (`take_notice`): the conversation was saved again.
        self.notice: str | None = None
        # Answers in the history whose final save failed, by row: saved at the next send.
        self._unsaved: dict[int, Message] = {}
        # Of each: the characters of its reasoning its row holds, and the text past
        # them that the message does not hold (a reasoning past its head, `pieces`).
        self._behind: dict[int, tuple[int, str]] = {}
        # The context window: its size, the turns left out, the server's last count.
        self.window = ContextWindow(self)
        # The tools offered to the model (the front end starts and closes the box),
        # and how a call that is not auto-approved is approved: None denies it, and
        # the model is told (session/tools.py).
        self.tools: ToolBox | None = None
        self.approve: Approve | None = None
        # The profile's `reasoning_pass_back`: a tool-call turn's reasoning is sent
        # back in later requests (None: as the model's traits say).
        self.reasoning_pass_back: bool | None = None
        self._said_no_tools = False

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
        first = self.settings is None
        self.settings = settings
        chosen = self._with_preset(self.preset) or settings
        self._take(chosen, thinking=True)
        before, self.default_parameters = self.default_parameters, parameters_from(settings)
        if parameters:
            wanted = parameters_from(chosen, self.preset)
            if not first:
                # A save changes what it changed: JSON mode or max_tokens set for this
                # conversation, and the turns it leaves out, stay through a save that
                # left those settings alone.
                wanted = replace(
                    self.parameters,
                    **{
                        item.name: getattr(wanted, item.name)
                        for item in fields(wanted)
                        if getattr(before, item.name) != getattr(self.default_parameters, item.name)
                    },
                )
            self.set_parameters(wanted)
        profile = settings.profile(self.provider)
        self.prices = profile.prices
        self.builtin_prices = profile.builtin_prices
        self.currency = profile.currency
        # Peak hours are DeepSeek's billing; a gateway bills by its own table.
        self.peak_pricing = settings.peak_pricing and profile.builtin_prices
        self.supports_prefix = profile.supports_prefix
        self.context_size = profile.context_window
        self.reasoning_pass_back = profile.reasoning_pass_back

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
        self.messages = list(self.store.messages(conversation_id))
        self._load_parameters()
        self._adopt_model()

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
        self.messages = list(self.store.branch_through(message_id))
        self._load_parameters()
        self._adopt_model()

    def _adopt_model(self) -> None:
        """A reopened conversation goes on with the model that answered last, thinking
        as it did (where the model lets it choose)."""
        for message in reversed(self.messages):
            if message.role == "assistant" and message.model:
                self.model = message.model
                if message.thinking is not None and model_traits(self.model).thinking == "toggle":
                    self.thinking = message.thinking
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
        self.messages = list(self.store.branch_through(ids[index]))
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
        self.messages = []
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

    def json_answer(self, model: str | None) -> bool:
        """Whether an answer of `model` in this conversation is asked for as a JSON
        object (JSON mode on, and the model takes it), so shown verbatim. The
        conversation's parameters say it, not the message record: the schema's next
        step waits on SQLite's trigram (migration 6), and JSON mode is set per
        conversation."""
        return ChatRequest.with_parameters(model or self.model, [], self.parameters).json_mode_sent

    @property
    def thinks(self) -> bool:
        return model_traits(self.model).thinks(self.thinking)

    @property
    def remaining_credits(self) -> str | None:
        """What the provider last said is left on the account (Segmind's
        `x-remaining-credits`), as it said it; None when it does not say."""
        return self.client.remaining_credits if self.client is not None else None

    # --- the context window (window.py) --------------------------------------------------

    @property
    def context_size(self) -> int | None:
        """The profile's window (None: the model table's)."""
        return self.window.size

    @context_size.setter
    def context_size(self, value: int | None) -> None:
        self.window.size = value

    @property
    def omitted_turns(self) -> int:
        return self.window.omitted_turns

    def omit_oldest_turns(self, turns: int) -> None:
        """Leave the `turns` oldest turns out of this conversation's requests from now
        on, saved with its parameters as the last message left out: reopened, it is
        sent the same; a branch that does not go through it is sent whole."""
        through = self.window.last_left_out(turns)
        row = through.id if isinstance(through, Message) else None
        self.window.through_entry = through if row is None else None
        self.set_parameters(replace(self.parameters, left_out_through=row))

    def first_sent(self) -> int:
        """Where requests start in the history (0: all of it is sent)."""
        return self.window.first_sent()

    def next_request(
        self,
        draft: str = "",
        attachments: Sequence[Attachment] = (),
        *,
        omitted: int | None = None,
    ) -> NextRequest:
        """The next request as it will be sent with `draft` (and its files) as the
        question: the body, its gauge, the turns left out (window.py). What the
        screen shows of the conversation's state it reads here."""
        return self.window.next_request(draft, attachments, omitted=omitted)

    def next_messages(self, draft: str = "", *, omitted: int | None = None) -> list[dict]:
        return self.window.next_messages(draft, omitted=omitted)

    def gauge(self, draft: str = "") -> Gauge:
        return self.window.gauge(draft)

    def turns_to_omit(self, draft: str = "") -> int | None:
        return self.window.turns_to_omit(draft)

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
        return TitleReply(
            clean_title(valid_text(reply.content or "")),
            reply.usage,
            self._cost(reply.model or self.model, reply.usage),
            self.currency,
        )

    # --- one turn --------------------------------------------------------------------

    def send(self, text: str, attachments: Sequence[Attachment] = ()) -> Reply:
        """Send `text` (with `attachments`, as fenced blocks after it) as the user's
        next message: the answer's `Reply`, to iterate for its events. The question is
        saved when iteration starts, the answer as it streams and at the end (stopped
        early — Esc, ctrl+c — it is saved as STOPPED). `ValueError` now when the
        request could not be sent as it is (JSON mode's rule)."""
        text = valid_text(text)
        problem = self.json_mode_problem(text)
        if problem:
            raise ValueError(problem)  # said before anything is saved or sent
        attached = tuple(attachments)

        async def events(reply: Reply) -> AsyncIterator[TurnEvent]:
            self._close_interrupted_calls()
            user = self._persist_user(text, self._last_id(), attached)
            self.messages.append(user)
            reply.messages.append(user)
            self._save_parameters()
            # aclosing: when our consumer stops early, the inner stream is closed
            # now, in this task, not later by the garbage collector.
            async with contextlib.aclosing(self._answer(reply)) as answer:
                async for event in answer:
                    yield event

        return self._reply(events)

    def regenerate(self) -> Reply:
        """Answer the last user message again (e.g. after an error): what followed it
        leaves the history (it stays in the store: the answer becomes a sibling)."""
        if not any(message.role == "user" for message in self.messages):
            raise ValueError("There is no question to answer again.")

        async def events(reply: Reply) -> AsyncIterator[TurnEvent]:
            while self.messages[-1].role != "user":
                self.messages.pop()
            async with contextlib.aclosing(self._answer(reply)) as answer:
                async for event in answer:
                    yield event

        return self._reply(events)

    @property
    def can_continue(self) -> bool:
        """The last answer was cut short and has text to continue from (continued in
        place). A turn that stopped among tool calls goes on too (`tool_turn_open`:
        `continue_answer` asks the model again, a new answer), which a front end
        offers as its own step (the chat's is issue 21)."""
        last = self.messages[-1] if self.messages else None
        if last is None or last.role != "assistant" or not last.content:
            return False
        if isinstance(last, Message) and last.unfinished:
            return True
        reason = FinishReason.parse(last.finish_reason or "")
        return isinstance(reason, FinishReason) and reason.cut_short

    def continue_answer(self) -> Reply:
        """Continue the last, cut-short answer in place (DeepSeek's chat prefix
        completion, under `/beta`): the model carries on from where it stopped. The
        reply starts with the text it continues."""
        if self.tool_turn_open:
            return self._go_on_with_tools()
        if not self.can_continue:
            raise ValueError("The last answer is complete: there is nothing to continue.")
        if not self.supports_prefix:
            raise ValueError(errors.NO_CONTINUE)  # said before anything is sent
        last = self.messages[-1]
        model = last.model or self.model
        reasoning, cut = last.reasoning or "", getattr(last, "reasoning_cut", 0)
        if self._kept_in_memory(last) and isinstance(last, Message):
            holds, past = self._behind.get(last.id, (0, ""))
            if past:  # its row lacks this, and the message holds only the head
                reasoning, cut = reasoning + past, holds - len(reasoning)

        async def events(reply: Reply) -> AsyncIterator[TurnEvent]:
            self.messages.pop()
            row = last if isinstance(last, Message) else None
            request = replace(self.request(), model=model, prefix=last.content)
            async with contextlib.aclosing(self._answer(reply, request, row)) as answer:
                async for event in answer:
                    yield event

        return self._reply(
            events,
            model=model,
            content=last.content,
            reasoning=reasoning,
            reasoning_cut=cut,
        )

    def saved_messages(self) -> list[Message]:
        """The branch's saved messages, each reasoning whole: one held cut in memory
        (`Message.reasoning_cut`: past 8M characters) is read back from its row, with
        what a failed save left out of it (an export writes it all)."""
        whole: list[Message] = []
        for message in self.messages:
            if not isinstance(message, Message):
                continue
            if message.reasoning_cut and self.store is not None:
                row = self.store.get_message(message.id)
                if row is not None:
                    past = self._behind.get(message.id, (0, ""))[1]
                    message = replace(message, reasoning=(row.reasoning or "") + past)
                    message = replace(message, reasoning_cut=0)
            whole.append(message)
        return whole

    @property
    def tool_turn_open(self) -> bool:
        """The history ends among tool calls: a result (the turn stopped, or used its
        rounds) or a tool-call answer whose calls never ended (the app was killed)."""
        last = self.messages[-1] if self.messages else None
        if last is None:
            return False
        if last.role == "tool":
            return True
        return last.role == "assistant" and bool(last.tool_calls)

    def _go_on_with_tools(self) -> Reply:
        """Ask the model again with the results there are (a new answer, no prefix)."""

        async def events(reply: Reply) -> AsyncIterator[TurnEvent]:
            self._close_interrupted_calls()
            async with contextlib.aclosing(self._answer(reply)) as answer:
                async for event in answer:
                    yield event

        return self._reply(events)

    def _close_interrupted_calls(self) -> None:
        """Calls that never ended (the app was killed during one) get the result the
        wire would generate for them, saved now: the history and the store agree,
        and every later request carries the same bytes."""
        for call in unanswered_calls(self.messages):
            info = self.tools.find(call.name) if self.tools is not None else None
            self.messages.append(self._add_message(interrupted_result(call, info)))

    def _add_message(self, message: MessageDraft) -> Message | MessageDraft:
        """Save `message` after the history's last (a tool result); kept in memory
        when it cannot be (saved at the next send), as without a store."""
        if self.store is None or self.conversation is None:
            return message
        try:
            self._save_again_if_gone()
            self._save_pending()
            assert self.conversation is not None
            return self.store.add_message(self.conversation.id, message, parent_id=self._last_id())
        except (StoreError, OSError) as error:
            self._store_failed(error)
            return message

    def rewind_last_question(self) -> str | None:
        """Drop the last question and what followed from the history (they stay in
        the store: the next send becomes a sibling branch). Returns its text."""
        for index in range(len(self.messages) - 1, -1, -1):
            if self.messages[index].role == "user":
                text = self.messages[index].content
                del self.messages[index:]
                return text
        return None

    def _reply(
        self,
        events: Callable[[Reply], AsyncIterator[TurnEvent]],
        *,
        model: str | None = None,
        content: str = "",
        reasoning: str = "",
        reasoning_cut: int = 0,
    ) -> Reply:
        return Reply(
            events,
            model=model or self.model,
            thinking=self.thinks,
            json_mode=self.json_answer(model or self.model),
            currency=self.currency,
            started=self.clock(),
            content=content,
            reasoning=reasoning,
            reasoning_cut=reasoning_cut,
        )

    def request(self) -> ChatRequest:
        """The request for the history as it is (`next_request`'s: the turns left out,
        left out)."""
        return self.window.next_request().request

    def request_for(self, messages: list[dict]) -> ChatRequest:
        """A request of `messages` with this conversation's model and parameters."""
        more: dict[str, object] = {}
        tools = self.offered_tools(say=False)
        off = self.parameters.tools_off
        if tools is not None and (
            specs := tuple(s for s in tools.specs() if s["function"]["name"] not in off)
        ):
            more["tools"] = specs
        return ChatRequest.with_parameters(
            self.model,
            messages,
            self.parameters,
            thinking=self.thinking,
            temperature=self.temperature,
            top_p=self.top_p,
            **more,
        )

    @property
    def tools_off(self) -> tuple[str, ...]:
        """The tools this conversation does not offer (the tools panel's off)."""
        return self.parameters.tools_off

    def set_tool_on(self, wire_name: str, on: bool) -> str:
        """Offer the tool in this conversation's requests from now on, or not; saved
        with the conversation. Returns the sentence to show."""
        off = [name for name in self.parameters.tools_off if name != wire_name]
        if not on:
            off.append(wire_name)
        self.set_parameters(replace(self.parameters, tools_off=tuple(off)))
        state = "offered to the model" if on else "not offered"
        return f"{wire_name}: {state} in this conversation from the next message on."

    def offered_tools(self, *, say: bool = True) -> ToolBox | None:
        """The tool box whose tools requests offer: none where the provider does not
        pass tools on (Segmind), which is said once (`take_notice`)."""
        if self.tools is None:
            return None
        if not getattr(self.client, "supports_tools", True):
            if say and not self._said_no_tools:
                self._said_no_tools = True
                self.notice = TOOLS_OFF
            return None
        return self.tools

    async def _answer(
        self, reply: Reply, request: ChatRequest | None = None, row: Message | None = None
    ) -> AsyncIterator[TurnEvent]:
        """The turn: the answer and, while it asks for tools, their calls and the next
        answer (session/tools.py `ToolTurn`)."""
        turn = ToolTurn(self, reply)
        async with contextlib.aclosing(turn.run(request, row)) as events:
            async for event in events:
                yield event

    async def _round(
        self, reply: Reply, request: ChatRequest | None = None, row: Message | None = None
    ) -> AsyncIterator[StreamEvent]:
        """Stream one answer into `reply`, saving it (`row`: the row of a continued
        answer). A failure ends the events (`reply.error` says); the answer is saved
        however it ended, before a cancellation goes on."""
        request = request or self.request()
        if self.client is None:
            raise RuntimeError("Session.client must be set before sending")
        conversation_id = self.conversation.id if self.conversation is not None else None
        branch = self.messages  # the list the answer joins: replaced when another is opened
        # A continued answer whose final save failed: its row holds less than it says.
        behind = (
            self._behind.get(row.id)
            if row is not None and self._unsaved.get(row.id) is row
            else None
        )
        record = AnswerRecord(
            self.store,
            conversation_id,
            parent=self._last_id(),
            row=row,
            failed=self._store_failed,
            moved=lambda: self._moved(conversation_id),
            holds=behind[0] if behind is not None else None,
        )
        saved_at = 0.0
        outcome: FinishReason | str = FinishReason.STOPPED
        stream = self.client.stream_chat(request)
        try:
            async for event in stream:
                if isinstance(event, ReasoningDelta | ContentDelta):
                    event = _valid_delta(event)
                if isinstance(event, ReasoningDelta):
                    reply.add(event)
                elif isinstance(event, ContentDelta):
                    if reply.reasoning_seconds is None and reply.has_reasoning:
                        reply.reasoning_seconds = self.clock() - reply.started
                    reply.add(event)
                elif isinstance(event, Usage):
                    reply.usage = event
                    if event.prompt_tokens:
                        self.window.learn(request, event.prompt_tokens)
                elif isinstance(event, ToolCalls):
                    reply.tool_calls = event.calls
                elif isinstance(event, Finished):
                    reply.finish_reason = event.reason
                    outcome = event.reason
                if isinstance(event, ReasoningDelta | ContentDelta):
                    if record.row is None:
                        record.create(reply)
                        saved_at = self.clock()
                    elif (
                        self.clock() - saved_at >= self.save_interval or record.behind(reply)
                    ) and record.save(reply):
                        saved_at = self.clock()
                yield event
        except errors.ApiError as error:
            # A server may echo the key in its error: masked before it is shown or saved.
            error.hide(getattr(self.client, "api_key", None))
            reply.error = error
            counted = prompt_tokens_from_error(str(error))
            if counted:
                self.window.learn(request, counted)
            window = window_from_error(str(error))
            if window:
                self.window.refused(request.model, window)
            outcome = (
                FinishReason.INTERRUPTED
                if isinstance(error, errors.StreamInterrupted | errors.StallTimeout)
                else FinishReason.ERROR
            )
        except (asyncio.CancelledError, GeneratorExit):
            outcome = FinishReason.STOPPED
            raise
        finally:
            await stream.aclose()
            if reply.reasoning_seconds is None and reply.has_reasoning:
                reply.reasoning_seconds = self.clock() - reply.started
            reply.finish_reason = outcome
            await self._finish(reply, record, branch)

    # --- persistence -------------------------------------------------------------------

    def _last_id(self) -> int | None:
        last = self.messages[-1] if self.messages else None
        return last.id if isinstance(last, Message) else None

    def _save_pending(self) -> None:
        """Save what a failed write kept in memory, in order, chained by parent."""
        if self.store is None:
            return
        if not any(self._kept_in_memory(m) for m in self.messages):
            return
        parent: int | None = None
        for index, message in enumerate(self.messages):
            saved = self._save_kept(message, parent) if self._kept_in_memory(message) else message
            assert isinstance(saved, Message)
            self.messages[index] = saved
            parent = saved.id
        self._unsaved.clear()  # any left are of another branch or conversation: dropped
        self._behind.clear()
        self.store_error = None

    def _kept_in_memory(self, message: Message | MessageDraft) -> bool:
        if isinstance(message, MessageDraft):
            return True
        return self._unsaved.get(message.id) is message

    def _save_kept(self, message: Message | MessageDraft, parent: int | None) -> Message:
        assert self.store is not None
        if isinstance(message, Message):  # its row is there, behind
            # A reasoning held cut is not written whole: what the row lacks is added.
            _, past = self._behind.get(message.id, (0, ""))
            cut = message.reasoning_cut
            saved = update(
                self.store,
                message.id,
                MessageUpdate.from_message(message),
                reasoning_added=past,
                reasoning=message.reasoning if cut else None,
                reasoning_cut=cut,
            )
            self._behind.pop(message.id, None)
            if saved is not None:
                return saved
            message = as_draft(message)  # its row is gone meanwhile: added again
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
            self._save_again_if_gone()
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

    def _cost(self, model: str, usage: Usage | None) -> float | None:
        """What `usage` of `model` cost, in `currency`; None when its price is unknown."""
        price = price_for(model, self.prices, builtin=self.builtin_prices)
        if usage is None or price is None:
            return None
        return cost(usage, price, peak=self.peak_pricing and is_peak(datetime.now(UTC)))

    async def _finish(
        self, reply: Reply, record: AnswerRecord, branch: list[Message | MessageDraft]
    ) -> None:
        reply.cost = self._cost(reply.model, reply.usage)
        final = MessageUpdate(
            content=reply.content,
            reasoning=reply.reasoning or None,
            finish_reason=reply.finish_reason or FinishReason.STOPPED,
            usage=reply.usage,
            cost=reply.cost,
            error=str(reply.error) if reply.error else None,
            reasoning_seconds=reply.reasoning_seconds,
            # Calls only of an answer that ended to make them: one cut or stopped
            # before its finish asked for nothing that must be answered.
            tool_calls=reply.tool_calls if reply.finish_reason == FinishReason.TOOL_CALLS else None,
        )
        message, cancelled = await record.finish(reply, final)
        if message is not None:
            self._unsaved.pop(message.id, None)
            self._behind.pop(message.id, None)
        elif record.row is not None:  # kept in memory, the row behind: saved at the next send
            kept = replace(record.row.updated(final), reasoning_cut=reply.reasoning_past)
            message = self._unsaved[record.row.id] = kept
            self._behind[record.row.id] = record.unsaved(reply)
        else:
            message = draft(reply).updated(final)
        reply.message = message
        if branch is not self.messages:
            # Another conversation (or branch) was opened while this one stopped: the
            # answer is saved in its own; the one on screen does not take it.
            if cancelled:
                raise asyncio.CancelledError
            return
        self.messages.append(message)
        # Deleted elsewhere while it streamed: saved again (or brought back).
        if self._moved(record.conversation_id) is not None:
            message = self.messages[-1]
        reply.message = message
        reply.messages.append(message)
        if cancelled:
            raise asyncio.CancelledError  # after the answer is kept: the next send's parent

    def take_notice(self) -> str | None:
        """What to say once (the conversation was saved again), then None."""
        notice, self.notice = self.notice, None
        return notice

    def _moved(self, conversation_id: str | None) -> tuple[str, int | None] | None:
        """When the conversation `conversation_id`, still the one open, was deleted
        elsewhere: keep it (`_save_again_if_gone`); where the next message goes when
        it was written again (the conversation and its last message), else None."""
        conversation = self.conversation
        if conversation is None or conversation.id != conversation_id:
            return None
        try:
            if not self._save_again_if_gone():
                return None
        except (StoreError, OSError) as error:
            self._store_failed(error)
            return None
        assert self.conversation is not None
        return self.conversation.id, self._last_id()

    def _save_again_if_gone(self) -> bool:
        """Another process (a second window, `history delete`) deleted the open
        conversation: keep it, and say so once. Deleted for good, it is written again,
        whole, as this session has it (the branch it shows, what it kept in memory
        included), in one transaction and under the same id: every later save would
        go to rows that are not there. Only hidden (the other window can still undo),
        it is shown again, so that window's quit leaves it (`History.close` deletes
        what is still hidden). This process's own delete stays (`Store.hidden`).
        True when it was written again."""
        store, conversation = self.store, self.conversation
        if store is None or conversation is None or store.read_only:
            return False
        found = store.get_conversation(conversation.id)
        if found is not None:
            if found.archived and conversation.id not in store.hidden:
                store.set_archived(conversation.id, False)
                self.notice = DELETED_ELSEWHERE
            return False
        drafts = tuple(as_draft(message) for message in self.messages)
        if not drafts:  # nothing of it here either: the next send starts a new one
            self.conversation = None
            return False
        self.conversation = store.insert_conversation(
            NewConversation(
                conversation.title,
                conversation.created_at,
                now_iso(),
                drafts,
                id=conversation.id,
            )
        )
        # In place: the view holds this list (`MessageWindow.show`).
        self.messages[:] = store.messages(self.conversation.id)
        self._unsaved.clear()
        self._behind.clear()
        self._saved_parameters = None
        self._save_parameters()
        self.notice = DELETED_ELSEWHERE
        return True

    def _store_failed(self, error: BaseException) -> None:
        # The conversation stays in memory; the UI shows this sentence.
        self.store_error = f"Could not save to the history database: {str(error).rstrip('.')}."


def as_draft(message: Message | MessageDraft) -> MessageDraft:
    """The message without its row, its time kept: to be written again."""
    if isinstance(message, MessageDraft):
        return message
    said = {field: getattr(message, field) for field in MessageFields.__dataclass_fields__}
    return MessageDraft(**said, created_at=message.created_at)


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
