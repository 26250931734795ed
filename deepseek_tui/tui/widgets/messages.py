"""The widget of an answer: its reasoning and, when the model used tools, each call's
row and the answers that followed (one widget for the turn: the rounds after a call
show as the answer going on). The question's widget is question.py's `UserMessage`."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from deepseek_tui.api.events import (
    FinishReason,
    Usage,
    Waiting,
    thought_label,
)
from deepseek_tui.terminal import sanitize
from deepseek_tui.tools.events import RoundStarted
from deepseek_tui.tui.batching import DeltaBatcher
from deepseek_tui.tui.widgets import spinner
from deepseek_tui.tui.widgets.answer_status import status_line
from deepseek_tui.tui.widgets.markdown import MarkdownView
from deepseek_tui.tui.widgets.reasoning import ReasoningPanel
from deepseek_tui.tui.widgets.tool_rounds import CallRows
from deepseek_tui.tui.widgets.waiting import WaitingLine

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.widget import Widget

    from deepseek_tui.session import Reply
    from deepseek_tui.tui.widgets.tool_call import ToolCallView


class AssistantMessage(Vertical):
    """An answer: model badge, reasoning panel (`ReasoningPanel`), the Markdown answer,
    the waiting line (`WaitingLine`) before its first token, how it ended.

    Streaming, it shows a `Reply`'s events and reads the text from the reply (the
    answer's one buffer); it posts `Started` at the first event and one `Finished`
    however the answer ended (done, failed, stopped)."""

    class Started(Message):
        """The first event of `reply` arrived: the question is saved by now."""

        def __init__(self, reply: Reply) -> None:
            super().__init__()
            self.reply = reply

    class Finished(Message):
        """`reply` ended and is saved; `stopped` when it was stopped (Esc, quitting)."""

        def __init__(self, answer: AssistantMessage, reply: Reply, *, stopped: bool) -> None:
            super().__init__()
            self.answer = answer
            self.reply = reply
            self.stopped = stopped

        @property
        def control(self) -> AssistantMessage:
            return self.answer

    DEFAULT_CSS = """
    AssistantMessage {
        height: auto;
        margin: 1 0 0 0;
        padding: 0 0;
        &.-continues { margin: 0; }  /* the answer after a tool call's result */
        & > .badge {
            color: $accent;
            padding: 0 1;
            text-wrap: nowrap;  /* a long gateway id ends in "…" rather than wrapping */
            text-overflow: ellipsis;
        }
        & > .reasoning {
            margin: 0 0 1 1;  /* a gap before the answer, open or closed */
            padding: 0;
            border: none;
            border-left: thick $secondary 50%;
            background: $surface;
        }
        & > .reasoning > Contents {
            padding: 0 0 0 1;  /* Collapsible's own 1 3 made a blank line and an indent */
        }
        & .reasoning-text {
            color: $text-muted;
            text-style: italic;
            padding: 0 1;
        }
        & > .answer {
            margin: 0;
            padding: 0 1 1 1;
        }
        & > .meta {
            padding: 0 1;
            color: $text-muted;
        }
        & > .waiting {
            padding: 0 1;
            color: $text-muted;
        }
        /* The app's notice, not the model's words: boxed, titled, in the error colour. */
        & > .error {
            margin: 0 1;
            padding: 0 1;
            border: round $error;
            border-title-color: $error;
            border-title-style: bold;
        }
    }
    """

    status: reactive[str] = reactive("")

    def __init__(
        self,
        *,
        model: str,
        content: str = "",
        reasoning: str = "",
        finished: bool = False,
        reasoning_expanded: bool = False,
        status: str = "",
        branch: str = "",
        reasoning_tokens: int = 0,
        reasoning_seconds: float | None = None,
        error: str = "",
        json_mode: bool = False,
        tool_rows: Sequence[ToolCallView] = (),
        continues: bool = False,
    ) -> None:
        """`tool_rows`: a saved answer's calls; `continues`: the answer after a tool
        call's result (shown as the same answer going on: no model name, no gap)."""
        super().__init__(classes="assistant-message")
        self.set_class(continues, "-continues")
        self.continues = continues
        self._tool_rows = list(tool_rows)
        self.calls = CallRows(self._mount_row)
        # A JSON-mode answer is shown verbatim, as a JSON code block (verbatim.py).
        self.json_mode = json_mode
        self.error = error  # why the request failed, as the client said it
        self.model = model
        # A finished answer's text; a streaming one reads its reply's (`stream`).
        self._content = content
        self._reasoning = reasoning
        self._reply: Reply | None = None
        self.finished = finished
        self.reasoning_expanded = reasoning_expanded
        self.branch = branch
        self._reasoning_title = thought_label(reasoning_seconds, reasoning_tokens)
        self.started = spinner.clock()
        self._answer_started = bool(content)
        self._round_usage: Usage | None = None  # the answer's usage, while it streams
        self.set_reactive(AssistantMessage.status, status)

    @property
    def content(self) -> str:
        return self._content if self._reply is None else self._reply.content

    @property
    def reasoning(self) -> str:
        return self._reasoning if self._reply is None else self._reply.reasoning

    @property
    def _thought(self) -> bool:
        """Whether there is reasoning, without joining it (200 MB would be copied)."""
        return bool(self._reasoning) if self._reply is None else self._reply.has_reasoning

    def compose(self) -> ComposeResult:
        badge = Static(self._badge(), classes="badge")
        badge.display = self._speaks and not self.continues
        yield badge
        # Live ("Thinking…", open) only while a new answer has not started; a stored
        # or continued answer shows its reasoning as a closed panel.
        live = not self.finished and not self._answer_started
        panel = ReasoningPanel(
            self.reasoning,
            label=self._reasoning_title,
            live=live,
            expanded=self.reasoning_expanded,
            started=self.started,
        )
        panel.display = self._thought or live
        self._panel = panel
        yield panel
        if self.json_mode:
            from deepseek_tui.tui.widgets.verbatim import VerbatimView

            answer: MarkdownView = VerbatimView(self.content, classes="answer")
        else:
            answer = MarkdownView(self.content, classes="answer")
        answer.display = bool(self.content)  # no empty line under a failed answer
        self._answer = answer
        yield answer
        yield from self._tool_rows
        yield WaitingLine(started=self.started)
        if self.error:
            yield self._notice()
        yield Static("", classes="meta")

    @property
    def _speaks(self) -> bool:
        """Whether anything is shown under the model's name: a failure before the
        first token is the app's notice alone."""
        return not self.error or bool(self.content or self._thought or self.branch)

    def _notice(self) -> Static:
        notice = Static(Text(sanitize(self.error)), classes="error")
        notice.border_title = "request failed" if not self.content else "answer cut short"
        return notice

    def _badge(self) -> Text:
        badge = Text(sanitize(self.model, name=True), style="bold")
        if self.branch:
            badge.append(f"  {self.branch}  ←/→ in an empty composer", style="dim")
        return badge

    def set_branch(self, branch: str) -> None:
        self.branch = branch
        badge = self.query_one(".badge", Static)
        badge.update(self._badge())
        badge.display = self._speaks

    def on_mount(self) -> None:
        if not self.children:  # removed before its parts were mounted (shown twice)
            return
        if not self.finished and not self._thought:
            self.panel.display = False
        self._show_status()

    @property
    def panel(self) -> ReasoningPanel:
        """The reasoning panel of the answer streaming now (a turn's last)."""
        return self._panel

    @property
    def waiting(self) -> WaitingLine:
        return self.query_one(".waiting", WaitingLine)

    async def add_reasoning(self, text: str) -> None:
        self.waiting.stop()
        await self.panel.write(text)

    async def add_content(self, text: str) -> None:
        self.waiting.stop()
        self.panel.stop()
        if not self._answer_started:
            self._answer_started = True
            self._answer.display = True
            if self._thought:
                self.panel.answer_started(
                    self._reply.reasoning_seconds if self._reply is not None else None
                )
        await self._answer.write(text)

    async def stream(self, reply: Reply) -> None:
        """Show `reply` as its events arrive, then how it ended, and post `Finished`.
        Cancelled (Esc), it keeps what arrived and is marked stopped."""
        self._reply = reply
        batcher = DeltaBatcher(self.add_reasoning, self.add_content)
        # The batcher hands text on when the next delta comes; when none comes for a
        # while (a stall, keep-alives only), a timer hands on what is waiting.
        timer = self.set_interval(batcher.interval, batcher.hand_on_stalled)
        started = False
        try:
            async with contextlib.aclosing(reply):
                async for event in reply:
                    if not started:
                        started = True
                        self.post_message(self.Started(reply))
                    if isinstance(event, Waiting):
                        self.waiting.show(event)
                        continue
                    if isinstance(event, Usage):
                        self._round_usage = event
                    async with batcher.handing_on:
                        if isinstance(event, RoundStarted):
                            await batcher.flush()
                            await self._next_round()
                        elif not await self._tool_event(event, batcher):
                            await batcher.add(event)
        except asyncio.CancelledError:
            timer.stop()
            async with batcher.handing_on:
                await batcher.flush()
            self.calls.stop_waiting()
            await self.finish(usage=reply.turn_usage, reason=FinishReason.STOPPED)
            if self.calls.stopped:  # among its tool calls: ^f goes on from their results
                self.status = "stopped among tool calls · ^f asks the model with the results"
            self.post_message(self.Finished(self, reply, stopped=True))
            raise
        finally:
            timer.stop()
        async with batcher.handing_on:
            await batcher.flush()
        await self.finish(
            usage=reply.turn_usage,  # the line under the turn: all its answers'
            reason=reply.finish_reason,
            error=str(reply.error) if reply.error is not None else "",
            cost=reply.turn_cost,
            seconds=reply.reasoning_seconds,
            currency=reply.currency,
        )
        if reply.tools_stopped:  # the turn used its rounds of tool calls
            rounds = "1 round" if reply.rounds == 1 else f"{reply.rounds} rounds"
            self.status = f"stopped after {rounds} of tool calls (tool_rounds) · ^f goes on"
        self.post_message(self.Finished(self, reply, stopped=False))

    # --- tool calls ------------------------------------------------------------------

    async def _tool_event(self, event: object, batcher: DeltaBatcher) -> bool:
        """A tool event shown in order with the text before it; False if not one."""
        if not self.calls.handles(event):
            return False
        await batcher.flush()
        self.waiting.stop()
        await self.calls.show(event)
        return True

    async def _mount_row(self, row: Widget) -> None:
        await self.mount(row, before=self.waiting)

    async def _next_round(self) -> None:
        """The model is asked again with the results: the last answer's reasoning and
        text are done, a new pair follows the calls' rows."""
        usage, self._round_usage = self._round_usage, None
        tokens = usage.reasoning_tokens if usage else 0
        await self._panel.finish(thought=self._panel_has_text(), seconds=None, tokens=tokens)
        await self._answer.finish()
        self.started = spinner.clock()
        self._answer_started = False
        panel = ReasoningPanel(
            "", label="", live=True, expanded=self.reasoning_expanded, started=self.started
        )
        panel.display = False
        answer = type(self._answer)("", classes="answer")
        answer.display = False
        await self.mount(panel, answer, before=self.waiting)
        self._panel, self._answer = panel, answer

    def _panel_has_text(self) -> bool:
        return self._panel.display

    async def finish(
        self,
        *,
        usage: Usage | None,
        reason: str | None,
        error: str = "",
        cost: float | None = None,
        seconds: float | None = None,
        currency: str = "USD",
    ) -> None:
        """How the answer ended. `seconds`: how long the model thought (the session's
        measure, which is what is saved, so the label reads the same when reopened)."""
        self.finished = True
        self.waiting.stop()
        last = self._round_usage or usage  # the panel's: its own answer's
        tokens = last.reasoning_tokens if last else 0
        await self.panel.finish(thought=self._thought, seconds=seconds, tokens=tokens)
        await self._answer.finish()
        # The notice says what went wrong; the line under it the key that helps, as
        # it does when the conversation is opened again.
        self.status = status_line(
            reason,
            usage,
            cost,
            continuable=bool(self.content.strip()),
            error=error,
            currency=currency,
        )
        if error:
            self.error = error
            await self.mount(self._notice(), before=self.query_one(".meta"))
            self.query_one(".badge").display = self._speaks

    def watch_status(self) -> None:
        if self.is_mounted:
            self._show_status()

    def _show_status(self) -> None:
        found = self.query(".meta").results(Static)
        meta = next(found, None)
        if meta is None:  # being removed: a conversation shown again in the meantime
            return
        meta.update(Text(self.status))  # $text-muted already: "dim" on top fell below AA
        meta.display = bool(self.status)
