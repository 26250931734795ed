"""A window of message widgets over a whole history, the conversation view's base.

It mounts the latest messages, as many as fill the view and half again (`FILL`),
pages older ones in as the user scrolls to the top, follows a streaming answer unless
the user scrolled away, and can put a message at the top of the view. What a message
looks like is the subclass's business (`widget_for`, which turns one history entry
into a widget); an entry's height is estimated from its `content`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.timer import Timer

# Messages mounted at most when a conversation opens, and per page scrolled in.
WINDOW = 30
# How much is mounted: the newest messages whose text fills this many views. Every
# message mounted is laid out (and its Markdown rendered) again whenever the width
# changes, the sidebar opening included, so not a full WINDOW of them: 2,000 short
# messages opened in 0.43 s with 30 (the benchmark's 120x40 shows ~8).
FILL = 1.5
# Rows a message takes besides its text: name or question margin, status, gaps.
CHROME_ROWS = 3
# A message scrolled to the top is kept there while the layout around it settles:
# checked every PIN_TICK seconds until it has not moved for PIN_STEADY checks in a
# row, PIN_LIMIT seconds at most (a loaded machine lays out slowly).
PIN_TICK = 0.05
PIN_STEADY = 3
PIN_LIMIT = 10.0
# The empty conversation: our own constant text, so Textual markup with theme
# variables is safe here (nothing from outside is ever put into it).
_KEYS = (
    ("^o", "pick the model"),
    ("^n", "new conversation"),
    ("^s", "settings"),
    ("^l", "chats: list, search"),
    ("f1", "every key"),
    ("^p", "any action"),
)
_START = [
    "[b $text]Type a question and press [$accent]⏎[/].[/]",
    "[b $accent]^j[/] starts a new line.",
    "",
]
_KEY_WIDTH = 22  # one key and its words


class EmptyHint(Static):
    """What an empty conversation shows: how to start, and the keys to know; the
    keys in two columns where they fit, else in one."""

    def render(self) -> str:
        keys = [f"[b $accent]{key}[/] {words:<{_KEY_WIDTH - 3}}" for key, words in _KEYS]
        if self.size.width >= 2 * _KEY_WIDTH + 2:
            half = (len(keys) + 1) // 2
            rows = [f"{left} {right}" for left, right in zip(keys[:half], keys[half:], strict=True)]
        else:
            rows = keys
        return "\n".join([*_START, *rows])


Entry = TypeVar("Entry")


class Earlier(Static):
    """ "▲ N earlier messages": found by its type, not an id (a conversation shown
    twice in a row would mount a second before the first is gone)."""


class MessageWindow(VerticalScroll, Generic[Entry]):
    """The messages of one history, oldest at the top."""

    DEFAULT_CSS = """
    /* Not `layout: stream`: it measures a child's height without its side margins,
       so a question (margin-left 8) near a wrap lost its last line. With one widget
       per message the vertical layout costs nothing measurable. */
    MessageWindow {
        layout: vertical;
        height: 1fr;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    MessageWindow > EmptyHint {
        width: 1fr;
        height: 1fr;
        content-align: center middle;
        text-align: left;
        color: $text-muted;
    }
    MessageWindow > .-replaced {
        opacity: 45%;
    }
    MessageWindow > Earlier {
        margin: 1 2 0 2;
        color: $text-muted;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: Sequence[Entry] = ()
        self.first_shown = 0  # index in the history of the first mounted message
        self._pin: Widget | None = None  # a message being kept at the top of the view
        self._pin_timer: Timer | None = None

    def widget_for(self, entry: Entry) -> Widget:
        """The widget that shows `entry`."""
        raise NotImplementedError

    def mark_before(self, index: int) -> Widget | None:
        """A line to show before the history's entry `index` (or after the last, at
        `len(history)`), if any: the subclass's business."""
        return None

    def _with_marks(self, widgets: list[Widget], start: int, *, at_end: bool) -> list[Widget]:
        """`widgets` (the entries from `start` on) with the marks that go between them."""
        marked: list[Widget] = []
        for index, widget in enumerate(widgets, start):
            if (mark := self.mark_before(index)) is not None:
                marked.append(mark)
            marked.append(widget)
        if at_end and (mark := self.mark_before(start + len(widgets))) is not None:
            marked.append(mark)
        return marked

    def on_mount(self) -> None:
        # Not anchored yet: `show` and `add` anchor it. Anchored before its first
        # layout, a view that grows from nothing to its size in that layout is
        # scrolled by its own height, and the empty state missed the first frame.
        self.watch(self, "scroll_y", self._near_top, init=False)

    def show(self, history: Sequence[Entry], focus: int | None = None) -> None:
        """Mount the latest WINDOW entries of `history` (a list the caller keeps
        current), or a window that holds `focus` (an index) at the top of the view."""
        self._unpin(page=False)
        self._entries = history
        self.remove_children()
        start = self._window_start(len(history))
        if focus is not None:
            start = min(start, max(0, focus - 2))
        self.first_shown = start
        entries = [self.widget_for(entry) for entry in history[start:]]
        target = entries[focus - start] if focus is not None else None
        widgets = self._with_marks(entries, start, at_end=True)
        if start:
            widgets.insert(0, Earlier(self._earlier_text()))
        if widgets:
            self.mount_all(widgets)
        else:
            # No id: the hint being replaced is removed only later, and a second with
            # the same id would be refused (ctrl+n in an empty chat crashed the app).
            self.mount(EmptyHint())
        if target is None:
            self.anchor()
            self.call_after_refresh(self._fill)
        else:
            self.release_anchor()
            self.scroll_to_message(target)

    async def add(self, widget: Widget) -> None:
        """Mount a new message at the end and follow it."""
        self._unpin(page=False)
        for hint in self.query(EmptyHint):
            await hint.remove()
        await self.mount(widget)
        self.anchor()

    async def remove_from(self, widget: Widget) -> None:
        """Remove `widget` and everything after it."""
        children = list(self.children)
        if widget in children:
            await self.remove_children(children[children.index(widget) :])

    def set_replaced_from(self, widget: Widget) -> None:
        """Show `widget` and everything after it as about to be replaced (an edit of
        that question is under way): still there to read, but faded."""
        children = list(self.children)
        if widget in children:
            for child in children[children.index(widget) :]:
                child.add_class("-replaced")

    async def remove_replaced(self) -> None:
        """Remove what `set_replaced_from` marked (the edit was sent)."""
        await self.remove_children(self.query_children(".-replaced"))

    def scroll_to_message(self, target: Widget) -> None:
        """Put `target` at the top of the view, and keep it there until the messages
        around it are laid out (no paging in meanwhile, which would move it)."""
        self._unpin()
        self._pin = target
        self._pin_seen: tuple[float, float, int] | None = None
        self._pin_steady = 0
        self._pin_until = time.monotonic() + PIN_LIMIT
        self._pin_timer = self.set_interval(PIN_TICK, self._keep_pinned)

    def _keep_pinned(self) -> None:
        target = self._pin
        if target is None or not target.is_attached or time.monotonic() > self._pin_until:
            self._unpin()
            return
        self.scroll_to_widget(target, top=True, animate=False, immediate=True)
        seen = (target.virtual_region.y, self.scroll_y, self.virtual_size.height)
        self._pin_steady = self._pin_steady + 1 if seen == self._pin_seen else 0
        self._pin_seen = seen
        if self._pin_steady >= PIN_STEADY:
            self._unpin()

    def _unpin(self, *, page: bool = True) -> None:
        timer = self._pin_timer
        self._pin, self._pin_timer = None, None
        if timer is not None:
            timer.stop()
            if page:
                self._near_top(self.scroll_y)  # paging waited for the pin

    def follow(self) -> None:
        """Jump to the latest message and stay with it as it grows."""
        self.scroll_end(animate=False)
        self.anchor()

    def _earlier_text(self) -> Text:
        count = self.first_shown
        return Text(f"▲ {count:,} earlier messages: scroll up to load them")  # muted by CSS

    def _near_top(self, scroll_y: float) -> None:
        if scroll_y <= 1 and self.first_shown > 0 and self._pin is None:
            self.load_earlier()

    def _window_start(self, end: int) -> int:
        """Where a page of the history that ends at `end` starts: the entries before
        it whose text fills `FILL` views (estimated), `WINDOW` of them at most."""
        size = self.size if self.size.area else self.app.size  # before the first layout
        width = max(size.width - 4, 20)
        wanted = size.height * FILL
        rows = 0.0
        start = end
        while start > max(0, end - WINDOW) and rows < wanted:
            start -= 1
            rows += _estimated_rows(self._entries[start], width, wanted - rows)
        return start

    def _fill(self) -> None:
        """Estimates can run long (folded blocks): when what is mounted does not fill
        the view there is nothing to scroll, so nothing would page in. Mount more."""
        if not self.is_attached or self._pin is not None or self.first_shown <= 0:
            return
        if self.max_scroll_y == 0:
            self._mount_earlier()
            self.call_after_refresh(self._fill)

    def load_earlier(self) -> None:
        """Mount the previous page above the first message, keeping the view still."""
        first_message = self._mount_earlier()
        if first_message is not None:
            self.scroll_to_message(first_message)

    def _mount_earlier(self) -> Widget | None:
        """Mount the previous page above the first message; returns that message."""
        if self.first_shown <= 0:
            return None
        end = self.first_shown
        start = self._window_start(end)
        self.first_shown = start
        entries = [self.widget_for(entry) for entry in self._entries[start:end]]
        widgets = self._with_marks(entries, start, at_end=False)
        earlier = self.query_one(Earlier)
        first_message = next((child for child in self.children if child is not earlier), None)
        if start:
            earlier.update(self._earlier_text())
            self.mount_all(widgets, after=earlier)
        else:
            earlier.remove()
            self.mount_all(widgets, before=first_message)
        return first_message


def _estimated_rows(entry: object, width: int, enough: float) -> float:
    """About how many rows an entry takes at `width` (its `content`'s lines, wrapped,
    plus `CHROME_ROWS`); counting stops past `enough`. Characters, not cells: a wide
    character makes the estimate short, so more is mounted, never less."""
    text = getattr(entry, "content", "")
    if not isinstance(text, str):
        return CHROME_ROWS
    if len(text) >= width * enough:  # at least that many rows: no need to look closer
        return enough + CHROME_ROWS
    return CHROME_ROWS + sum(1 + len(line) // width for line in text.split("\n"))
