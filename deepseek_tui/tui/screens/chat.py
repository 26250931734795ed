"""The chat screen: the conversation, the composer, the status bar and the sidebar.

The screen keeps the bindings and the handlers; the widgets do the showing
(`Conversation` pages and scrolls, `StatusBar` draws its reactives) and the `Sidebar`
does the conversation list's jobs through `History`, posting what the screen must
follow (open a conversation, a new one when the open one is deleted, a new title).

A new chat's first frame needs no engine: the status line comes from the settings
(`DeepSeekApp.starting_model`) and the session is made just after the frame. So this
module imports only what that frame shows; the engine, the store and the message
widgets are imported where they are used (docs/architecture.md, "Start path").
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Literal

from textual import getters, on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Collapsible, TextArea
from textual.worker import Worker, WorkerState

from deepseek_tui.api.models import model_traits
from deepseek_tui.config import UnknownPreset
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.app import DeepSeekApp
from deepseek_tui.tui.screens.chat_attach import AttachHandlers
from deepseek_tui.tui.screens.chat_context import ContextHandlers
from deepseek_tui.tui.screens.chat_titles import TitleHandlers
from deepseek_tui.tui.widgets.attachments import AttachmentChips
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.conversation import Conversation, EmptyHint
from deepseek_tui.tui.widgets.footer import KeysFooter
from deepseek_tui.tui.widgets.status_bar import StatusBar
from deepseek_tui.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from textual.command import Provider

    from deepseek_tui.api.events import StreamEvent
    from deepseek_tui.attachments import Attachment
    from deepseek_tui.history import History
    from deepseek_tui.messages import Message, MessageDraft
    from deepseek_tui.session import Session, Turn
    from deepseek_tui.tui.widgets.messages import AssistantMessage
    from deepseek_tui.tui.widgets.sidebar import Sidebar

    Entry = Message | MessageDraft

Mode = Literal["send", "regenerate", "continue"]
STREAMING = "An answer is still streaming: press esc to stop it first."


def _chat_commands() -> type[Provider]:
    """The palette's entries, imported when the palette first opens: they bring the
    help's key table and the parameters' dialogs, which the first frame does not need."""
    from deepseek_tui.tui.screens.chat_commands import ChatCommands

    return ChatCommands


class ChatScreen(AttachHandlers, ContextHandlers, TitleHandlers, Screen[None]):
    """One conversation at a time; keyboard first."""

    # DEFAULT_CSS, not a chat.tcss (CSS_PATH) like the other screens: a screen's file
    # is read when it is pushed, and Textual then parses every stylesheet again and
    # restyles every widget, for the first frame to wait on (docs/architecture.md, "CSS").
    DEFAULT_CSS = """
    ChatScreen {
        layout: vertical;

        #main {
            height: 1fr;
        }
    }
    """
    AUTO_FOCUS = "#composer"
    COMMANDS = {_chat_commands}

    # The footer shows the short description; help and the palette the tooltip.
    BINDINGS = [
        Binding("escape", "stop", "Stop", tooltip="Stop the answer that is streaming"),
        Binding("escape", "cancel_edit", "Cancel edit", tooltip="Cancel an edit: nothing changes"),
        Binding(
            "ctrl+n",
            "pick_new_conversation",
            "New conversation",
            show=False,
            tooltip="New conversation: blank, or from a preset",
        ),
        Binding("ctrl+o", "pick_model", "Model", tooltip="Pick the model for the next message"),
        # Priority: the composer's ^a (line start, also on Home) would take it first.
        Binding(
            "ctrl+a",
            "attach",
            "Attach",
            show=False,
            priority=True,
            tooltip="Attach a file to the next message (del on a chip removes it)",
        ),
        Binding("ctrl+t", "toggle_thinking", "Thinking", tooltip="Thinking on/off"),
        # When the model cannot toggle, ^t is not offered but still says why.
        Binding("ctrl+t", "thinking_fixed", show=False),
        Binding("ctrl+s", "settings", "Settings"),
        # Not "?": in the composer it is typed, and help would list a key that types.
        Binding("f1", "help", "Help", tooltip="Help: every key"),
        Binding("ctrl+r", "retry", "Regenerate / retry", show=False),
        Binding("ctrl+f", "continue", "Continue a cut answer", show=False),
        Binding("ctrl+g", "toggle_reasoning", "Show/hide reasoning", show=False),
        Binding("ctrl+b", "copy_answer", "Copy last answer", show=False),
        Binding("ctrl+down", "scroll_latest", "Jump to the latest", show=False),
        Binding("ctrl+l", "toggle_sidebar", "Chats", tooltip="Chats: list, search"),
        Binding("ctrl+z", "undo_delete", "Undo delete", show=False, priority=True),
    ]

    app = getters.app(DeepSeekApp)
    conversation = getters.query_one("#conversation", Conversation)
    composer = getters.query_one("#composer", Composer)
    status = getters.query_one("#status", StatusBar)
    title_bar = getters.query_one("#title", TitleBar)

    def __init__(self) -> None:
        super().__init__()
        self._reply: Worker[None] | None = None
        # While ↑ edits an earlier question: the history as it was, for Esc.
        self._before_edit: list[Entry] | None = None
        # A delete is the latest thing done: ctrl+z in the composer undoes it, not text.
        self._undo_armed = False

    @property
    def session(self) -> Session:
        """The app's engine; the first frame of a new chat does without it."""
        return self.app.session

    @property
    def history(self) -> History | None:
        return self.app.history

    def compose(self) -> ComposeResult:
        # No sidebar: it is mounted at the first ^l (`mount_sidebar`).
        with Vertical(id="main"):
            yield TitleBar(id="title")
            with Conversation(self._widget_for, id="conversation"):
                if not self.app.session_made:
                    yield EmptyHint()  # a new chat: in the first frame, not mounted after it
            yield AttachmentChips(id="attachments")
            yield Composer(id="composer")
            yield StatusBar(id="status")
        yield KeysFooter(compact=True)

    def on_mount(self) -> None:
        if self.app.session_made:  # --continue, --conversation: it is what the frame shows
            self.show_history()
            self.update_status()
        else:
            self._starting_status()
        self.app.after_first_frame(self._after_first_frame)

    def _starting_status(self) -> None:
        """The status line of a new conversation, from the settings: what
        `update_status` shows once the session is made (no title, answer, credits or
        problem yet; the demo said)."""
        model, thinking = self.app.starting_model()
        self._show_model(model, model_traits(model).thinks(thinking))
        self.status.demo = self.app.demo

    def _after_first_frame(self) -> None:
        # The session is made here (`update_status` asks for it), and the history
        # opened: creating a new database file takes a while.
        self.app.open_history()
        self.update_status()

    # --- showing ------------------------------------------------------------------------

    def show_history(self, focus_id: int | None = None) -> None:
        from deepseek_tui.messages import Message

        self._end_edit()  # another conversation or branch: the edit is abandoned
        history = self.session.history
        focus = next(
            (i for i, m in enumerate(history) if isinstance(m, Message) and m.id == focus_id), None
        )
        self.conversation.show(history, focus)

    def _branch(self, message: Entry) -> str:
        position, count = self.session.branches(message)
        return f"‹ {position}/{count} ›" if count > 1 else ""

    def _widget_for(self, message: Entry) -> Widget:
        from deepseek_tui.api.events import FinishReason
        from deepseek_tui.messages import Message
        from deepseek_tui.tui.widgets.attachments import AttachedQuestion
        from deepseek_tui.tui.widgets.messages import AssistantMessage, UserMessage, status_line

        if message.role == "user":
            if message.attachments:
                return AttachedQuestion(
                    message.content, message.attachments, branch=self._branch(message)
                )
            return UserMessage(message.content, branch=self._branch(message))
        reason = message.finish_reason
        if isinstance(message, Message) and message.unfinished:
            reason = FinishReason.INTERRUPTED
        return AssistantMessage(
            model=message.model or "?",
            content=message.content,
            reasoning=message.reasoning or "",
            finished=True,
            reasoning_expanded=self.app.settings.reasoning_expanded,
            status=status_line(
                reason,
                message.usage,
                message.cost,
                continuable=bool(message.content.strip()),
                error=message.error or "",
                currency=self.session.currency,
            ),
            branch=self._branch(message),
            reasoning_tokens=message.usage.reasoning_tokens if message.usage else 0,
            reasoning_seconds=message.reasoning_seconds,
            error=message.error or "",
        )

    def update_status(self, last: str | None = None) -> None:
        """Bring the status bar up to date; `last` replaces the "last answer" part."""
        conversation = self.session.conversation
        self.title_bar.title = conversation.shown_title if conversation is not None else ""
        status = self.status
        status.demo = self.app.demo
        self._show_model(self.session.model, self.session.thinks)
        if last is not None:
            status.last = last
        status.credits = self.session.remaining_credits or ""
        if self.session.store_error:
            status.problem = self.session.store_error
        elif self.app.store_problem:
            status.problem = "history off (^l says why)"
        else:
            status.problem = ""
        self.update_gauge()
        sidebar = self._sidebar()
        if sidebar is not None:  # else it marks the open one when it is mounted
            sidebar.mark_open(self._open_id())

    def _show_model(self, model: str, thinks: bool) -> None:
        status = self.status
        # Which API the next message goes to, when it is not DeepSeek's own.
        status.model = (
            model if self.app.provider == "deepseek" else f"{self.app.provider_name}: {model}"
        )
        can_think = model_traits(model).thinking != "never"
        status.thinking = thinks if can_think else None
        self.refresh_bindings()  # ctrl+t is offered only for models that toggle

    def _model(self) -> str:
        """The model of the next message, without making the session for it."""
        return self.session.model if self.app.session_made else self.app.starting_model()[0]

    # --- sending ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # "Stop" is shown in the footer only while there is something to stop.
        if action == "stop":
            return self.streaming
        if action == "cancel_edit":
            return self._before_edit is not None and not self.streaming
        if action == "toggle_thinking":  # asked by the footer for the first frame too
            return model_traits(self._model()).thinking == "toggle"
        return True

    @property
    def streaming(self) -> bool:
        return self._reply is not None and self._reply.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        )

    def _start(self, text: str, mode: Mode, attachments: tuple[Attachment, ...] = ()) -> None:
        self._reply = self.stream_answer(text, mode=mode, attachments=attachments)
        self.refresh_bindings()

    async def on_composer_submitted(self, message: Composer.Submitted) -> None:
        from deepseek_tui.tui.widgets.attachments import AttachedQuestion
        from deepseek_tui.tui.widgets.messages import UserMessage

        attachments = self.attachments
        if not message.text.strip() and not attachments:
            return  # nothing to send
        if self.streaming:
            self.notify(STREAMING)
            return
        problem = self.session.json_mode_problem(message.text)
        if problem:
            # Said before anything is sent; the text stays in the composer.
            self.notify(problem, severity="warning", timeout=10, markup=False)
            return
        if not self.room_for(message.text):
            return  # it would not fit: the user chooses what to do, nothing is sent
        self.composer.clear()
        self.chips.clear()
        if self._before_edit is not None:
            await self.conversation.remove_replaced()
        self._end_edit()
        if attachments:
            await self.conversation.add(AttachedQuestion(message.text, attachments))
        else:
            await self.conversation.add(UserMessage(message.text))
        self._start(message.text, "send", attachments)

    @work(exclusive=True, group="reply", exit_on_error=False)
    async def stream_answer(
        self, text: str, *, mode: Mode = "send", attachments: tuple[Attachment, ...] = ()
    ) -> None:
        """Stream an answer: `send` text, `regenerate` the last one, or `continue`
        the last, cut-short one in place."""
        from deepseek_tui.api.events import FinishReason
        from deepseek_tui.context import is_context_overflow
        from deepseek_tui.tui.widgets.messages import AssistantMessage

        session = self.session
        self.app.open_history()  # the question is saved before it is sent
        self.app.connect()
        turn = session.new_turn()
        expanded = self.app.settings.reasoning_expanded
        if mode == "continue":
            last = session.history[-1]
            for old in list(self.query(AssistantMessage))[-1:]:
                await old.remove()
            widget = AssistantMessage(
                model=last.model or session.model,
                content=last.content,
                reasoning=last.reasoning or "",
                reasoning_expanded=expanded,
                reasoning_tokens=last.usage.reasoning_tokens if last.usage else 0,
                reasoning_seconds=last.reasoning_seconds,
            )
            events = session.continue_answer(turn)
        else:
            widget = AssistantMessage(model=session.model, reasoning_expanded=expanded)
            events = (
                session.regenerate(turn)
                if mode == "regenerate"
                else session.send(text, turn, attachments)
            )
        await self.conversation.add(widget)
        # A full collection mid-stream stalls frames for up to a second on a long
        # answer; the young generations are collected once the answer is in.
        gc.disable()
        try:
            await widget.stream(self._status_on_start(events), turn)
        except asyncio.CancelledError:
            self.update_status(last=FinishReason.STOPPED.label)
            raise
        finally:
            gc.enable()
            self.call_after_refresh(gc.collect, 1)
        self._label_branches(widget)
        self.update_status(last=_usage_label(turn))
        if mode == "send":
            self.after_first_answer(turn)
        if turn.error is not None and is_context_overflow(str(turn.error)):
            self.offer_room("", refused=str(turn.error))

    async def _status_on_start(
        self, events: AsyncIterator[StreamEvent]
    ) -> AsyncIterator[StreamEvent]:
        """The events, with the title bar and the sidebar brought up to date once the
        first arrives (by then the question is saved, a new conversation made)."""
        async with contextlib.aclosing(events) as stream:
            started = False
            async for event in stream:
                if not started:
                    started = True
                    self.update_status()
                yield event

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._reply:
            self.refresh_bindings()

    # --- branches ---------------------------------------------------------------------

    def _label_branches(self, answer: AssistantMessage) -> None:
        """After an edit or a regenerate, the new question and answer show n/m."""
        from deepseek_tui.tui.widgets.messages import UserMessage

        history = self.session.history
        question = next((m for m in reversed(history) if m.role == "user"), None)
        if history and history[-1].role == "assistant":
            branch = self._branch(history[-1])
            if branch:
                answer.set_branch(branch)
        users = list(self.query(UserMessage))
        if question is not None and users:
            branch = self._branch(question)
            if branch:
                users[-1].set_branch(branch)

    def on_composer_branch(self, event: Composer.Branch) -> None:
        self.switch_branch(event.step)

    def switch_branch(self, step: int) -> None:
        """Show another branch: of the latest message on screen that has one that way
        (so ← on an answer at its first branch moves on to its question's branches)."""
        if self.streaming or self.session.store is None:
            return
        from deepseek_tui.messages import Message

        forked = False
        for message in reversed(self.session.history[self.conversation.first_shown :]):
            if not isinstance(message, Message) or self.session.branches(message)[1] < 2:
                continue
            forked = True
            shown = self.session.switch_branch(message, step)
            if shown is not None:
                self.show_history(focus_id=shown.id)
                return
        if forked:
            self.notify("No more branches that way.")
        else:
            self.notify("Nothing here has other branches (edit or regenerate to make one).")

    # --- actions ----------------------------------------------------------------------

    def action_stop(self) -> None:
        if self.streaming and self._reply is not None:
            from deepseek_tui.api.events import FinishReason

            # Said at once: saving what arrived of a huge answer can take a moment.
            self.update_status(last=FinishReason.STOPPED.label)
            self._reply.cancel()

    def _editing_blocks(self) -> bool:
        """Whether an edit under way keeps another action from running (said so)."""
        if self._before_edit is None:
            return False
        self.notify("An edit is under way: ⏎ sends it, esc cancels it.")
        return True

    def action_retry(self) -> None:
        """Answer the last question again (after an error, or for another take)."""
        if self.streaming or not self.session.history or self._editing_blocks():
            return
        from deepseek_tui.tui.widgets.messages import AssistantMessage, UserMessage

        answers = list(self.query(AssistantMessage))
        questions = list(self.query(UserMessage))
        if answers and questions and answers[-1].region.y >= questions[-1].region.y:
            answers[-1].remove()
        self._start("", "regenerate")

    def action_continue(self) -> None:
        """Let the model carry on from where a cut-short answer stopped."""
        if self.streaming or self._editing_blocks():
            return
        if not self.session.can_continue:
            self.notify("The last answer is complete: there is nothing to continue.")
            return
        if not self.session.supports_prefix:  # the profile says it has no /beta
            from deepseek_tui.api.errors import NO_CONTINUE

            self.notify(NO_CONTINUE, severity="warning", markup=False)
            return
        self._start("", "continue")

    async def on_composer_edit_last(self, _: Composer.EditLast) -> None:
        await self.action_edit_last()

    async def action_edit_last(self) -> None:
        """Put the last question back in the composer; sending makes a new branch."""
        if self.streaming:
            return
        before = list(self.session.history)
        asked = next((m for m in reversed(before) if m.role == "user"), None)
        text = self.session.rewind_last_question()
        if text is None:
            return
        # The question's files come back as chips: the edit sends them again.
        self.chips.clear()
        for attachment in asked.attachments if asked is not None else ():
            self.chips.add(attachment)
        if self._before_edit is None:  # ↑ again goes further back; Esc undoes all
            self._before_edit = before
        # What the edit replaces stays on screen, faded, until it is sent (Esc brings
        # it back as it was).
        shown = self.conversation.query_children(".user-message, .attached-question")
        questions = [q for q in shown if not q.has_class("-replaced")]
        if questions:
            self.conversation.set_replaced_from(questions[-1])
        composer = self.composer
        composer.load_text(text)
        composer.set_editing(True)
        composer.focus()
        composer.move_cursor(composer.document.end)
        self.refresh_bindings()

    def action_cancel_edit(self) -> None:
        """Esc while editing: the conversation as it was, an empty composer."""
        before = self._before_edit
        if before is None:
            return
        self.session.history[:] = before
        self.composer.clear()
        self.chips.clear()
        self.show_history()
        self.composer.focus()

    def _end_edit(self) -> None:
        if self._before_edit is None:
            return
        self._before_edit = None
        self.composer.set_editing(False)
        self.refresh_bindings()

    def action_toggle_reasoning(self) -> None:
        panels = [p for p in self.query(".reasoning").results(Collapsible) if p.display]
        if not panels:
            self.notify("No reasoning to show in this conversation.")
            return
        expand = all(panel.collapsed for panel in panels)
        for panel in panels:
            panel.collapsed = not expand

    def _last_answer(self) -> str:
        from deepseek_tui.tui.widgets.messages import AssistantMessage

        answers = [a for a in self.query(AssistantMessage) if a.content]
        return answers[-1].content if answers else ""

    def action_copy_answer(self) -> None:
        text = self._last_answer()
        if not text:
            self.notify("There is no answer to copy yet.")
            return
        self.copy_text(text, "the last answer")

    def copy_text(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        # The clipboard is the terminal's (OSC 52); tmux passes it on only when told.
        tip = " If it is not there: set -g set-clipboard on." if os.environ.get("TMUX") else ""
        self.notify(f"Copied {what} ({len(text):,} characters).{tip}")

    def code_blocks(self) -> list[tuple[str, str]]:
        """(language, code) of each fenced block in the last answer."""
        from deepseek_tui.markdown import fenced_blocks

        return fenced_blocks(self._last_answer())

    # --- the sidebar ----------------------------------------------------------------------

    # The sidebar is mounted at the first ^l, not composed with the screen: the first
    # frame does without it and its widgets (docs/architecture.md, "Start path").

    def _sidebar(self) -> Sidebar | None:
        """The sidebar, once it is mounted."""
        from deepseek_tui.tui.widgets.sidebar import Sidebar

        mounted = self.query_children(Sidebar)
        return mounted.first() if mounted else None

    async def mount_sidebar(self) -> Sidebar:
        """The sidebar, mounted (hidden) if it is not yet, given the history."""
        sidebar = self._sidebar()
        if sidebar is not None:
            return sidebar
        from deepseek_tui.tui.widgets.sidebar import Sidebar

        self.app.open_history()
        sidebar = Sidebar(self.history, problem=self.app.store_problem or "History is off.")
        await self.mount(sidebar, before=0)  # first, as it was composed: docked left
        sidebar.mark_open(self._open_id())
        return sidebar

    async def action_toggle_sidebar(self) -> None:
        sidebar = await self.mount_sidebar()
        if sidebar.display:
            sidebar.display = False
            self.composer.focus()
        else:
            sidebar.show_list()

    async def action_search(self) -> None:
        sidebar = await self.mount_sidebar()
        if not sidebar.display:
            sidebar.show_list()
        sidebar.focus_search()

    async def on_sidebar_close(self, _: Sidebar.Close) -> None:
        sidebar = self._sidebar()
        if sidebar is not None and sidebar.display:
            await self.action_toggle_sidebar()

    def _open_id(self) -> str | None:
        conversation = self.session.conversation
        return conversation.id if conversation is not None else None

    def on_sidebar_opened(self, event: Sidebar.Opened) -> None:
        sidebar = self._sidebar()
        if self.streaming:
            self.notify(STREAMING)
            return
        try:
            if event.message_id is not None:
                self.session.open_at(event.message_id)
            else:
                self.session.open(event.conversation_id)
        except KeyError:
            self.notify("That conversation is gone.", severity="warning")
            if sidebar is not None:
                sidebar.refresh_rows()
            return
        self.show_history(focus_id=event.message_id)
        self.update_status(last="")  # marks it in the sidebar too
        # Opening closes the list at every width, so focus is never left in a hidden
        # list or a shown one that esc cannot close (^l shows it again, on this chat).
        if sidebar is not None:
            sidebar.display = False
        self.composer.focus()

    def on_sidebar_deleted(self, event: Sidebar.Deleted) -> None:
        self._undo_armed = True
        if self._open_id() == event.conversation_id:
            self.action_new_conversation(focus=False)  # focus stays in the list, for ^z

    def on_sidebar_renamed(self, event: Sidebar.Renamed) -> None:
        self.show_renamed(event.conversation_id, event.title)

    def show_renamed(self, conversation_id: str, title: str) -> None:
        """A conversation has a new title: the title bar shows it at once if it is the
        one on screen, and a sidebar on show lists it (a rename made elsewhere)."""
        conversation = self.session.conversation
        if conversation is not None and conversation.id == conversation_id:
            self.session.conversation = dataclasses.replace(conversation, title=title)
            self.update_status()
        sidebar = self._sidebar()
        if sidebar is not None and sidebar.display:
            sidebar.refresh_rows()

    @on(TextArea.Changed, "#composer")
    def _typed_since_delete(self) -> None:
        self._undo_armed = False

    def action_undo_delete(self) -> None:
        """Bring back the conversation deleted last (ctrl+z, wherever focus is). In the
        composer only while the delete is the latest thing done (no typing since);
        otherwise the composer's own text undo gets the key."""
        sidebar = self._sidebar()
        if sidebar is None or not sidebar.can_undo:
            raise SkipAction()  # nothing to bring back: the composer's text undo
        if not self._undo_armed and isinstance(self.focused, TextArea):
            raise SkipAction()  # typed since the delete: ctrl+z undoes the typing
        sidebar.undo_delete()
        self._undo_armed = self._undo_armed and sidebar.can_undo

    def action_export(self, kind: str = "markdown") -> None:
        """Write this conversation (the branch on screen) to the current directory."""
        from pathlib import Path

        from deepseek_tui.export import export_filename, write_export
        from deepseek_tui.messages import Message

        conversation = self.session.conversation
        messages = [m for m in self.session.history if isinstance(m, Message)]
        if conversation is None or not messages:
            self.notify("Nothing to export yet: this conversation is empty.")
            return
        fmt = "json" if kind == "json" else "markdown"
        path = Path.cwd() / export_filename(conversation, fmt)
        try:
            write_export(path, conversation, messages, fmt)
        except OSError as error:
            self.notify(
                f"Could not write {path}: {error.strerror or error}",
                severity="error",
                markup=False,
            )
            return
        self.notify(f"Exported to {path}", markup=False)

    def switch_provider(self, provider: str, model: str | None = None) -> str | None:
        """Talk to `provider` (its URL, its key) from the next message on; why not, if not."""
        if self.streaming:
            return "An answer is streaming: wait for it (or Esc) before switching provider."
        return self.app.switch_provider(provider, model)

    def use_model(self, model: str) -> None:
        self.session.model = model
        self.update_status()
        thinking = "thinking on" if self.session.thinks else "thinking off"
        self.notify(f"The next message goes to {model} ({thinking}).", markup=False)

    def action_settings(self) -> None:
        from deepseek_tui.tui.screens.settings import SavedSettings, SettingsScreen

        def saved(result: SavedSettings | None) -> None:
            if result is not None:
                self.app.use_settings(result.settings, provider=result.provider, key=result.key)
                self.update_status()

        self.app.push_screen(SettingsScreen(), saved)

    def action_help(self) -> None:
        from deepseek_tui.tui.screens.help import HelpScreen, chat_sections

        self.app.push_screen(HelpScreen(chat_sections(self.BINDINGS, self.app.BINDINGS)))

    def action_new_conversation(self, preset: str | None = None, focus: bool = True) -> None:
        """A blank conversation, or one from `preset` (config.py, `Settings.preset`)."""
        self.action_stop()
        try:
            self.session.new(preset)
        except UnknownPreset as error:
            self.notify(sanitize(str(error), name=True), severity="warning", markup=False)
            return
        self.show_history()
        self.update_status(last="")
        if focus:
            self.composer.focus()
        if preset is not None:
            shown = sanitize(preset, name=True)
            self.notify(f"New conversation from the preset {shown}.", markup=False)

    def presets(self) -> list[tuple[str, str]]:
        """(name, what it is for) of each preset, for the picker and the palette."""
        settings = self.app.settings
        rows = []
        for name in settings.preset_names():
            table = settings.preset(name)
            about = table.get("description") or table.get("system_prompt", "")
            rows.append((name, " ".join(str(about).split())))
        return rows

    def action_pick_new_conversation(self) -> None:
        from deepseek_tui.tui.screens.preset_picker import NewConversation, PresetPicker

        def chosen(choice: NewConversation | None) -> None:
            if choice is not None:
                self.action_new_conversation(choice.preset)

        self.app.push_screen(PresetPicker(self.presets()), chosen)

    def action_scroll_latest(self) -> None:
        self.conversation.follow()
        self.composer.focus()  # from the conversation too: typing goes on where it was

    def action_scroll_conversation(self, pages: int) -> None:
        """PageUp/PageDown in the composer scroll the conversation, not the text."""
        if pages < 0:
            self.conversation.scroll_page_up()
        else:
            self.conversation.scroll_page_down()

    def action_thinking_fixed(self) -> None:
        """^t on a model that always or never thinks: say so (the notice is in
        `action_toggle_thinking`)."""
        self.action_toggle_thinking()

    def action_toggle_thinking(self) -> None:
        traits = model_traits(self.session.model)
        if traits.thinking != "toggle":
            state = "always thinks" if traits.thinking == "always" else "does not think"
            self.notify(
                f"{self.session.model} {state}; pick another model to change that.", markup=False
            )
            return
        self.session.thinking = not self.session.thinks
        self.update_status()

    def action_pick_model(self) -> None:
        from deepseek_tui.tui.screens.model_picker import ModelChoice, ModelPicker

        def chosen(choice: ModelChoice | None) -> None:
            if choice is not None:
                if choice.provider not in (None, self.app.provider):
                    problem = self.switch_provider(choice.provider, choice.model)
                    if problem:
                        self.notify(problem, severity="warning", timeout=10, markup=False)
                        return
                if choice.thinking is not None:
                    self.session.thinking = choice.thinking
                self.use_model(choice.model)

        picker = ModelPicker(
            self.app.model_ids(),
            current=self.session.model,
            thinking=self.session.thinking,
            provider=self.app.provider,
        )
        self.app.push_screen(picker, chosen)


def _usage_label(turn: Turn) -> str:
    """The status bar's "last: …" part: tokens and cost of the latest answer."""
    from deepseek_tui.tui.widgets.messages import status_line

    if turn.usage is None:
        return ""
    return "last: " + status_line(
        None, turn.usage, turn.cost, exact_cost=True, currency=turn.currency
    )
