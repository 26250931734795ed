"""ContextFull: the message would not fit in the model's context window; the user
chooses what to do (nothing is dropped without asking)."""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Static

from deepseek_tui.tui.widgets.dialogs import Dialog

ContextChoice = Literal["summary", "drop", "new"]


class ContextFull(Dialog[ContextChoice | None]):
    """Offers: a new conversation from a summary, leaving the oldest turns out of what
    is sent (when that is enough), a new empty conversation, or nothing (Esc)."""

    AUTO_FOCUS = "Button"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("s", "dismiss('summary')", "From a summary"),
        Binding("d", "drop", "Drop oldest turns"),
        Binding("n", "dismiss('new')", "New conversation"),
    ]
    DEFAULT_CSS = """
    ContextFull Button { width: 100%; margin: 0 0 0 0; }
    """

    def __init__(self, question: str, *, drop: int | None, turns: int) -> None:
        super().__init__()
        self.question = question
        self.drop = drop  # the fewest oldest turns to leave out, None: not enough
        self.turns = turns

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, classes="question", markup=False)
            yield Button("New conversation from a summary of this one (s)", id="summary")
            if self.drop is not None:
                what = "turn" if self.drop == 1 else "turns"
                label = f"Leave out the {self.drop} oldest {what} of {self.turns} (d)"
                yield Button(label, id="drop")
            yield Button("New empty conversation, keep the message (n)", id="new")
            yield Button("Cancel (esc)", id="cancel")

    def action_drop(self) -> None:
        if self.drop is not None:
            self.dismiss("drop")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        choice = event.button.id
        self.dismiss(choice if choice in ("summary", "drop", "new") else None)  # type: ignore[arg-type]
