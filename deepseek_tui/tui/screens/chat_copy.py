"""What leaves the chat, a part the screen owns: the last answer or a code block to
the clipboard (the terminal's, OSC 52) and the conversation to a file in the current
folder (Markdown or JSON, `export.write_export`). The screen's ^b and the palette's
entries call it; it is given what it needs of the screen rather than reaching into it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from deepseek_tui.tui.app import DeepSeekApp

if TYPE_CHECKING:
    from textual.screen import Screen

    from deepseek_tui.session import Session


class CopyAndExport:
    """Copy the last answer or its code blocks; export the conversation."""

    def __init__(self, owner: Screen[None], *, last_answer: Callable[[], str]) -> None:
        self._owner = owner  # notices
        self._last_answer = last_answer  # the text of the last answer on screen

    @property
    def _app(self) -> DeepSeekApp:
        return cast(DeepSeekApp, self._owner.app)

    @property
    def _session(self) -> Session:
        return self._app.session

    def copy_answer(self) -> None:
        text = self._last_answer()
        if not text:
            self._owner.notify("There is no answer to copy yet.")
            return
        self.copy_text(text, "the last answer")

    def copy_text(self, text: str, what: str) -> None:
        self._app.copy_to_clipboard(text)
        # The clipboard is the terminal's (OSC 52); tmux passes it on only when told.
        tip = " If it is not there: set -g set-clipboard on." if os.environ.get("TMUX") else ""
        self._owner.notify(f"Copied {what} ({len(text):,} characters).{tip}")

    def code_blocks(self) -> list[tuple[str, str]]:
        """(language, code) of each fenced block in the last answer."""
        from deepseek_tui.markdown import fenced_blocks

        return fenced_blocks(self._last_answer())

    def export(self, kind: str = "markdown") -> None:
        """Write this conversation (the branch on screen) to the current directory."""
        from pathlib import Path

        from deepseek_tui.export import export_filename, write_export

        conversation = self._session.conversation
        messages = self._session.saved_messages()
        if conversation is None or not messages:
            self._owner.notify("Nothing to export yet: this conversation is empty.")
            return
        fmt = "json" if kind == "json" else "markdown"
        path = Path.cwd() / export_filename(conversation, fmt)
        try:
            write_export(path, conversation, messages, fmt)
        except OSError as error:
            self._owner.notify(
                f"Could not write {path}: {error.strerror or error}",
                severity="error",
                markup=False,
            )
            return
        self._owner.notify(f"Exported to {path}", markup=False)
