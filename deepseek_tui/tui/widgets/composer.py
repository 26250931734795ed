"""The message composer: a TextArea where Enter sends and ctrl+j adds a newline."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class Composer(TextArea):
    """Multi-line input. Enter sends; ctrl+j (any terminal) or shift+enter (terminals
    with the kitty keyboard protocol) inserts a newline. A paste only inserts."""

    BINDINGS = [
        # The placeholder already says how to send; the footer has little room.
        Binding("enter", "submit", "Send", priority=True, show=False),
        Binding("ctrl+j,shift+enter", "newline", "Newline", key_display="^j"),
    ]

    class Submitted(Message):
        """The user sent `text`."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class EditLast(Message):
        """↑ in an empty composer: edit the last question."""

    class Branch(Message):
        """←/→ in an empty composer: the previous/next branch."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            compact=True,
            placeholder="Ask DeepSeek…  (⏎ send · ^j newline)",
        )
        self.cursor_blink = False

    def action_submit(self) -> None:
        text = self.text
        if not text.strip():
            return
        self.post_message(self.Submitted(text))

    def action_newline(self) -> None:
        self.insert("\n")

    async def _on_key(self, event: events.Key) -> None:
        if not self.text and event.key in ("up", "left", "right"):
            event.stop()
            event.prevent_default()
            if event.key == "up":
                self.post_message(self.EditLast())
            else:
                self.post_message(self.Branch(-1 if event.key == "left" else 1))
            return
        await super()._on_key(event)
