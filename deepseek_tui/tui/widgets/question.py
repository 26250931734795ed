"""The user's question on screen, as typed: never interpreted as markup. A question
sent with files is `AttachedQuestion` (attachments.py), its text one of these."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from deepseek_tui.terminal import sanitize


class UserMessage(Static):
    """The user's message, shown as typed: never interpreted as markup."""

    DEFAULT_CSS = """
    UserMessage {
        margin: 1 0 0 8;
        padding: 0 1;
        background: $primary 15%;
        border-left: thick $primary;
    }
    """

    def __init__(self, text: str, *, branch: str = "") -> None:
        super().__init__(classes="user-message", markup=False)
        self.text = text
        self.branch = branch
        self.update(self._shown())

    def _shown(self) -> Text:
        shown = Text(sanitize(self.text))
        if self.branch:
            shown = Text.assemble((f"{self.branch}  ←/→ in an empty composer\n", "dim"), shown)
        return shown

    def set_branch(self, branch: str) -> None:
        self.branch = branch
        self.update(self._shown())
