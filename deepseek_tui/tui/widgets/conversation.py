"""The conversation view: the messages on screen, and the turn.

It owns sending, regenerating (^r), continuing a cut answer (^f), editing the last
question (↑, Esc cancels) and switching branches (←/→): it builds the widget for each
history entry, runs the reply worker and knows its answer widgets. The screen keeps
the keys and says when; the view posts nothing of its own: an answer's
`AssistantMessage.Started` and `Finished` bubble through it (it labels the branches
at `Finished`) to the screen, which updates the status line and asks for a title.

A widget may not import the engine (pyproject's import-linter contracts): the view is
given the session as a callable (the app makes it on first use), and `ready`, which
the screen makes open the history and connect before a request goes out. The paging
window it stands on is message_window.py's; the branches' labels and ←/→ are the part
`Branches`'s (branches.py), the garbage collector's pause during a turn the part
`TurnCollection`'s (tui/collector.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Literal

from textual.worker import Worker, WorkerState

from deepseek_tui.tui.collector import TurnCollection
from deepseek_tui.tui.widgets.branches import Branches
from deepseek_tui.tui.widgets.message_window import MessageWindow

if TYPE_CHECKING:
    from textual.widget import Widget

    from deepseek_tui.api.events import ToolCall
    from deepseek_tui.attachments import Attachment
    from deepseek_tui.messages import Message, MessageDraft
    from deepseek_tui.session import Session
    from deepseek_tui.tui.widgets.messages import AssistantMessage
    from deepseek_tui.tui.widgets.tool_call import Decision, ToolCallView

    Entry = Message | MessageDraft

Mode = Literal["send", "regenerate", "continue"]
EDITING = "An edit is under way: ⏎ sends it, esc cancels it."
_MESSAGES = frozenset({"user-message", "attached-question", "assistant-message", "tool-result"})


class ConversationView(MessageWindow["Entry"]):
    """The conversation on screen, oldest message at the top, and its turn."""

    def __init__(
        self,
        session: Callable[[], Session],
        *,
        ready: Callable[[], object],
        reasoning_expanded: Callable[[], bool],
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._session = session
        self._ready = ready
        self._expanded = reasoning_expanded
        self._reply: Worker[None] | None = None
        self._answer: AssistantMessage | None = None  # the answer streaming now
        # The garbage collector off while a turn streams (collector.py).
        self._collection = TurnCollection(self.call_after_refresh, lambda: self._answer is not None)
        # While ↑ edits an earlier question: the history as it was, for Esc.
        self._before_edit: list[Entry] | None = None
        # Where requests start in the history shown (0: all of it is sent).
        self._first_sent = 0
        self._branches = Branches(
            session, show=lambda focus_id: self.show_messages(focus_id), notify=self.notify
        )

    @property
    def session(self) -> Session:
        return self._session()

    @property
    def streaming(self) -> bool:
        return self._reply is not None and self._reply.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        )

    @property
    def editing(self) -> bool:
        """↑ took a question back and it is not sent or cancelled yet."""
        return self._before_edit is not None

    # --- showing ------------------------------------------------------------------------

    def show_messages(self, focus_id: int | None = None) -> None:
        """Show the session's history (with message `focus_id` at the top of the view);
        an edit under way is abandoned (another conversation or branch)."""
        from deepseek_tui.messages import Message

        self._before_edit = None
        history = self.session.messages
        self._first_sent = self.session.first_sent()
        focus = next(
            (i for i, m in enumerate(history) if isinstance(m, Message) and m.id == focus_id), None
        )
        self.show(history, focus)

    def mark_before(self, index: int) -> Widget | None:
        from deepseek_tui.tui.widgets.saved_entries import LeftOut

        if index and index == self._first_sent:
            return LeftOut(self.session.omitted_turns)
        return None

    def mark_left_out(self) -> None:
        """Put the left-out line where requests now start (turns were just left out),
        if that message is mounted; paging in brings it otherwise."""
        from deepseek_tui.tui.widgets.saved_entries import LeftOut

        for old in self.query_children(LeftOut):
            old.remove()
        self._first_sent = start = self.session.first_sent()
        if not start or start < self.first_shown:
            return
        shown = [
            child
            for child in self.children
            if _MESSAGES & child.classes and not child.has_class("-replaced")
        ]
        at = start - self.first_shown
        mark = LeftOut(self.session.omitted_turns)
        if at < len(shown):
            self.mount(mark, before=shown[at])
        else:
            self.mount(mark)

    def widget_for(self, entry: Entry) -> Widget:
        from deepseek_tui.tui.widgets.saved_entries import entry_widget

        session = self.session
        return entry_widget(
            entry,
            session.messages,
            branch=self._branches.label(entry) if entry.role != "tool" else "",
            expanded=self._expanded(),
            currency=session.currency,
            json_mode=session.json_answer(entry.model),
        )

    def last_answer(self) -> str:
        """The text of the latest answer on screen that has any."""
        from deepseek_tui.tui.widgets.messages import AssistantMessage

        answers = [a for a in self.query_children(AssistantMessage) if a.content]
        return answers[-1].content if answers else ""

    def toggle_reasoning(self) -> bool:
        """^g: every reasoning panel shown, or all hidden if all were shown; False when
        the conversation has none."""
        from textual.widgets import Collapsible

        panels = [p for p in self.query(".reasoning").results(Collapsible) if p.display]
        if not panels:
            return False
        expand = all(panel.collapsed for panel in panels)
        for panel in panels:
            panel.collapsed = not expand
        return True

    # --- the turn -----------------------------------------------------------------------

    async def send(self, text: str, attachments: Sequence[Attachment] = ()) -> None:
        """Show `text` as the next question and stream its answer (the screen checked
        that it can go); an edit under way is what it replaces."""
        from deepseek_tui.tui.widgets.attachments import AttachedQuestion
        from deepseek_tui.tui.widgets.question import UserMessage

        if self._before_edit is not None:
            await self.remove_replaced()
        self._before_edit = None
        attached = tuple(attachments)
        await self.add(AttachedQuestion(text, attached) if attached else UserMessage(text))
        self._start("send", text, attached)

    def retry(self) -> None:
        """Answer the last question again (after an error, or for another take)."""
        if self.streaming or not self.session.messages or self._editing_blocks():
            return
        from deepseek_tui.tui.widgets.messages import AssistantMessage
        from deepseek_tui.tui.widgets.tool_rounds import ToolResultEntry

        shown = list(self.query_children(", ".join(f".{name}" for name in _MESSAGES)))
        # The answer being replaced (it stays in the store), with its tool rounds.
        while shown and isinstance(shown[-1], AssistantMessage | ToolResultEntry):
            shown.pop().remove()
        self._start("regenerate")

    def continue_answer(self) -> None:
        """Let the model carry on from where a cut-short answer stopped, or ask it
        again after a turn that stopped among tool calls (its rounds used, Esc)."""
        if self.streaming or self._editing_blocks():
            return
        if self.session.tool_turn_open:  # a new answer from the results: no /beta needed
            self._start("continue")
            return
        if not self.session.can_continue:
            self.notify("The last answer is complete: there is nothing to continue.")
            return
        if not self.session.supports_prefix:  # the profile says it has no /beta
            from deepseek_tui.api.errors import NO_CONTINUE

            self.notify(NO_CONTINUE, severity="warning", markup=False)
            return
        self._start("continue")

    def stop(self) -> bool:
        """Stop the answer streaming (it is kept, marked stopped); False when none is."""
        if not self.streaming or self._reply is None:
            return False
        self._reply.cancel()
        return True

    def _start(self, mode: Mode, text: str = "", attachments: tuple[Attachment, ...] = ()) -> None:
        self._reply = self.run_worker(
            self._stream(mode, text, attachments),
            group="reply",
            exclusive=True,
            exit_on_error=False,
        )
        self.refresh_bindings()  # the footer offers Stop

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._reply:
            self.refresh_bindings()  # Stop, and Esc for an edit, offered or not
            if event.state == WorkerState.ERROR:
                self._say_failed(event.worker.error)

    def _say_failed(self, error: BaseException | None) -> None:
        """A reply that failed in a way the session does not report (a bug) is said,
        never left as an empty answer header with nothing sent (issue 19 §3)."""
        from deepseek_tui.config import hide_keys
        from deepseek_tui.terminal import sanitize

        said = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        self.notify(
            f"The answer failed: {sanitize(hide_keys(said), name=True)}",
            title="request failed",
            severity="error",
            markup=False,
        )

    async def _stream(self, mode: Mode, text: str, attachments: tuple[Attachment, ...]) -> None:
        """Stream an answer: `send` text, `regenerate` the last one, or `continue`
        the last, cut-short one in place."""
        from deepseek_tui.tui.widgets.messages import AssistantMessage

        self._ready()  # the question is saved before it is sent
        session = self.session
        expanded = self._expanded()
        if mode == "continue" and session.tool_turn_open:
            # The answer after the results: a new one below the turn, which stays.
            reply = session.continue_answer()
            widget = AssistantMessage(
                model=session.model,
                reasoning_expanded=expanded,
                json_mode=reply.json_mode,
                continues=True,
            )
        elif mode == "continue":
            last = session.messages[-1]
            for old in list(self.query_children(AssistantMessage))[-1:]:
                await old.remove()
            widget = AssistantMessage(
                model=last.model or session.model,
                content=last.content,
                reasoning=last.reasoning or "",
                reasoning_expanded=expanded,
                reasoning_tokens=last.usage.reasoning_tokens if last.usage else 0,
                reasoning_seconds=last.reasoning_seconds,
                json_mode=session.json_answer(last.model),
            )
            reply = session.continue_answer()
        else:
            reply = (
                session.regenerate() if mode == "regenerate" else session.send(text, attachments)
            )
            widget = AssistantMessage(
                model=session.model, reasoning_expanded=expanded, json_mode=reply.json_mode
            )
        session.approve = partial(self._approve, widget)
        self._answer = widget
        await self.add(widget)
        self._collection.hold()
        try:
            await widget.stream(reply)
        finally:
            self._collection.release()  # collected after the turn's last frame
            self._answer = None
            self._say_notice()  # the conversation was saved again

    def _say_notice(self) -> None:
        notice = self.session.take_notice()
        if notice:
            self.notify(notice, severity="warning", markup=False)

    # --- tool calls ---------------------------------------------------------------------

    async def _approve(self, answer: AssistantMessage, info: object, call: ToolCall) -> str:
        """The session asks whether `call` may run: its row in `answer` waits for y,
        a, n or Esc (the screen's keys, `decide`), the composer keeping its text."""
        self.refresh_bindings()
        try:
            with self._collection.deciding():  # garbage collected while the user decides
                decision = await answer.calls.approve(call)
        finally:
            self.refresh_bindings()
        if decision == "always":  # written to config.toml by the session: said now
            self.call_later(self._say_notice)
        return decision

    @property
    def waiting_call(self) -> ToolCallView | None:
        """The call that waits for the user's decision, if one does."""
        return self._answer.calls.waiting if self._answer is not None else None

    def decide(self, decision: Decision) -> bool:
        """The user's decision on the waiting call; False when none waits."""
        row = self.waiting_call
        return row is not None and row.decide(decision)

    def on_assistant_message_finished(self, event: AssistantMessage.Finished) -> None:
        """After an edit or a regenerate, the new question and answer show n/m (the
        message goes on to the screen)."""
        if event.stopped:
            return
        from deepseek_tui.tui.widgets.question import UserMessage

        users = list(self.query(UserMessage))  # an attached question's text is one too
        self._branches.label_turn(event.answer, users)

    # --- editing and branches ------------------------------------------------------------

    def _editing_blocks(self) -> bool:
        """Whether an edit under way keeps another action from running (said so)."""
        if self._before_edit is None:
            return False
        self.notify(EDITING)
        return True

    def edit_last(self) -> tuple[str, tuple[Attachment, ...]] | None:
        """Take the last question back for editing (sending it makes a new branch):
        its text and files, for the composer; None when there is none (or an answer
        is streaming). What it replaces stays on screen, faded, until it is sent."""
        if self.streaming:
            return None
        session = self.session
        before = list(session.messages)
        asked = next((m for m in reversed(before) if m.role == "user"), None)
        text = session.rewind_last_question()
        if text is None:
            return None
        if self._before_edit is None:  # ↑ again goes further back; Esc undoes all
            self._before_edit = before
        shown = self.query_children(".user-message, .attached-question")
        questions = [q for q in shown if not q.has_class("-replaced")]
        if questions:
            self.set_replaced_from(questions[-1])
        return text, tuple(asked.attachments) if asked is not None else ()

    def cancel_edit(self) -> bool:
        """Esc while editing: the conversation as it was. False when not editing."""
        before = self._before_edit
        if before is None:
            return False
        self.session.messages[:] = before
        self.show_messages()
        return True

    def switch_branch(self, step: int) -> None:
        """←/→: another branch of the messages on screen (`Branches.switch`)."""
        if not self.streaming:
            self._branches.switch(step, self.first_shown)
