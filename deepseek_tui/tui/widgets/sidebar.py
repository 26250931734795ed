"""The conversation list: newest first, grouped by day, searchable, loaded in pages.

The sidebar holds no store: it shows the rows the screen gives it, marks the one that
is open (`current`), and posts what the user asks for (`Open`, `Search`, `More`,
`Action`, `Close`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from deepseek_tui.terminal import sanitize
from deepseek_tui.timestamps import parse_time

if TYPE_CHECKING:
    from textual.timer import Timer

    from deepseek_tui.history import Page
    from deepseek_tui.store import ConversationSummary, SearchHit

SEARCH_DELAY = 0.15  # seconds of no typing before the search runs


def day_label(stamp: str, today: date | None = None) -> str:
    """ "Today", "Yesterday", a weekday this week, else the date, in local time."""
    day = parse_time(stamp).astimezone().date()
    today = today or datetime.now().astimezone().date()
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    if today - day < timedelta(days=7):
        return day.strftime("%A")
    return day.strftime("%d %b %Y")


class ConversationList(OptionList):
    """Options are conversations (id = conversation id) or search hits
    (id = "conversation_id:message_id"); day headings are disabled options."""

    # Shown in the sidebar's own help line, not the footer, which has no room.
    BINDINGS = [
        Binding("enter", "select", "Open", show=False),
        Binding("slash", "search", "Search", tooltip="Search every message", show=False),
        Binding("r", "rename", "Rename", show=False),
        Binding("p", "pin", "Pin", tooltip="Pin / unpin", show=False),
        Binding(
            "d,delete", "delete", "Delete", tooltip="Delete (asks first; ^z undoes)", show=False
        ),
    ]

    def action_search(self) -> None:
        self.screen.query_one("#search", Input).focus()

    def action_rename(self) -> None:
        self.post_message(Sidebar.Action("rename", self._highlighted_id()))

    def action_delete(self) -> None:
        self.post_message(Sidebar.Action("delete", self._highlighted_id()))

    def action_pin(self) -> None:
        self.post_message(Sidebar.Action("pin", self._highlighted_id()))

    def _highlighted_id(self) -> str | None:
        if self.highlighted is None or not self.option_count:
            return None
        option_id = self.get_option_at_index(self.highlighted).id
        return option_id.split(":", 1)[0] if option_id else None


class Sidebar(Vertical):
    """Toggle with ctrl+l. Type to search every message; Enter opens."""

    DEFAULT_CSS = """
    Sidebar {
        dock: left;
        margin-bottom: 1;  /* docks overlap: the footer's row would hide the last entry */
        width: 36;
        max-width: 45%;
        display: none;
        border-right: vkey $primary 40%;
        background: $surface;
    }
    Sidebar > #search {
        border: none;
        height: 1;
        padding: 0 1;
        margin: 1 1 0 1;
        background: $boost;
    }
    Sidebar > #conversations {
        width: 100%;
        height: 1fr;
        padding: 0;
        scrollbar-size-vertical: 1;
        border: none;
        background: $surface;
        /* Titles are cut to the cells there are (CJK, emoji, the scrollbar). */
        text-wrap: nowrap;
        text-overflow: ellipsis;
        & > .option-list--option {
            padding: 0 1 0 0;  /* the left cell is the open conversation's mark */
        }
        /* A tint, not a solid block: the row's muted details and the ▌ mark stay
           readable on it (on a solid $primary block they fell to 1.1:1). */
        & > .option-list--option-highlighted {
            background: $primary 15%;
            color: $foreground;
            text-style: none;
        }
        &:focus > .option-list--option-highlighted {
            background: $primary 20%;
        }
        & > .option-list--option-disabled {
            color: $text-muted;  /* day headings: text, not greyed-out options */
            text-style: bold;
        }
    }
    Sidebar > #sidebar-help {
        height: auto;
        padding: 0 1;
        margin-bottom: 1;
    }
    """

    BINDINGS = [Binding("escape", "close", "Close", tooltip="Close the list", show=False)]

    class Open(Message):
        """Open a conversation, at `message_id` when it came from a search."""

        def __init__(self, conversation_id: str, message_id: int | None = None) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.message_id = message_id

    class Action(Message):
        """rename / delete / pin on a conversation."""

        def __init__(self, action: str, conversation_id: str | None) -> None:
            super().__init__()
            self.action = action
            self.conversation_id = conversation_id

    class Search(Message):
        """Typing paused in the search box: search every message for `query`."""

        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    class More(Message):
        """The highlight is near the end of the list: the next page, from `offset`."""

        def __init__(self, offset: int) -> None:
            super().__init__()
            self.offset = offset

    current: var[str | None] = var(None)
    """The id of the conversation open in the chat, marked with ▌ in the list."""

    def __init__(self) -> None:
        super().__init__(id="sidebar")
        self._rows: dict[str, ConversationSummary] = {}  # shown, by option id
        self._hits: dict[str, SearchHit] = {}
        self._loaded = 0
        self._total = 0
        self._last_day = ""
        self._searching = False
        self._highlight_pending = False  # Enter in the search box before its results
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search all conversations…", id="search")
        yield Static("", id="sidebar-help")
        yield ConversationList(id="conversations")

    def on_mount(self) -> None:
        self.query_one("#sidebar-help", Static).update(
            # Two lines that fit the sidebar's 36 cells, rather than one that wraps.
            Text("⏎ open · / search · esc close\nr rename · p pin · d delete", style="dim")
        )

    class Close(Message):
        """Esc in the sidebar: hide it, back to the composer."""

    def action_close(self) -> None:
        self.post_message(self.Close())

    # --- the list -----------------------------------------------------------------

    def show_problem(self, problem: str) -> None:
        """History is off: say why instead of listing."""
        listing = self.query_one(ConversationList)
        listing.clear_options()
        self._loaded = self._total = 0
        self._searching = False
        # The one note that wraps: it says why history is off and what to do.
        width = max(listing.scrollable_content_region.width - 2, 20)
        lines = Text(sanitize(problem)).wrap(self.app.console, width)
        listing.add_option(Option(_note_lines(line.plain for line in lines), disabled=True))

    def show_page(self, page: Page, keep: str | None = None) -> None:
        """Show a page of conversations: the first one replaces the list, later ones
        are added to it. The highlight goes to `keep` when it is on the page."""
        listing = self.query_one(ConversationList)
        if page.offset == 0:
            listing.clear_options()
            self._rows.clear()
            self._loaded = 0
            self._last_day = ""
            self._searching = False
        elif self._searching or page.offset != self._loaded:
            return  # a page for a list that is no longer shown
        self._total = page.total
        self._loaded += len(page.rows)
        options: list[Option] = []
        for summary in page.rows:
            conversation = summary.conversation
            day = "Pinned" if conversation.pinned else day_label(conversation.updated_at)
            if day != self._last_day:
                self._last_day = day
                options.append(Option(_note(day, "bold underline"), disabled=True))
            self._rows[conversation.id] = summary
            options.append(
                Option(_entry(summary, conversation.id == self.current), id=conversation.id)
            )
        listing.add_options(options)
        if not self._total:
            listing.add_option(Option(_note("No conversations yet"), disabled=True))
        if keep is not None:
            with contextlib.suppress(OptionDoesNotExist):
                listing.highlighted = listing.get_option_index(keep)
        elif self._highlight_pending:
            self._highlight_first()

    @on(OptionList.OptionHighlighted, "#conversations")
    def _maybe_load_more(self, event: OptionList.OptionHighlighted) -> None:
        listing = event.option_list
        near_end = event.option_index >= listing.option_count - 10
        if not self._searching and near_end and self._loaded < self._total:
            self.post_message(self.More(self._loaded))

    @on(OptionList.OptionSelected, "#conversations")
    def _open(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id
        if not option_id:
            return
        conversation_id, _, message = option_id.partition(":")
        self.post_message(self.Open(conversation_id, int(message) if message else None))

    # --- search ---------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        # Search once typing pauses, not on every key.
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self.run_search)

    @property
    def search_text(self) -> str:
        return self.query_one("#search", Input).value.strip()

    def run_search(self) -> None:
        self._search_timer = None
        self.post_message(self.Search(self.search_text))

    def show_hits(self, query: str, hits: list[SearchHit], keep: str | None = None) -> None:
        """Show the messages that match `query` (ignored if the box says otherwise now).
        The highlight goes to the first hit in conversation `keep`, if there is one."""
        if query != self.search_text:
            return
        self._searching = True
        listing = self.query_one(ConversationList)
        listing.clear_options()
        self._hits = {f"{hit.conversation_id}:{hit.message_id}": hit for hit in hits}
        if not hits:
            listing.add_option(Option(_note(f"Nothing matches “{query}”"), disabled=True))
            return
        listing.add_options(
            Option(_hit(hit, hit.conversation_id == self.current), id=option_id)
            for option_id, hit in self._hits.items()
        )
        kept = [i for i, hit in enumerate(self._hits.values()) if hit.conversation_id == keep]
        if kept:
            self._highlight_pending = False
            listing.highlighted = kept[0]
        elif self._highlight_pending:
            self._highlight_first()

    def watch_current(self, old: str | None, new: str | None) -> None:
        """Move the mark: redraw the entries and hits of the two conversations."""
        listing = self.query_one(ConversationList)
        for conversation_id in {old, new} - {None}:
            with contextlib.suppress(OptionDoesNotExist):
                if conversation_id in self._rows and not self._searching:
                    summary = self._rows[conversation_id]
                    listing.replace_option_prompt(
                        conversation_id, _entry(summary, conversation_id == new)
                    )
            if self._searching:
                for option_id, hit in self._hits.items():
                    if hit.conversation_id == conversation_id:
                        with contextlib.suppress(OptionDoesNotExist):
                            listing.replace_option_prompt(
                                option_id, _hit(hit, hit.conversation_id == new)
                            )

    def is_listed(self, conversation_id: str) -> bool:
        """Whether the list (not a search) shows this conversation now."""
        return not self._searching and conversation_id in self._rows

    @on(Input.Submitted, "#search")
    def _to_results(self) -> None:
        listing = self.query_one(ConversationList)
        listing.focus()
        if self._search_timer is not None:  # Enter before the pause: search now
            self._search_timer.stop()
            self._highlight_pending = True  # the results are on their way
            self.run_search()
        else:
            self._highlight_first()

    def _highlight_first(self) -> None:
        self._highlight_pending = False
        listing = self.query_one(ConversationList)
        for index in range(listing.option_count):
            if not listing.get_option_at_index(index).disabled:
                listing.highlighted = index
                break

    def clear_search(self) -> None:
        search = self.query_one("#search", Input)
        if search.value:
            with search.prevent(Input.Changed):
                search.value = ""

    def focus_list(self) -> None:
        listing = self.query_one(ConversationList)
        listing.focus()
        if listing.highlighted is None:
            self._to_results()


# The mark in the left cell of the open conversation's lines; $accent is contrast-
# tested on $surface, the list's background.
MARK = ("▌", "$accent")


def _one_line(text: str) -> str:
    """Outside text as one inert line (the list cuts it to its width in cells)."""
    return " ".join(sanitize(text, name=True).split())


def _note(text: str, style: str = "") -> Content:
    """A line that is not a conversation: a day heading, "no results", a problem."""
    return Content.assemble(" ", (_one_line(text), style))


def _note_lines(lines: Iterable[str]) -> Content:
    return Content("\n".join(f" {line}" for line in lines))


def _entry(summary: ConversationSummary, current: bool = False) -> Content:
    conversation = summary.conversation
    title = ("📌 " if conversation.pinned else "") + conversation.shown_title
    count = summary.message_count
    details = f"{summary.model or '—'} · {count} message{'s' if count != 1 else ''}"
    mark = MARK if current else " "
    return Content.assemble(
        mark,
        (_one_line(title), "bold" if current else ""),
        "\n",
        mark,
        (_one_line(details), "$text-muted"),
    )


def _hit(hit: SearchHit, current: bool = False) -> Content:
    mark = MARK if current else " "
    return Content.assemble(
        mark,
        (_one_line(hit.shown_title), "bold"),
        "\n",
        mark,
        (_one_line(f"{hit.role}: {hit.snippet}"), "$text-muted"),
    )
