"""Attached files in the chat: chips above the composer (removable before sending)
and, once sent, each file folded under its name below the question."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Collapsible, Static

from deepseek_tui.terminal import sanitize

if TYPE_CHECKING:
    from deepseek_tui.attachments import Attachment


def _label(attachment: Attachment) -> str:
    """`📎 name · 12 KB` with the name made safe to show (it comes from outside)."""
    return sanitize(attachment.label, name=True)


class Chip(Static, can_focus=True):
    """One attached file waiting to be sent; Delete or Backspace takes it off."""

    BINDINGS = [
        Binding("delete,backspace", "remove", "Remove the attachment", key_display="del"),
    ]

    DEFAULT_CSS = """
    Chip {
        width: auto;
        height: 1;
        margin-right: 1;
        padding: 0 1;
        background: $primary 20%;
        color: $text;
        &:focus {
            background: $primary 50%;
        }
    }
    """

    def __init__(self, attachment: Attachment) -> None:
        super().__init__(Text(f"{_label(attachment)} ✕"), markup=False)
        self.attachment = attachment
        self.tooltip = "del removes it"

    def action_remove(self) -> None:
        self.post_message(AttachmentChips.Removed(self.attachment))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_remove()


class AttachmentChips(Horizontal):
    """The files that go with the next message, one chip each; hidden when none."""

    DEFAULT_CSS = """
    AttachmentChips {
        height: auto;
        margin: 0 1;
        display: none;
        &.-some {
            display: block;
        }
    }
    """

    class Removed(Message):
        """A chip asked to be taken off."""

        def __init__(self, attachment: Attachment) -> None:
            super().__init__()
            self.attachment = attachment

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._attachments: list[Attachment] = []

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(self._attachments)

    def add(self, attachment: Attachment) -> None:
        self._attachments.append(attachment)
        self.mount(Chip(attachment))
        self.add_class("-some")

    def clear(self) -> None:
        self._attachments.clear()
        self.remove_children()
        self.remove_class("-some")

    def on_attachment_chips_removed(self, event: AttachmentChips.Removed) -> None:
        event.stop()
        for chip in self.query(Chip):
            if chip.attachment is event.attachment:
                self._attachments.remove(event.attachment)
                chip.remove()
                break
        self.set_class(bool(self._attachments), "-some")
        self.post_message(self.Changed())

    class Changed(Message):
        """The set of attachments changed (the gauge counts them)."""


class AttachedFile(Collapsible):
    """A sent file, folded under `📎 name · 12 KB`; opened, its text as sent."""

    DEFAULT_CSS = """
    AttachedFile {
        margin: 0 0 0 8;
        padding: 0;
        border-top: none;
        background: $primary 8%;
        & > Contents {
            padding: 0 1;
        }
    }
    """

    def __init__(self, attachment: Attachment) -> None:
        self.attachment = attachment
        super().__init__(
            Static(Text(sanitize(attachment.text)), markup=False, classes="attached-text"),
            title=Content(_label(attachment)),
            collapsed=True,
        )


class AttachedQuestion(Vertical):
    """A question sent with files: its text (as `UserMessage`), then each file."""

    DEFAULT_CSS = """
    AttachedQuestion {
        height: auto;
    }
    """

    def __init__(self, text: str, attachments: Sequence[Attachment], *, branch: str = "") -> None:
        super().__init__(classes="attached-question")
        self.text = text
        self.attachments = tuple(attachments)
        self.branch = branch

    def compose(self) -> ComposeResult:
        # Here, not at the top: the chips are in the chat's first frame, messages are not.
        from deepseek_tui.tui.widgets.question import UserMessage

        yield UserMessage(self.text, branch=self.branch)
        for attachment in self.attachments:
            yield AttachedFile(attachment)
