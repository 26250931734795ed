"""The chat screen: the conversation, the composer, the status bar and the sidebar.

The screen has the actions and routes messages; the parts do the work. Its keys,
and which of them are offered now, are the part `ChatKeys`'s (chat_keys.py). The
`ConversationView` view owns the turn (send, regenerate, continue, edit, branches):
an answer's `AssistantMessage.Started` and `Finished` come up through it; the part
`Turns` (chat_turns.py) routes a question, how an answer ended (the title part
`Titles`, the context-overflow offer), stop, edit and branches; the part
`StatusUpdates` (chat_status.py) fills the status line. `StatusBar` draws its
reactives; the `Sidebar` does the conversation list's jobs through `History`,
posting what the screen must follow, which the part `SidebarRouting`
(chat_sidebar.py) carries out; the model and thinking are the part `ModelControls`'s
(chat_model.py).

A new chat's first frame needs no engine: the status line comes from the settings
(`DeepSeekApp.starting_model`) and the session is made just after the frame. So this
module imports only what that frame shows; the engine, the store and the message
widgets are imported where they are used (docs/architecture.md, "Start path").
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from textual import getters, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import TextArea

from deepseek_tui.tui.app import DeepSeekApp
from deepseek_tui.tui.screens.chat_keys import ChatKeys
from deepseek_tui.tui.screens.chat_model import ModelControls
from deepseek_tui.tui.screens.chat_start import ConversationStarts
from deepseek_tui.tui.screens.chat_status import StatusUpdates
from deepseek_tui.tui.screens.chat_titles import Titles
from deepseek_tui.tui.screens.chat_turns import Turns
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.conversation import ConversationView
from deepseek_tui.tui.widgets.footer import KeysFooter
from deepseek_tui.tui.widgets.message_window import EmptyHint
from deepseek_tui.tui.widgets.prompt import Prompt
from deepseek_tui.tui.widgets.status_bar import StatusBar
from deepseek_tui.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from textual.command import Provider

    from deepseek_tui.session import Session
    from deepseek_tui.tui.screens.attach_picker import AttachPicker
    from deepseek_tui.tui.screens.chat_copy import CopyAndExport
    from deepseek_tui.tui.screens.chat_sidebar import SidebarRouting
    from deepseek_tui.tui.widgets.messages import AssistantMessage
    from deepseek_tui.tui.widgets.sidebar import Sidebar
    from deepseek_tui.tui.widgets.tool_call import Decision, ToolCallView


def _attach_picker() -> AttachPicker:
    """The picker the prompt opens (given to it: a widget may not import screens)."""
    from pathlib import Path

    from deepseek_tui.tui.screens.attach_picker import AttachPicker

    return AttachPicker(Path.cwd())


def _saying_unsent(chat: ChatScreen) -> AbstractContextManager[None]:
    """Around a change of model or thinking, what it newly leaves out of the next
    request is said (imported at the first change: the parameters' words)."""
    from deepseek_tui.tui.screens.chat_parameters import saying_unsent

    return saying_unsent(chat)


def _chat_commands() -> type[Provider]:
    """The palette's entries, imported when the palette first opens: they bring the
    help's key table and the parameters' dialogs, which the first frame does not need."""
    from deepseek_tui.tui.screens.chat_commands import ChatCommands

    return ChatCommands


class ChatScreen(Screen[None]):
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

    # Its keys and when each is offered: the part `ChatKeys` (chat_keys.py).
    BINDINGS = ChatKeys.BINDINGS

    app = getters.app(DeepSeekApp)
    conversation = getters.query_one("#conversation", ConversationView)
    prompt = getters.query_one("#prompt", Prompt)
    composer = getters.query_one("#composer", Composer)
    status = getters.query_one("#status", StatusBar)
    title_bar = getters.query_one("#title", TitleBar)

    def __init__(self) -> None:
        super().__init__()
        self._view: ConversationView | None = None  # `conversation`, once composed
        self.titles = Titles(
            self, status=lambda: self.status, renamed=lambda *new: self.sidebars.show_renamed(*new)
        )
        self.models = ModelControls(
            self,
            status=lambda: self.status,
            streaming=lambda: self.streaming,
            update_status=lambda: self.status_updates.update(),
            saying_unsent=lambda: _saying_unsent(self),
        )
        self.status_updates = StatusUpdates(
            lambda: self.app,
            status=lambda: self.status,
            title_bar=lambda: self.title_bar,
            draft=lambda: self.prompt.draft,
            models=self.models,
            mark_open=lambda: self.sidebars.mark_open(),
        )
        self.starts = ConversationStarts(
            self,
            stop=self.action_stop,
            show_messages=self.show_messages,
            status_updates=self.status_updates,
            focus_composer=lambda: self.composer.focus(),
        )
        self.keys = ChatKeys(
            self,
            composer=lambda: self.composer,
            streaming=lambda: self.streaming,
            editing=lambda: self._view is not None and self._view.editing,
            can_toggle=lambda: self.models.can_toggle(),
            call_waits=lambda: self._view is not None and self._view.waiting_call is not None,
        )
        self.turns = Turns(
            self,
            conversation=lambda: self.conversation,
            prompt=lambda: self.prompt,
            composer=lambda: self.composer,
            streaming=lambda: self.streaming,
            status_updates=self.status_updates,
            titles=self.titles,
            new_conversation=self.action_new_conversation,
            retry=self.action_retry,
            update_gauge=self.update_gauge,
        )

    # The parts the first frame does without are made, and their modules imported, at
    # their first use (docs/architecture.md, "Start path").

    @cached_property
    def sidebars(self) -> SidebarRouting:
        """Mounts the sidebar at the first ^l and does what it asks."""
        from deepseek_tui.tui.screens.chat_sidebar import SidebarRouting

        return SidebarRouting(
            self,
            streaming=lambda: self.streaming,
            show_messages=lambda focus_id: self.show_messages(focus_id=focus_id),
            update_status=self.status_updates.update,
            new_conversation=self.action_new_conversation,
            focus_composer=lambda: self.composer.focus(),
        )

    @cached_property
    def copying(self) -> CopyAndExport:
        """The last answer or a code block to the clipboard; the conversation to a file."""
        from deepseek_tui.tui.screens.chat_copy import CopyAndExport

        return CopyAndExport(self, last_answer=lambda: self.conversation.last_answer())

    @property
    def session(self) -> Session:
        """The app's engine; the first frame of a new chat does without it."""
        return self.app.session

    def compose(self) -> ComposeResult:
        # No sidebar: it is mounted at the first ^l (`SidebarRouting.mount`).
        with Vertical(id="main"):
            yield TitleBar(id="title")
            self._view = ConversationView(
                lambda: self.session,
                ready=self.turns.ready,
                reasoning_expanded=lambda: self.app.settings.reasoning_expanded,
                id="conversation",
            )
            with self._view:
                if not self.app.session_made:
                    yield EmptyHint()  # a new chat: in the first frame, not mounted after it
            yield Prompt(
                _attach_picker,
                limit_kb=lambda: self.app.settings.attach_limit_kb,
                busy=lambda: self.streaming,
                id="prompt",
            )
            yield StatusBar(id="status")
        yield KeysFooter(compact=True)

    def on_mount(self) -> None:
        if self.app.session_made:  # --continue, --conversation: it is what the frame shows
            self.show_messages()
            self.status_updates.update()
        else:
            self.models.show_starting()
        self.app.after_first_frame(self._after_first_frame)
        self.app.tools_changed.subscribe(self, lambda _: self.status_updates.update())

    def _after_first_frame(self) -> None:
        # The session is made here (`StatusUpdates.update` asks for it), and the history
        # opened: creating a new database file takes a while.
        self.app.open_history()
        self.status_updates.update()

    # --- showing ------------------------------------------------------------------------

    def show_messages(self, focus_id: int | None = None) -> None:
        """Show the session's history (an edit under way is abandoned)."""
        self.conversation.show_messages(focus_id)
        self.turns.show_editing()

    # --- the prompt and the gauge -------------------------------------------------------

    def action_attach(self) -> None:
        """Pick a file to send with the next message (^a: the screen's key, so that it
        works wherever the focus is; the prompt does the rest)."""
        self.prompt.pick_file()

    @on(Prompt.DraftChanged)
    def update_gauge(self) -> None:
        """The context gauge, for the conversation and the prompt's draft as they are."""
        self.status_updates.gauge()

    # --- sending ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.keys.offered(action)

    @property
    def streaming(self) -> bool:
        return self._view is not None and self._view.streaming

    async def on_prompt_submitted(self, message: Prompt.Submitted) -> None:
        await self.turns.submitted(message)

    def on_assistant_message_started(self, _: AssistantMessage.Started) -> None:
        # The title bar and the sidebar: the question is saved, a new conversation made.
        # The last answer's "stopped" or figures are not this one's: cleared until it ends.
        self.status_updates.update(last="")

    def on_assistant_message_finished(self, event: AssistantMessage.Finished) -> None:
        self.turns.finished(event)

    def on_composer_branch(self, event: Composer.Branch) -> None:
        self.turns.branch(event.step)

    # --- actions ----------------------------------------------------------------------

    def action_stop(self) -> None:
        self.turns.stop()

    def action_decide(self, decision: Decision) -> None:
        self.conversation.decide(decision)

    def on_tool_call_view_waiting(self, event: ToolCallView.Waiting) -> None:
        self.keys.lend(event.waiting)

    def action_tools(self) -> None:
        from deepseek_tui.tui.screens.tools_panel import ToolsPanel

        self.app.push_screen(ToolsPanel(self.app.tool_servers))

    def action_retry(self) -> None:
        """Answer the last question again (after an error, or for another take)."""
        self.conversation.retry()

    def action_continue(self) -> None:
        """Let the model carry on from where a cut-short answer stopped."""
        self.conversation.continue_answer()

    @on(Composer.EditLast)
    async def action_edit_last(self) -> None:
        """Put the last question back in the composer; sending makes a new branch."""
        self.turns.edit_last()

    def action_cancel_edit(self) -> None:
        """Esc while editing: the conversation as it was, an empty composer."""
        self.turns.cancel_edit()

    def action_toggle_reasoning(self) -> None:
        if not self.conversation.toggle_reasoning():
            self.notify("No reasoning to show in this conversation.")

    def action_copy_answer(self) -> None:
        self.copying.copy_answer()

    # --- the sidebar (`SidebarRouting` mounts it and does what it asks) ----------------

    async def action_toggle_sidebar(self) -> None:
        await self.sidebars.toggle()

    async def action_search(self) -> None:
        await self.sidebars.search()

    async def on_sidebar_close(self, _: Sidebar.Close) -> None:
        await self.sidebars.close()

    def on_sidebar_opened(self, event: Sidebar.Opened) -> None:
        self.sidebars.opened(event)

    def on_sidebar_deleted(self, event: Sidebar.Deleted) -> None:
        self.sidebars.deleted(event)

    def on_sidebar_renamed(self, event: Sidebar.Renamed) -> None:
        self.sidebars.show_renamed(event.conversation_id, event.title)

    @on(TextArea.Changed, "#composer")
    def _typed_since_delete(self) -> None:
        self.sidebars.typed()

    def action_undo_delete(self) -> None:
        """Bring back the conversation deleted last (ctrl+z, wherever focus is)."""
        self.sidebars.undo_delete()

    def action_settings(self) -> None:
        from deepseek_tui.tui.screens.settings import SavedSettings, SettingsScreen

        def saved(result: SavedSettings | None) -> None:
            if result is not None:
                self.app.use_settings(result.settings, provider=result.provider, key=result.key)
                self.status_updates.update()

        self.app.push_screen(SettingsScreen(), saved)

    def action_help(self) -> None:
        from deepseek_tui.tui.screens.help import HelpScreen, chat_sections

        self.app.push_screen(HelpScreen(chat_sections(self.BINDINGS, self.app.BINDINGS)))

    def action_new_conversation(self, preset: str | None = None, focus: bool = True) -> None:
        """A blank conversation, or one from `preset` (`ConversationStarts.new`)."""
        self.starts.new(preset, focus)

    def action_pick_new_conversation(self) -> None:
        self.starts.pick()

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
        `ModelControls.toggle_thinking`)."""
        self.action_toggle_thinking()

    def action_toggle_thinking(self) -> None:
        self.models.toggle_thinking()

    def action_pick_model(self) -> None:
        self.models.pick()
