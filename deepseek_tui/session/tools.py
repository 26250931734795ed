"""The tool loop of one turn (issue 20): answer → the calls it asks for → approval →
run → each result saved → the next request, at most `rounds` times, all inside the one
`Reply` the front end iterates.

The events it adds to the wire's are defined in `tools/events.py`, below the engine,
so that widgets (the TUI's tool rows) tell them apart without importing it;
`ask --show-tools` reads them too. What the model is told about a call it could not
have — an unknown tool, arguments that are not JSON, a denial, a stop — is a `tool`
message like any result, so the history stays valid on the wire and reads the same
when the conversation is reopened (`ToolRun.status` says how each call ended).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from deepseek_tui.api.events import FinishReason, ToolCall
from deepseek_tui.api.request import INTERRUPTED_RESULT
from deepseek_tui.messages import Message, MessageDraft, ToolRun
from deepseek_tui.tools.events import (
    RoundStarted,
    ToolCallDone,
    ToolCallRunning,
    ToolCallWaiting,
)

if TYPE_CHECKING:
    from deepseek_tui.api.request import ChatRequest
    from deepseek_tui.session.engine import Session
    from deepseek_tui.session.reply import Reply

# What the model is sent for a call that did not run, or did not end (a call killed
# midway: the words `build_messages` would generate for it).
INTERRUPTED = INTERRUPTED_RESULT
STOPPED = "The user stopped this call before it returned a result."
NOT_RUN_STOPPED = "Not run: the user stopped the turn before this call."
DENIED = "The user denied this call; it was not run."
NOT_ASKED = (
    "Not run: this tool needs the user's approval, and there was no one to ask; "
    "answer without it or say what you would have done."
)
UNKNOWN_TOOL = "Error: there is no tool named {name}; nothing was run."
NOT_JSON = (
    "Error: the arguments are not valid JSON ({reason}); nothing was run. Call the "
    "tool again with its arguments as one JSON object."
)
NOT_AN_OBJECT = "Error: the arguments must be one JSON object, not {kind}; nothing was run."
CUT = "\n\n[Cut: the result is {size}; the first {limit} KB are shown here.]"
# Said on the reply (`Reply.tools_stopped`) when a turn used its rounds.
ROUNDS_USED = (
    "Stopped after {rounds} rounds of tool calls (tool_rounds in config.toml); "
    "continue to let the model go on."
)
# A turn answered with no tool box: rounds and output limit as the config's defaults.
DEFAULT_ROUNDS = 8
DEFAULT_OUTPUT_LIMIT_KB = 64

Decision = str  # "allow" | "always" | "deny" | "stop"
Approve = Callable[[Any, ToolCall], Awaitable[Decision]]


# --- the history ----------------------------------------------------------------------


def unanswered_calls(history: Sequence[Message | MessageDraft]) -> tuple[ToolCall, ...]:
    """The calls of the history's last tool-call answer that have no result after it
    (the app was killed during a call): shown as interrupted, and given a result
    saying so before the next request."""
    answered: set[str] = set()
    for message in reversed(history):
        if message.role == "tool":
            if message.tool_call_id is not None:
                answered.add(message.tool_call_id)
            continue
        if message.role == "assistant" and message.tool_calls:
            return tuple(call for call in message.tool_calls if call.id not in answered)
        return ()
    return ()


def interrupted_result(call: ToolCall, info: Any = None) -> MessageDraft:
    """The result a call that never ended is given (the wire's own words for it)."""
    return _result(call, info, "interrupted", INTERRUPTED)


def _result(
    call: ToolCall,
    info: Any,
    status: str,
    sent: str,
    *,
    output: str | None = None,
    seconds: float | None = None,
    cut: bool = False,
) -> MessageDraft:
    run = ToolRun(
        server=getattr(info, "server", None),
        tool=getattr(info, "tool", call.name),
        status=status,
        output=sent if output is None else output,
        seconds=seconds,
        cut=cut,
        arguments=call.arguments,
    )
    return MessageDraft("tool", sent, tool_call_id=call.id, tool=run)


def capped(text: str, limit_kb: int) -> tuple[str, bool]:
    """What the model is sent of a result: at most `limit_kb` KB of UTF-8 (cut at a
    character), the cut said; and whether it was cut."""
    limit = max(limit_kb, 1) * 1024
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text, False
    head = data[:limit].decode("utf-8", "ignore")
    return head + CUT.format(size=_size(len(data)), limit=limit_kb), True


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    return f"{count / 1024:.0f} KB"


def _arguments(call: ToolCall) -> dict[str, Any] | str:
    """The call's arguments as an object, or what the model is told is wrong."""
    text = call.arguments.strip()
    if not text:
        return {}  # a tool without parameters: some models send nothing at all
    try:
        value = json.loads(text)
    except ValueError as error:
        return NOT_JSON.format(reason=str(error).split(":")[0])
    except RecursionError:
        return NOT_JSON.format(reason="nested too deeply")
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else type(value).__name__
        return NOT_AN_OBJECT.format(kind="null" if value is None else kind)
    return value


# --- the loop -------------------------------------------------------------------------


class ToolTurn:
    """One turn of `session`: its rounds, each call's approval, run and result."""

    def __init__(self, session: Session, reply: Reply) -> None:
        self.session = session
        self.reply = reply
        self.tools = session.offered_tools()
        # Without tools the model may still ask for some (a conversation that had them):
        # each is told there is no such tool, within the same limit.
        self.limit = getattr(self.tools, "rounds", DEFAULT_ROUNDS) if self.tools else DEFAULT_ROUNDS
        self.output_limit_kb = (
            getattr(self.tools, "output_limit_kb", DEFAULT_OUTPUT_LIMIT_KB)
            if self.tools
            else DEFAULT_OUTPUT_LIMIT_KB
        )

    async def run(self, request: ChatRequest | None, row: Message | None) -> AsyncIterator[Any]:
        """The turn's events: each round's wire events, then its calls' events."""
        session, reply = self.session, self.reply
        branch = session.messages
        rounds = 0
        while True:
            async with contextlib.aclosing(session._round(reply, request, row)) as answer:
                async for event in answer:
                    yield event
            calls = reply.tool_calls
            if reply.finish_reason != FinishReason.TOOL_CALLS or not calls or reply.error:
                return
            if session.messages is not branch:
                return  # another conversation was opened meanwhile
            rounds += 1
            stopped = False
            async with contextlib.aclosing(self._calls(calls)) as running:
                async for event in running:
                    if event is _STOP:
                        stopped = True
                        continue
                    yield event
            if stopped:
                reply.finish_reason = FinishReason.STOPPED
                return
            if rounds >= self.limit:
                reply.tools_stopped = ROUNDS_USED.format(rounds=rounds)
                return
            reply.next_round(session.clock())
            request, row = None, None
            yield RoundStarted(rounds + 1)

    async def _calls(self, calls: tuple[ToolCall, ...]) -> AsyncIterator[Any]:
        """Each call in order: approval, run, result saved. Cancelled (Esc, ctrl+c)
        or closed early, the call under way and those after it are saved as stopped
        before the cancellation goes on; "stop" ends the turn the same way."""
        pending = list(calls)
        current: ToolCall | None = None
        try:
            while pending:
                call = pending[0]
                current = call
                outcome: MessageDraft | None = None
                info = self._find(call)
                arguments = _arguments(call)
                if info is None:
                    outcome = _result(
                        call, None, "failed", UNKNOWN_TOOL.format(name=json.dumps(call.name))
                    )
                elif isinstance(arguments, str):
                    outcome = _result(call, info, "failed", arguments)
                elif not getattr(info, "auto_approved", False):
                    approve = self.session.approve
                    if approve is None:
                        outcome = _result(call, info, "denied", NOT_ASKED)
                    else:
                        yield ToolCallWaiting(call, info)
                        decision = await approve(info, call)
                        if decision == "always":
                            self._allow_always(call)
                        elif decision == "stop":
                            done = self._stop_all(call, info, pending[1:])
                            pending.clear()
                            current = None
                            for event in done:
                                yield event
                            yield _STOP
                            return
                        elif decision != "allow":
                            outcome = _result(call, info, "denied", DENIED)
                if outcome is None:
                    assert info is not None and not isinstance(arguments, str)
                    yield ToolCallRunning(call, info)
                    outcome = await self._run(call, info, arguments)
                pending.pop(0)
                current = None
                yield self._done(call, outcome)
        except (asyncio.CancelledError, GeneratorExit):
            # Saved now, on the loop: the history must hold a result for every call.
            for call in pending:
                info = self._find(call)
                if call is current:
                    self._save(_result(call, info, "stopped", STOPPED))
                else:
                    self._save(self._not_run(call))
            self.reply.finish_reason = FinishReason.STOPPED
            raise

    def _stop_all(self, call: ToolCall, info: Any, rest: list[ToolCall]) -> list[ToolCallDone]:
        """ "stop" at `call`'s approval: it and the calls after it saved as stopped, all
        before any is yielded (a close in between would save the rest a second time)."""
        done = [self._done(call, _result(call, info, "stopped", STOPPED))]
        return done + [self._done(later, self._not_run(later)) for later in rest]

    def _find(self, call: ToolCall) -> Any:
        """What the tool box knows of the tool `call` names; None when there is no such
        tool, or this conversation has it off (the model is told there is none)."""
        if self.tools is None or call.name in self.session.tools_off:
            return None
        return self.tools.find(call.name)

    def _not_run(self, call: ToolCall) -> MessageDraft:
        info = self._find(call)
        return _result(call, info, "stopped", NOT_RUN_STOPPED)

    async def _run(self, call: ToolCall, info: Any, arguments: dict[str, Any]) -> MessageDraft:
        assert self.tools is not None
        started = time.monotonic()
        outcome = await self.tools.call(call.name, arguments)
        seconds = getattr(outcome, "seconds", None)
        seconds = time.monotonic() - started if seconds is None else seconds
        text = outcome.text
        if outcome.is_error:
            reason = getattr(outcome, "reason", None)
            text = text or reason or "The tool failed without saying why."
            sent, cut = capped(f"Error: {text}", self.output_limit_kb)
            return _result(call, info, "failed", sent, output=text, seconds=seconds, cut=cut)
        sent, cut = capped(text, self.output_limit_kb)
        return _result(call, info, "done", sent, output=text, seconds=seconds, cut=cut)

    def _allow_always(self, call: ToolCall) -> None:
        if self.tools is None:
            return
        try:
            said = self.tools.allow_always(call.name)
        except OSError as error:  # config.toml could not be written: this call still runs
            said = f"Could not save the approval to config.toml: {error}."
        if said:
            self.session.notice = said

    def _done(self, call: ToolCall, result: MessageDraft) -> ToolCallDone:
        return ToolCallDone(call, self._save(result))

    def _save(self, result: MessageDraft) -> Message | MessageDraft:
        message = self.session._add_message(result)
        self.session.messages.append(message)
        self.reply.messages.append(message)
        return message


# The call loop's word to the turn that "stop" was chosen (never yielded further).
_STOP = object()
