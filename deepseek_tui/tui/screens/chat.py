"""The chat screen: the conversation, the composer, a status line and the footer."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Collapsible, Footer, Static
from textual.worker import Worker, WorkerState

from deepseek_tui.api import errors
from deepseek_tui.api.events import ContentDelta, ReasoningDelta
from deepseek_tui.session import LocalMessage, Session
from deepseek_tui.store import Conversation, Message, StoreError
from deepseek_tui.tui.screens.dialogs import Confirm, TextPrompt
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.messages import AssistantMessage, UserMessage, status_line
from deepseek_tui.tui.widgets.sidebar import Sidebar

if TYPE_CHECKING:
    from deepseek_tui.tui.app import DeepSeekApp

# Below this width the sidebar closes once a conversation is opened from it.
NARROW = 110
# Messages mounted when a conversation opens; older ones page in as you scroll up.
WINDOW = 30
# When a message is scrolled into view after mounting (seconds).
SETTLE_DELAYS = (0.01, 0.05, 0.15, 0.3)
# Deltas are gathered and handed to the Markdown widgets at most this often.
BATCH_SECONDS = 0.05


def advice(error: errors.ApiError) -> str:
    """The error's sentence plus the next step a user can take here."""
    message = str(error)
    if isinstance(error, errors.AuthenticationError):
        return f"{message} Open Settings (ctrl+s) to set your key."
    if error.retryable or isinstance(error, errors.StreamError | errors.ApiTimeout):
        return f"{message} Press ctrl+r to retry."
    return message


class ChatScreen(Screen[None]):
    """One conversation at a time; keyboard first."""

    CSS_PATH = "chat.tcss"
    AUTO_FOCUS = "#composer"

    BINDINGS = [
        Binding("escape", "stop", "Stop", show=True),
        Binding("ctrl+n", "new_conversation", "New conversation", show=False),
        Binding("ctrl+o", "pick_model", "Model"),
        Binding("ctrl+t", "toggle_thinking", "Thinking"),
        Binding("ctrl+s", "settings", "Settings"),
        Binding("f1,question_mark", "help", "Help"),
        Binding("ctrl+r", "retry", "Regenerate / retry", show=False),
        Binding("ctrl+f", "continue", "Continue a cut answer", show=False),
        Binding("ctrl+g", "toggle_reasoning", "Show/hide reasoning", show=False),
        Binding("ctrl+b", "copy_answer", "Copy last answer", show=False),
        Binding("ctrl+down", "scroll_latest", "Jump to the latest", show=False),
        Binding("ctrl+l", "toggle_sidebar", "Chats"),
        Binding("ctrl+z", "undo_delete", "Undo delete", show=False),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._reply: Worker[None] | None = None
        self.last_status = ""
        self._first_shown = 0  # index in session.history of the first mounted message
        self._deleted: list[str] = []  # deleted in this run, undoable until the app closes

    @property
    def deepseek(self) -> DeepSeekApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Sidebar(self.deepseek.store)
        with Vertical(id="main"):
            yield VerticalScroll(id="conversation")
            yield Composer(id="composer")
            yield Static(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        conversation = self.query_one("#conversation", VerticalScroll)
        conversation.anchor()
        self.watch(conversation, "scroll_y", self._near_top, init=False)
        self.show_history()
        self.update_status()

    # --- showing ----------------------------------------------------------------

    def show_history(self, focus_id: int | None = None) -> None:
        """Mount the latest WINDOW messages (older ones page in on scrolling up)."""
        conversation = self.query_one("#conversation", VerticalScroll)
        conversation.remove_children()
        history = self.session.history
        start = max(0, len(history) - WINDOW)
        focus_index = next((i for i, m in enumerate(history) if _id(m) == focus_id), None)
        if focus_index is not None:
            start = min(start, max(0, focus_index - 2))
        self._first_shown = start
        widgets: list[Widget] = [self._widget_for(m) for m in history[start:]]
        if start:
            widgets.insert(0, self._earlier_row())
        if widgets:
            conversation.mount_all(widgets)
        else:
            conversation.mount(
                Static(
                    Text.assemble(
                        ("New conversation\n", "bold"),
                        "Type a message and press Enter. Ctrl+o picks the model, "
                        "ctrl+l lists your conversations, F1 lists every key, "
                        "ctrl+p finds any action.",
                    ),
                    id="empty-hint",
                )
            )
        if focus_index is None:
            conversation.anchor()
        else:
            target = widgets[focus_index - start + (1 if start else 0)]
            conversation.release_anchor()
            self.scroll_to_message(target)

    def scroll_to_message(self, target: Widget) -> None:
        """Put `target` at the top of the view. Markdown lays its blocks out over a
        few frames after mounting, so the scroll is repeated until they settle."""
        conversation = self.query_one("#conversation", VerticalScroll)

        def scroll() -> None:
            if target.is_attached:
                conversation.scroll_to_widget(target, top=True, animate=False)

        for delay in SETTLE_DELAYS:
            self.set_timer(delay, scroll)

    def _earlier_row(self) -> Static:
        return Static(self._earlier_text(), id="earlier")

    def _earlier_text(self) -> Text:
        count = self._first_shown
        return Text(f"▲ {count:,} earlier messages: scroll up to load them", style="dim")

    def _widget_for(self, message: Message | LocalMessage) -> Widget:
        position, count = self.session.branches(message)
        branch = f"‹ {position}/{count} ›" if count > 1 else ""
        if message.role == "user":
            return UserMessage(message.content, branch=branch)
        reason = message.finish_reason
        if not isinstance(message, LocalMessage) and message.unfinished:
            reason = "interrupted"
        return AssistantMessage(
            model=message.model or "?",
            content=message.content,
            reasoning=message.reasoning or "",
            finished=True,
            reasoning_expanded=self.deepseek.settings.reasoning_expanded,
            status=_reason_label(reason, message),
            branch=branch,
            reasoning_tokens=message.usage.reasoning_tokens if message.usage else 0,
        )

    def _near_top(self, scroll_y: float) -> None:
        if scroll_y <= 1 and self._first_shown > 0:
            self.load_earlier()

    def load_earlier(self) -> None:
        """Mount the previous page above the first message, keeping the view still."""
        if self._first_shown <= 0:
            return
        conversation = self.query_one("#conversation", VerticalScroll)
        end = self._first_shown
        start = max(0, end - WINDOW)
        self._first_shown = start
        widgets = [self._widget_for(m) for m in self.session.history[start:end]]
        earlier = self.query_one("#earlier", Static)
        first_message = next(
            (child for child in conversation.children if child is not earlier), None
        )
        if start:
            earlier.update(self._earlier_text())
            conversation.mount_all(widgets, after=earlier)
        else:
            earlier.remove()
            conversation.mount_all(widgets, before=first_message)
        if first_message is not None:
            self.scroll_to_message(first_message)

    def update_status(self) -> None:
        session = self.session
        thinking = "thinking on" if session.thinks else "thinking off"
        parts = [session.model, thinking]
        if self.last_status:
            parts.append(self.last_status)
        if self.deepseek.demo:
            parts.append("offline demo")
        if session.store_error:
            parts.append(session.store_error)
        elif self.deepseek.store_problem:
            parts.append("history off (ctrl+l says why)")
        self.query_one("#status", Static).update(Text(" · ".join(parts)))

    # --- sending ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # "Stop" is shown in the footer only while there is something to stop.
        if action == "stop":
            return self.streaming
        return True

    @property
    def streaming(self) -> bool:
        return self._reply is not None and self._reply.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        )

    async def on_composer_submitted(self, message: Composer.Submitted) -> None:
        if self.streaming:
            self.notify("An answer is still streaming: press Esc to stop it first.")
            return
        composer = self.query_one(Composer)
        composer.clear()
        for hint in self.query("#empty-hint"):
            hint.remove()
        conversation = self.query_one("#conversation", VerticalScroll)
        await conversation.mount(UserMessage(message.text))
        conversation.anchor()
        self._reply = self.stream_answer(message.text)
        self.refresh_bindings()

    @work(exclusive=True, group="reply", exit_on_error=False)
    async def stream_answer(self, text: str, *, mode: str = "send") -> None:
        """Stream an answer: `send` text, `regenerate` the last one, or `continue`
        the last, cut-short one in place."""
        session = self.session
        self.deepseek.connect()
        conversation = self.query_one("#conversation", VerticalScroll)
        turn = session.new_turn()
        if mode == "continue":
            last = session.history[-1]
            for old in list(self.query(AssistantMessage))[-1:]:
                await old.remove()
            widget = AssistantMessage(
                model=last.model or session.model,
                content=last.content,
                reasoning=last.reasoning or "",
                reasoning_expanded=self.deepseek.settings.reasoning_expanded,
                reasoning_tokens=last.usage.reasoning_tokens if last.usage else 0,
            )
            events = session.continue_answer(turn)
        else:
            widget = AssistantMessage(
                model=session.model,
                reasoning_expanded=self.deepseek.settings.reasoning_expanded,
            )
            events = session.regenerate(turn) if mode == "regenerate" else session.send(text, turn)
        await conversation.mount(widget)
        conversation.anchor()
        pending_reasoning: list[str] = []
        pending_content: list[str] = []
        flushed = time.monotonic()

        async def flush() -> None:
            if pending_reasoning:
                chunk = "".join(pending_reasoning)
                pending_reasoning.clear()
                await widget.add_reasoning(chunk)
            if pending_content:
                chunk = "".join(pending_content)
                pending_content.clear()
                await widget.add_content(chunk)

        error_text = ""
        try:
            async with contextlib.aclosing(events) as stream:
                async for event in stream:
                    if isinstance(event, ReasoningDelta):
                        pending_reasoning.append(event.text)
                    elif isinstance(event, ContentDelta):
                        if pending_reasoning:
                            await flush()
                        pending_content.append(event.text)
                    else:
                        continue
                    if time.monotonic() - flushed >= BATCH_SECONDS:
                        await flush()
                        flushed = time.monotonic()
        except errors.ApiError as error:
            error_text = advice(error)
        except asyncio.CancelledError:
            await flush()
            await widget.finish(usage=turn.usage, reason="stopped")
            self.last_status = "stopped"
            self.update_status()
            raise
        await flush()
        await widget.finish(
            usage=turn.usage, reason=turn.finish_reason, error=error_text, cost=turn.cost
        )
        self._label_branches(widget)
        self.last_status = _usage_label(turn)
        self.update_status()

    # --- actions --------------------------------------------------------------------

    def on_composer_edit_last(self, _: Composer.EditLast) -> None:
        self.action_edit_last()

    def _label_branches(self, answer: AssistantMessage) -> None:
        """After an edit or a regenerate, the new question and answer show n/m."""
        history = self.session.history
        users = list(self.query(UserMessage))
        question = next((m for m in reversed(history) if m.role == "user"), None)
        if history and history[-1].role == "assistant":
            position, count = self.session.branches(history[-1])
            if count > 1:
                answer.set_branch(f"‹ {position}/{count} ›")
        if question is not None and users:
            position, count = self.session.branches(question)
            if count > 1:
                users[-1].set_branch(f"‹ {position}/{count} ›")

    def on_composer_branch(self, event: Composer.Branch) -> None:
        self.switch_branch(event.step)

    def switch_branch(self, step: int) -> None:
        """Show another branch: of the latest message on screen that has one that way
        (so ← on an answer at its first branch moves on to its question's branches)."""
        if self.streaming or self.session.store is None:
            return
        forked = False
        for message in reversed(self.session.history[self._first_shown :]):
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

    # --- the sidebar ---------------------------------------------------------------

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one(Sidebar)
        sidebar.display = not sidebar.display
        if sidebar.display:
            sidebar.clear_search()
            sidebar.reload()
            sidebar.focus_list()
        else:
            self.query_one(Composer).focus()

    def action_search(self) -> None:
        sidebar = self.query_one(Sidebar)
        if not sidebar.display:
            self.action_toggle_sidebar()
        sidebar.query_one("#search").focus()

    def action_export(self, kind: str = "markdown") -> None:
        """Write this conversation (the branch on screen) to the current directory."""
        from pathlib import Path

        from deepseek_tui.config import atomic_write
        from deepseek_tui.export import conversation_to_json, conversation_to_markdown

        conversation = self.session.conversation
        messages = [m for m in self.session.history if isinstance(m, Message)]
        if conversation is None or not messages:
            self.notify("Nothing to export yet: this conversation is empty.")
            return
        if kind == "json":
            import json

            text = json.dumps(conversation_to_json(conversation, messages), indent=2)
            suffix = "json"
        else:
            text = conversation_to_markdown(conversation, messages)
            suffix = "md"
        path = Path.cwd() / f"deepseek-{conversation.id[:8]}.{suffix}"
        try:
            atomic_write(path, text.encode("utf-8"))
        except OSError as error:
            self.notify(f"Could not write {path}: {error.strerror or error}", severity="error")
            return
        self.notify(f"Exported to {path}")

    def on_sidebar_close(self, _: Sidebar.Close) -> None:
        if self.query_one(Sidebar).display:
            self.action_toggle_sidebar()

    def on_sidebar_open(self, event: Sidebar.Open) -> None:
        if self.streaming:
            self.notify("An answer is still streaming: press Esc to stop it first.")
            return
        try:
            if event.message_id is not None:
                self.session.open_at(event.message_id)
            else:
                self.session.open(event.conversation_id)
        except KeyError:
            self.notify("That conversation is gone.", severity="warning")
            self.query_one(Sidebar).reload()
            return
        self.last_status = ""
        self.show_history(focus_id=event.message_id)
        self.update_status()
        if self.size.width < NARROW:
            self.query_one(Sidebar).display = False  # give the conversation the room
        self.query_one(Composer).focus()

    def on_sidebar_action(self, event: Sidebar.Action) -> None:
        store = self.session.store
        if store is None or event.conversation_id is None:
            return
        conversation = store.get_conversation(event.conversation_id)
        if conversation is None:
            return
        sidebar = self.query_one(Sidebar)
        if event.action == "pin":
            store.set_pinned(conversation.id, not conversation.pinned)
            sidebar.reload(keep=conversation.id)
        elif event.action == "rename":

            def renamed(title: str | None) -> None:
                if title:
                    store.rename_conversation(conversation.id, title)
                    sidebar.reload(keep=conversation.id)

            self.app.push_screen(TextPrompt("New title", conversation.title), renamed)
        elif event.action == "delete":

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._delete(conversation)

            title = conversation.title or "Untitled"
            self.app.push_screen(Confirm(f"Delete “{title}” and all its messages?"), confirmed)

    def _delete(self, conversation: Conversation) -> None:
        """Hide it now; it is deleted for good when the app closes, unless undone."""
        store = self.session.store
        assert store is not None
        store.set_archived(conversation.id, True)
        self._deleted.append(conversation.id)
        if self.session.conversation and self.session.conversation.id == conversation.id:
            self.action_new_conversation()
        self.query_one(Sidebar).reload()
        self.notify(
            f"Deleted “{conversation.title or 'Untitled'}”. Press ctrl+z to undo.", timeout=10
        )

    def action_undo_delete(self) -> None:
        if not self._deleted or self.session.store is None:
            return
        conversation_id = self._deleted.pop()
        self.session.store.set_archived(conversation_id, False)
        restored = self.session.store.get_conversation(conversation_id)
        self.query_one(Sidebar).reload(keep=conversation_id)
        title = restored.title if restored and restored.title else "Untitled"
        self.notify(f"Restored “{title}”.")

    def on_unmount(self) -> None:
        """Delete for good what was deleted in this run: undo lasts until the app closes."""
        store = self.session.store
        with contextlib.suppress(StoreError):
            while self._deleted and store is not None:
                store.delete_conversation(self._deleted.pop())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._reply:
            self.refresh_bindings()

    def action_stop(self) -> None:
        if self.streaming and self._reply is not None:
            self._reply.cancel()

    def action_retry(self) -> None:
        """Answer the last question again (after an error, or for another take)."""
        if self.streaming or not self.session.history:
            return
        answers = list(self.query(AssistantMessage))
        user_messages = list(self.query(UserMessage))
        if answers and user_messages and answers[-1].region.y >= user_messages[-1].region.y:
            answers[-1].remove()
        self._reply = self.stream_answer("", mode="regenerate")
        self.refresh_bindings()

    def action_continue(self) -> None:
        """Let the model carry on from where a cut-short answer stopped."""
        if self.streaming:
            return
        if not self.session.can_continue:
            self.notify("The last answer is complete: there is nothing to continue.")
            return
        self._reply = self.stream_answer("", mode="continue")
        self.refresh_bindings()

    def action_edit_last(self) -> None:
        """Put the last question back in the composer; sending makes a new branch."""
        if self.streaming:
            return
        text = self.session.rewind_last_question()
        if text is None:
            return
        user_messages = list(self.query(UserMessage))
        if user_messages:
            last = user_messages[-1]
            conversation = self.query_one("#conversation", VerticalScroll)
            children = list(conversation.children)
            for widget in children[children.index(last) :]:
                widget.remove()
        composer = self.query_one(Composer)
        composer.load_text(text)
        composer.focus()
        composer.move_cursor(composer.document.end)

    def action_toggle_reasoning(self) -> None:
        panels = [p for p in self.query(".reasoning").results(Collapsible) if p.display]
        if not panels:
            self.notify("No reasoning to show in this conversation.")
            return
        expand = all(panel.collapsed for panel in panels)
        for panel in panels:
            panel.collapsed = not expand

    def action_copy_answer(self) -> None:
        answers = [a for a in self.query(AssistantMessage) if a.content]
        if not answers:
            self.notify("There is no answer to copy yet.")
            return
        self.copy_text(answers[-1].content, "the last answer")

    def copy_text(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(
            f"Copied {what} ({len(text):,} characters) with OSC 52: it reaches your "
            "clipboard if your terminal allows it (in tmux: set -g set-clipboard on)."
        )

    def code_blocks(self) -> list[tuple[str, str]]:
        """(language, code) of each fenced block in the last answer."""
        answers = [a for a in self.query(AssistantMessage) if a.content]
        return fenced_blocks(answers[-1].content) if answers else []

    def use_model(self, model: str) -> None:
        self.session.model = model
        self.update_status()
        thinking = "thinking on" if self.session.thinks else "thinking off"
        self.notify(f"The next message goes to {model} ({thinking}).")

    def action_settings(self) -> None:
        from deepseek_tui.tui.screens.settings import SettingsScreen

        def saved(changed: bool | None) -> None:
            if changed:
                self.deepseek.apply_settings()
                self.update_status()

        self.app.push_screen(SettingsScreen(), saved)

    def action_help(self) -> None:
        from deepseek_tui.tui.app import DeepSeekApp
        from deepseek_tui.tui.screens.help import HelpScreen

        self.app.push_screen(
            HelpScreen(
                [
                    ("Chat", list(ChatScreen.BINDINGS)),
                    ("Composer", list(Composer.BINDINGS)),
                    ("App", list(DeepSeekApp.BINDINGS)),
                ]
            )
        )

    def action_new_conversation(self) -> None:
        self.action_stop()
        self.session.new()
        self.last_status = ""
        self.show_history()
        self.update_status()
        self.query_one(Composer).focus()

    def action_scroll_latest(self) -> None:
        self.query_one("#conversation", VerticalScroll).scroll_end(animate=False)

    def action_toggle_thinking(self) -> None:
        from deepseek_tui.api.models import model_traits

        traits = model_traits(self.session.model)
        if traits.thinking != "toggle":
            state = "always thinks" if traits.thinking == "always" else "does not think"
            self.notify(f"{self.session.model} {state}; pick another model to change that.")
            return
        self.session.thinking = not self.session.thinks
        self.update_status()

    def action_pick_model(self) -> None:
        from deepseek_tui.tui.screens.model_picker import ModelChoice, ModelPicker

        def chosen(choice: ModelChoice | None) -> None:
            if choice is not None:
                if choice.thinking is not None:
                    self.session.thinking = choice.thinking
                self.use_model(choice.model)

        picker = ModelPicker(
            self.deepseek.model_ids(), current=self.session.model, thinking=self.session.thinking
        )
        self.app.push_screen(picker, chosen)


def fenced_blocks(markdown: str) -> list[tuple[str, str]]:
    """The fenced code blocks of a Markdown text, as (language, code)."""
    blocks: list[tuple[str, str]] = []
    fence: str | None = None
    language = ""
    lines: list[str] = []
    for line in markdown.splitlines():
        stripped = line.lstrip()
        if fence is None:
            if stripped.startswith(("```", "~~~")):
                fence = stripped[:3]
                language = stripped[3:].strip().split(" ")[0]
                lines = []
        elif stripped.startswith(fence) and not stripped[3:].strip():
            blocks.append((language, "\n".join(lines)))
            fence = None
        else:
            lines.append(line)
    if fence is not None and lines:
        blocks.append((language, "\n".join(lines)))
    return blocks


def _id(message: Message | LocalMessage) -> int | None:
    return message.id if isinstance(message, Message) else None


def _reason_label(reason: str | None, message: Message | LocalMessage) -> str:
    return status_line(reason, getattr(message, "usage", None), getattr(message, "cost", None))


def _usage_label(turn: object) -> str:
    """The status line's "last: …" part: tokens and cost of the latest answer."""
    usage = getattr(turn, "usage", None)
    if usage is None:
        return ""
    return "last: " + status_line(None, usage, getattr(turn, "cost", None))
