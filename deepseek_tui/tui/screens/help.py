"""F1: every key, generated from the bindings of the classes that own them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.conversation_list import ConversationList
from deepseek_tui.tui.widgets.dialogs import Dialog
from deepseek_tui.tui.widgets.sidebar import Sidebar
from deepseek_tui.tui.widgets.tool_call import ToolCallView

KEY_NAMES = {
    "escape": "esc",
    "question_mark": "?",
    "enter": "⏎",
    "slash": "/",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "delete": "del",
}


def key_text(key: str) -> str:
    """One key as the footer writes it, the app's one notation: "^o", "^↓", "esc"."""
    modifiers, _, name = key.rpartition("+")
    name = KEY_NAMES.get(name, name)
    if modifiers == "ctrl":
        return f"^{name}"
    return f"{modifiers}+{name}" if modifiers else name


def key_label(binding: Binding) -> str:
    """How a binding's keys are written for people: "f1 / ?", "^o", "⏎"."""
    if binding.key_display:
        return binding.key_display
    return " / ".join(key_text(key) for key in binding.key.split(","))


def what_it_does(binding: Binding) -> str:
    """The longer words (the tooltip) when the footer's short label needs them."""
    return binding.tooltip or binding.description


def described(bindings: Iterable[BindingType]) -> list[Binding]:
    """The bindings that say what they do (a tuple binding is made a `Binding`)."""
    result = []
    for item in bindings:
        binding = item if isinstance(item, Binding) else Binding(*item)
        if binding.description:
            result.append(binding)
    return result


Section = tuple[str, Iterable[BindingType]]


def chat_sections(chat: Iterable[BindingType], app: Iterable[BindingType]) -> list[Section]:
    """The chat's keys: its own, the composer's, a tool call's row, the conversation
    list's, the app's."""
    from textual.app import App

    palette = Binding(
        App.COMMAND_PALETTE_BINDING,
        "command_palette",
        "Command palette: every action, each model by name",
    )
    return [
        ("Chat", chat),
        ("Composer", Composer.BINDINGS),
        ("A tool call (its row focused)", ToolCallView.BINDINGS),
        ("Chats (^l)", [*ConversationList.BINDINGS, *Sidebar.BINDINGS]),
        ("App", [palette, *app]),
    ]


class HelpScreen(Dialog[None]):
    """Lists keys by section: (heading, bindings) pairs."""

    BINDINGS = [Binding("escape,f1,q,question_mark", "dismiss(None)", "Close this help")]
    CSS_PATH = "help.tcss"

    def __init__(self, sections: Sequence[Section]) -> None:
        super().__init__()
        self.sections = [*sections, ("Help", HelpScreen.BINDINGS)]

    def compose(self) -> ComposeResult:
        accent = self.app.theme_variables.get("accent", "")
        sections = [(heading, described(bindings)) for heading, bindings in self.sections]
        width = max(len(key_label(b)) for _, bindings in sections for b in bindings)
        parts: list[Text | Table] = []
        for heading, bindings in sections:
            # The heading stands above its table, so the key column stays narrow.
            parts.append(Text(heading, style="bold underline"))
            table = Table.grid(padding=(0, 2))
            table.add_column(style=f"bold {accent}".strip(), no_wrap=True, width=width)
            table.add_column()
            # One row per key: a key with two meanings by state (esc: stop a stream,
            # cancel an edit) says both on its row.
            rows: dict[str, list[str]] = {}
            for binding in bindings:
                said = rows.setdefault(key_label(binding), [])
                if what_it_does(binding) not in said:
                    said.append(what_it_does(binding))
            for key, meanings in rows.items():
                first, *more = meanings
                said = "; ".join([first, *(m[:1].lower() + m[1:] for m in more)])
                table.add_row(Text(key), Text(said))
            parts += [table, Text("")]
        with VerticalScroll() as box:
            box.border_title = "Keys"
            box.border_subtitle = "esc closes · ↑/↓ scroll"
            yield Static(Group(*parts[:-1]))
