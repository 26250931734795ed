"""Command palette entries (ctrl+p): every chat action, and each model by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from deepseek_tui.tui.screens.chat import ChatScreen


class ChatCommands(Provider):
    """Actions of the chat screen, plus "Model: <id>" for every known model."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        from deepseek_tui.tui.screens.chat import ChatScreen

        screen = self.screen
        if not isinstance(screen, ChatScreen):
            return []
        chat: ChatScreen = screen
        commands: list[tuple[str, Callable[[], object], str]] = [
            (f"Model: {model}", partial(chat.use_model, model), "switch for the next message")
            for model in chat.deepseek.model_ids()
        ]
        commands += [
            ("Toggle thinking", chat.action_toggle_thinking, "ctrl+t"),
            ("Pick model…", chat.action_pick_model, "ctrl+o"),
            ("Settings", chat.action_settings, "ctrl+s"),
            ("New conversation", chat.action_new_conversation, "ctrl+n"),
            ("Copy last answer", chat.action_copy_answer, "ctrl+b"),
            ("Regenerate answer", chat.action_retry, "ctrl+r"),
            ("Continue the cut answer", chat.action_continue, "ctrl+f"),
            ("Edit last message", chat.action_edit_last, "↑ in an empty composer"),
            ("Toggle reasoning panels", chat.action_toggle_reasoning, "ctrl+g"),
            ("Help: keys", chat.action_help, "F1"),
            ("Conversations", chat.action_toggle_sidebar, "ctrl+l"),
            ("Search conversations", chat.action_search, "every message, all conversations"),
            ("Export conversation as Markdown", chat.action_export, "to the current folder"),
            (
                "Export conversation as JSON",
                partial(chat.action_export, "json"),
                "to the current folder; `deepseek-tui import` reads it",
            ),
        ]
        for index, (language, code) in enumerate(chat.code_blocks(), start=1):
            lines = code.count("\n") + 1
            label = f"Copy code block {index} ({language or 'text'}, {lines} lines)"
            commands.append((label, partial(chat.copy_text, code, f"code block {index}"), ""))
        return commands

    async def discover(self) -> Hits:
        for name, action, help_text in self._commands():
            yield DiscoveryHit(name, action, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), action, help=help_text)
