"""The message composer: a TextArea where Enter sends and ctrl+j adds a newline."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

# How long after the last character typed the keys of a waiting tool call are the
# screen's again (`Composer.lent`): a burst of typing goes on into the text.
LENT_AFTER = 0.6


class Composer(TextArea):
    """Multi-line input. Enter sends; ctrl+j (any terminal) or shift+enter (terminals
    with the kitty keyboard protocol) inserts a newline. A paste only inserts."""

    BINDINGS = [
        # The placeholder already says how to send; the footer has little room. Not a
        # priority binding: that would run before the keys that came in the same read
        # (text + Enter from a fast client), so `_on_key` sends, in order.
        Binding("enter", "submit", "Send", show=False),
        # In the placeholder, not the footer: at 80 columns every other key must fit.
        Binding("ctrl+j,shift+enter", "newline", "Newline", key_display="^j", show=False),
        # In an empty composer only; with text they move the cursor as usual.
        Binding("up", "edit_last", "Edit the last message (empty composer)", show=False),
        Binding("left", "branch(-1)", "Previous branch (empty composer)", show=False),
        Binding("right", "branch(1)", "Next branch (empty composer)", show=False),
        # The conversation scrolls from where one types (the text has its arrows).
        Binding(
            "pageup",
            "screen.scroll_conversation(-1)",
            "Scroll the conversation up",
            key_display="PgUp",
            show=False,
        ),
        Binding(
            "pagedown",
            "screen.scroll_conversation(1)",
            "Scroll the conversation down",
            key_display="PgDn",
            show=False,
        ),
    ]

    DEFAULT_CSS = """
    Composer {
        height: auto;
        min-height: 3;
        max-height: 12;
        margin: 0 1;
        padding: 0 1;
        border: round $primary 50%;
        background: $surface;
        &:focus {
            border: round $primary;
        }
        /* Editing an earlier question: said on the border, in the warning colour. */
        &.editing, &.editing:focus {
            border: round $warning;
            border-title-color: $warning;
        }
    }
    """

    EDITING = "editing · ⏎ sends it as a new branch · esc cancels"

    class Submitted(Message):
        """The user sent `text`."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class AttachAt(Message):
        """`@` typed at the start of a word: pick a file to attach."""

    class EditLast(Message):
        """↑ in an empty composer: edit the last question."""

    class Branch(Message):
        """←/→ in an empty composer: the previous/next branch."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def __init__(self, *, busy: Callable[[], bool] = lambda: False, id: str | None = None) -> None:
        """`busy` says whether a message cannot be sent now (an answer streams)."""
        self._busy = busy
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder="Ask DeepSeek…  (⏎ send · ^j newline)",
        )
        self.cursor_blink = False
        # Characters the composer leaves to the screen's keys for now (a tool call
        # waits for y, a, n): typed, they would go into the text. Not in the middle
        # of typing: "thanks" typed as a call appears must not allow it always.
        self.lent: frozenset[str] = frozenset()
        self._typed_at = float("-inf")  # when a character was last typed in

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if character is not None and character in self.lent and not self.typing:
            return False
        return super().check_consume_key(key, character)

    @property
    def typing(self) -> bool:
        """A character was typed in less than LENT_AFTER seconds ago."""
        return time.monotonic() - self._typed_at < LENT_AFTER

    @property
    def editing(self) -> bool:
        return self.has_class("editing")

    def set_editing(self, editing: bool) -> None:
        """Show (or stop showing) that the text is an earlier question being edited."""
        self.set_class(editing, "editing")
        self.border_title = self.EDITING if editing else None

    def action_submit(self) -> None:
        # An empty text too: the screen sends it when files are attached.
        self.post_message(self.Submitted(self.text))

    def take_out(self, text: str) -> None:
        """Remove `text` if the composer ends with it (a pasted path, now attached)."""
        if text and self.text.endswith(text):
            self.load_text(self.text[: -len(text)])
            self.move_cursor(self.document.end)

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":  # TextArea would insert a newline
            event.stop()
            event.prevent_default()
            if self._busy():
                # Not sent (the screen says why), so the question stays; what is typed
                # next starts a line of its own, not the end of this one. Here, as
                # the key is handled: keys of the same read are already queued behind it.
                self._hold()
            self.action_submit()
            return
        if event.is_printable or event.key in ("backspace", "delete"):
            self._typed_at = time.monotonic()
        starts_word = event.character == "@" and self._at_word_start()
        await super()._on_key(event)
        if starts_word:
            self.post_message(self.AttachAt())

    def _hold(self) -> None:
        row, column = self.cursor_location
        if self.document.get_line(row)[:column].strip():
            self.insert("\n")

    def _at_word_start(self) -> bool:
        row, column = self.cursor_location
        before = self.document.get_line(row)[:column]
        return not before or before[-1].isspace()

    def remove_at_sign(self) -> None:
        """Take back the `@` just before the cursor (the file picked stands for it)."""
        row, column = self.cursor_location
        if column and self.document.get_line(row)[column - 1] == "@":
            self.delete((row, column - 1), (row, column))

    def action_newline(self) -> None:
        self.insert("\n")

    def action_edit_last(self) -> None:
        if self.text:
            self.action_cursor_up()
        else:
            self.post_message(self.EditLast())

    def action_branch(self, step: int) -> None:
        if not self.text:
            self.post_message(self.Branch(step))
        elif step < 0:
            self.action_cursor_left()
        else:
            self.action_cursor_right()


def pasted_file(text: str) -> Path | None:
    """The existing regular file a pasted text names (one line, maybe quoted or with
    ~), or None: ordinary text pasted is never taken for a path."""
    line = text.strip().strip("'\"")
    if not line or "\n" in line or len(line) > 4096:
        return None
    try:
        path = Path(line).expanduser()
        return path if path.is_file() else None
    except (OSError, ValueError):
        return None
