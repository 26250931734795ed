"""Modal dialogs: a base with the shared frame, a line of text, a yes/no question.

Generic modals, at the widgets' level rather than among the screens: a widget that asks
(the sidebar's rename and delete) may push them, and widgets cannot import screens."""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

Result = TypeVar("Result")


class Dialog(ModalScreen[Result]):
    """A centred box over the screen below. Subclasses compose one container."""

    DEFAULT_CSS = """
    Dialog {
        align: center middle;
    }
    Dialog > Vertical {
        width: 60; max-width: 95%; height: auto;
        border: round $primary; background: $surface; padding: 1 2;
    }
    Dialog .question { margin-bottom: 1; }
    Dialog Horizontal { height: auto; margin-top: 1; }
    Dialog Button { margin-right: 2; }
    """


class TextPrompt(Dialog[str | None]):
    """One line of text (e.g. a new title). Enter accepts, Esc cancels."""

    AUTO_FOCUS = "Input"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, classes="question", markup=False)
            yield Input(self.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class Confirm(Dialog[bool]):
    """Yes/no for something that cannot be taken back (or only with undo)."""

    AUTO_FOCUS = "#no"
    BINDINGS = [
        Binding("escape,n", "dismiss(False)", "No"),
        Binding("y", "dismiss(True)", "Yes"),
    ]

    def __init__(self, question: str, yes: str = "Delete", no: str = "Keep it") -> None:
        """`yes` and `no` name what each answer does ("Keep it" reads as keeping the
        thing asked about: an attach question says "Don't attach")."""
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, classes="question", markup=False)
            with Horizontal():
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button(f"{self.no} (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
