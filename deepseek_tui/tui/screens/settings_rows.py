"""The settings form's rows, built from its schema (`settings_form.FIELDS`): the label,
the field's widget, a line for its problem, its hint, and the notes the screen fills."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, Switch, TextArea

from deepseek_tui.tui.screens.settings_form import Field, Value


class FormRow(Horizontal):
    """One row of the form: the label on the left, the field and its messages beside it."""

    def __init__(self, label: str, *children: Widget) -> None:
        super().__init__(
            Label(label, classes="label"), Vertical(*children, classes="field"), classes="row"
        )


def form_row(field: Field, value: Value, options: Sequence[tuple[str | Text, str]] = ()) -> FormRow:
    """The row for `field`, holding `value`; `options`: a choice's, as (label, value)."""
    messages: list[Widget] = []
    if field.problem:
        messages.append(Static(id=f"{field.name}-problem", classes="problem", markup=False))
    if field.hint:
        messages.append(_hint(field.hint))
    messages.extend(_hint("", id=note) for note in field.notes)
    if field.kind == "key":
        messages.append(Static(id="key-result", markup=False))  # a server's words, a URL
    return FormRow(field.label, _widget(field, value, options), *messages)


def _widget(field: Field, value: Value, options: Sequence[tuple[str | Text, str]]) -> Widget:
    name, placeholder = field.name, field.placeholder
    if field.kind == "choice":
        return Select(options, value=value, allow_blank=False, id=name)
    if field.kind == "key":
        secret = Input(placeholder=placeholder, password=True, validate_on=(), id=name)
        return Horizontal(secret, Button("Test key", id="test-key"), classes="inline")
    if field.kind == "switch":
        words = Static(field.words, id=f"{name}-words", classes="switch-words", markup=False)
        return Horizontal(Switch(bool(value), id=name), words, classes="inline")
    if field.kind == "prompt":
        return TextArea(
            str(value),
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=placeholder,
            id=name,
        )
    if field.kind == "button":
        return Horizontal(Button(field.words, id=name), classes="inline")
    return Input(str(value), placeholder=placeholder, validate_on=(), id=name)


def _hint(text: str, *, id: str | None = None) -> Static:
    """Muted text under a field; hidden when there is nothing to say."""
    # Hints and notes quote outside text (a base URL, a path, an env variable's name):
    # never read as markup.
    hint = Static(text, id=id, classes="hint", markup=False)
    hint.display = bool(text)
    return hint
