"""The chat screen's keys, a part the screen owns: the table (`ChatKeys.BINDINGS`, the
screen's `BINDINGS`: the footer shows each short description, help (F1) and the palette
the tooltip), which of them are offered as the chat stands (`offered`, the screen's
`check_action`), and the keys a tool call that waits takes from the composer
(`TOOL_KEYS`, `lend`). The actions they name are the screen's.

It is imported with the screen: the first frame's footer is drawn from the table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from textual.screen import Screen

    from deepseek_tui.tui.widgets.composer import Composer

# The keys of a tool call that waits (its row says them): key, decision, what it does.
TOOL_KEYS = (
    ("y", "allow", "Allow the tool call waiting"),
    ("Y", "all", "Allow it and the rest of its round"),
    ("a", "always", "Always allow this tool (config.toml)"),
    ("n", "deny", "Deny the tool call waiting"),
)


class ChatKeys:
    """Which keys the chat has, which it offers now, and which a waiting call takes."""

    # The footer shows the short description; help and the palette the tooltip.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "stop",
            "Stop",
            tooltip="Stop the answer that is streaming (and its tool calls)",
        ),
        Binding("escape", "cancel_edit", "Cancel edit", tooltip="Cancel an edit: nothing changes"),
        Binding(
            "ctrl+n",
            "pick_new_conversation",
            "New conversation",
            show=False,
            tooltip="New conversation: blank, or from a preset",
        ),
        Binding("ctrl+o", "pick_model", "Model", tooltip="Pick the model for the next message"),
        # Priority: the composer's ^a (line start, also on Home) would take it first.
        Binding(
            "ctrl+a",
            "attach",
            "Attach",
            show=False,
            priority=True,
            tooltip="Attach a file to the next message (del on a chip removes it)",
        ),
        Binding("ctrl+t", "toggle_thinking", "Thinking", tooltip="Thinking on/off"),
        # When the model cannot toggle, ^t is not offered but still says why.
        Binding("ctrl+t", "thinking_fixed", show=False),
        Binding("ctrl+s", "settings", "Settings"),
        # Not "?": in the composer it is typed, and help would list a key that types.
        Binding("f1", "help", "Help", tooltip="Help: every key"),
        Binding("ctrl+r", "retry", "Regenerate / retry", show=False),
        Binding(
            "ctrl+f",
            "continue",
            "Continue a cut answer",
            show=False,
            tooltip="Continue a cut answer, or a turn stopped among tool calls",
        ),
        Binding("ctrl+g", "toggle_reasoning", "Show/hide reasoning", show=False),
        Binding("ctrl+b", "copy_answer", "Copy last answer", show=False),
        Binding("ctrl+down", "scroll_latest", "Jump to the latest", show=False),
        Binding("ctrl+l", "toggle_sidebar", "Chats", tooltip="Chats: list, search"),
        Binding("ctrl+z", "undo_delete", "Undo delete", show=False, priority=True),
        Binding("f4", "tools", "Tools", show=False, tooltip="Tools: MCP servers and their tools"),
        # A tool call waiting for approval takes these at once, wherever the focus is.
        *(
            Binding(key, f"decide('{how}')", what, show=False, priority=True)
            for key, how, what in TOOL_KEYS
        ),
    ]

    def __init__(
        self,
        owner: Screen[None],
        *,
        composer: Callable[[], Composer],
        streaming: Callable[[], bool],
        editing: Callable[[], bool],
        can_toggle: Callable[[], bool],
        call_waits: Callable[[], bool],
    ) -> None:
        self._owner = owner  # its keys refreshed as a call starts and stops waiting
        self._composer = composer
        self._streaming = streaming
        self._editing = editing  # an edit under way (not while an answer streams)
        self._can_toggle = can_toggle  # the model's thinking toggles
        self._call_waits = call_waits  # a tool call waits for the user's decision

    def offered(self, action: str) -> bool | None:
        """Whether the key for `action` works now (and shows, if the footer shows it)."""
        # "Stop" is shown in the footer only while there is something to stop.
        if action == "stop":
            return self._streaming()
        if action == "cancel_edit":
            return self._editing() and not self._streaming()
        if action == "toggle_thinking":  # asked by the footer for the first frame too
            return self._can_toggle()
        if action == "decide":  # only while a call waits: else y, a, n are typed
            return self._call_waits()
        return True

    def lend(self, waiting: bool) -> None:
        """While a call waits, its keys are the screen's, not the composer's."""
        self._composer().lent = frozenset(key for key, *_ in TOOL_KEYS) if waiting else frozenset()
        self._owner.refresh_bindings()
