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
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Collapsible, Footer, Static
from textual.worker import Worker, WorkerState

from deepseek_tui.api import errors
from deepseek_tui.api.events import ContentDelta, ReasoningDelta
from deepseek_tui.pricing import format_cost
from deepseek_tui.session import LocalMessage, Session
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.messages import AssistantMessage, UserMessage

if TYPE_CHECKING:
    from deepseek_tui.tui.app import DeepSeekApp

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
        Binding("ctrl+g", "toggle_reasoning", "Show/hide reasoning", show=False),
        Binding("ctrl+b", "copy_answer", "Copy last answer", show=False),
        Binding("ctrl+down", "scroll_latest", "Jump to the latest", show=False),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._reply: Worker[None] | None = None
        self.last_status = ""

    @property
    def deepseek(self) -> DeepSeekApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="conversation")
        yield Composer(id="composer")
        yield Static(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        conversation = self.query_one("#conversation", VerticalScroll)
        conversation.anchor()
        self.show_history()
        self.update_status()

    # --- showing ----------------------------------------------------------------

    def show_history(self) -> None:
        conversation = self.query_one("#conversation", VerticalScroll)
        conversation.remove_children()
        widgets = []
        for message in self.session.history:
            if message.role == "user":
                widgets.append(UserMessage(message.content))
            elif message.role == "assistant":
                reason = message.finish_reason
                if not isinstance(message, LocalMessage) and message.unfinished:
                    reason = "interrupted"
                widget = AssistantMessage(
                    model=message.model or "?",
                    content=message.content,
                    reasoning=message.reasoning or "",
                    finished=True,
                    reasoning_expanded=self.deepseek.settings.reasoning_expanded,
                    status=_reason_label(reason),
                )
                widgets.append(widget)
        if widgets:
            conversation.mount_all(widgets)
        else:
            conversation.mount(
                Static(
                    Text.assemble(
                        ("New conversation\n", "bold"),
                        "Type a message and press Enter. Ctrl+o picks the model, "
                        "F1 lists every key, ctrl+p finds any action.",
                    ),
                    id="empty-hint",
                )
            )
        conversation.anchor()

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
        self.query_one("#status", Static).update(Text(" · ".join(parts)))

    # --- sending ------------------------------------------------------------------

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
        self._reply = self.stream_answer(message.text, regenerate=False)

    @work(exclusive=True, group="reply", exit_on_error=False)
    async def stream_answer(self, text: str, *, regenerate: bool) -> None:
        session = self.session
        conversation = self.query_one("#conversation", VerticalScroll)
        widget = AssistantMessage(
            model=session.model,
            reasoning_expanded=self.deepseek.settings.reasoning_expanded,
        )
        await conversation.mount(widget)
        conversation.anchor()
        turn = session.new_turn()
        events = session.regenerate(turn) if regenerate else session.send(text, turn)
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
        self.last_status = _usage_label(turn)
        self.update_status()

    # --- actions --------------------------------------------------------------------

    def on_composer_edit_last(self, _: Composer.EditLast) -> None:
        self.action_edit_last()

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
        self._reply = self.stream_answer("", regenerate=True)

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


def _reason_label(reason: str | None) -> str:
    return {
        "stopped": "stopped",
        "interrupted": "interrupted",
        "length": "cut at max_tokens",
        "error": "failed",
    }.get(reason or "", "")


def _usage_label(turn: object) -> str:
    usage = getattr(turn, "usage", None)
    if usage is None:
        return ""
    label = f"last: {usage.prompt_tokens:,} in · {usage.completion_tokens:,} out"
    amount = getattr(turn, "cost", None)
    return label if amount is None else f"{label} · {format_cost(amount)}"
