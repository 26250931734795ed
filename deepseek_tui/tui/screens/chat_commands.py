"""Command palette entries (ctrl+p) of the chat screen: its key bindings, the actions
that have no key, each model by name and each code block of the last answer."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.screens.chat_parameters import ParametersHost, parameter_commands
from deepseek_tui.tui.screens.help import described, key_label, what_it_does
from deepseek_tui.tui.screens.preset_picker import preset_rows
from deepseek_tui.tui.widgets.composer import Composer

if TYPE_CHECKING:
    from textual.binding import BindingType

    from deepseek_tui.tui.screens.chat_copy import CopyAndExport
    from deepseek_tui.tui.screens.chat_model import ModelControls
    from deepseek_tui.tui.widgets.prompt import Prompt

Command = tuple[str, Callable[[], object], str]
# Bindings that make no sense from the palette (it is open while they would run).
NOT_IN_PALETTE = {"stop", "scroll_latest", "undo_delete", "decide"}


class PaletteHost(ParametersHost, Protocol):
    """What the palette's entries use of the chat screen (`ChatScreen.COMMANDS` lists
    them): typed here, so that this module does not import the screen back."""

    BINDINGS: list[BindingType]

    @property
    def models(self) -> ModelControls: ...
    @property
    def prompt(self) -> Prompt: ...
    @property
    def copying(self) -> CopyAndExport: ...
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None: ...
    def action_edit_last(self) -> Any: ...
    def action_search(self) -> Any: ...
    def action_new_conversation(self, preset: str | None = None, focus: bool = True) -> Any: ...


class ChatCommands(Provider):
    """Listed on `ChatScreen.COMMANDS`: the palette shows them over the chat."""

    def _commands(self) -> list[Command]:
        chat = cast("PaletteHost", self.screen)  # listed on ChatScreen.COMMANDS only
        commands: list[Command] = [
            (
                f"Model: {sanitize(model, name=True)}",
                partial(chat.models.use_model, model),
                "switch for the next message",
            )
            for model in chat.app.model_list.ids()
        ]
        for binding in described(chat.BINDINGS):
            # As the footer does: only what can run now (no "cancel edit" unless editing).
            name = binding.action.partition("(")[0]  # "decide('allow')": its parameters
            if name not in NOT_IN_PALETTE and chat.check_action(binding.action, ()):
                action = getattr(chat, f"action_{binding.action}")
                commands.append((what_it_does(binding), action, key_label(binding)))
        edit = next(b for b in described(Composer.BINDINGS) if b.action == "edit_last")
        commands += [
            (what_it_does(edit), chat.action_edit_last, key_label(edit)),
            ("Search conversations", chat.action_search, "every message, all conversations"),
            ("Export conversation as Markdown", chat.copying.export, "to the current folder"),
            (
                "Export conversation as JSON",
                partial(chat.copying.export, "json"),
                "to the current folder; `deepseek-tui import` reads it",
            ),
        ]
        commands += [
            (
                f"New conversation: {sanitize(name, name=True)}",
                partial(chat.action_new_conversation, name),
                # The palette reads help as markup: a description from config.toml is escaped.
                escape(sanitize(about, name=True)),
            )
            for name, about in preset_rows(chat.app.settings)
        ]
        if chat.prompt.attachments:
            count = len(chat.prompt.attachments)
            commands.append(
                (
                    "Remove the attached files",
                    chat.prompt.remove_attachments,
                    f"{count} file{'s' if count > 1 else ''} waiting to be sent",
                )
            )
        commands += parameter_commands(chat)
        for index, (language, code) in enumerate(chat.copying.code_blocks(), start=1):
            lines = code.count("\n") + 1
            label = f"Copy code block {index} ({language or 'text'}, {lines} lines)"
            commands.append(
                (label, partial(chat.copying.copy_text, code, f"code block {index}"), "")
            )
        return commands

    async def discover(self) -> Hits:
        for name, action, help_text in self._commands():
            yield DiscoveryHit(Content(name), action, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                # highlight() reads its text as markup: escape it (model ids may hold "[").
                shown = matcher.highlight(escape(name))
                yield Hit(score, shown, action, text=name, help=help_text)
