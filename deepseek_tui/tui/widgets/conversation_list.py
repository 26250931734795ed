"""The sidebar's list: conversations grouped by day, or search hits, each row two lines
of inert text, the open conversation marked in the left cell."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from deepseek_tui.terminal import sanitize
from deepseek_tui.timestamps import parse_time

if TYPE_CHECKING:
    from deepseek_tui.history import Page
    from deepseek_tui.store import ConversationSummary, SearchHit

Ask = Literal["rename", "delete", "pin", "search"]


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
    (id = "conversation_id:message_id"); day headings are disabled options. It shows
    the rows it is given and marks the open conversation (`current`); its keys post
    `Action`, and the `Sidebar` around it does the work."""

    # Shown in the sidebar's own help line, not the footer, which has no room.
    BINDINGS = [
        Binding("enter", "select", "Open", show=False),
        Binding("slash", "ask('search')", "Search", tooltip="Search every message", show=False),
        Binding("r", "ask('rename')", "Rename", show=False),
        Binding("p", "ask('pin')", "Pin", tooltip="Pin / unpin", show=False),
        Binding(
            "d,delete",
            "ask('delete')",
            "Delete",
            tooltip="Delete (asks first; ^z undoes)",
            show=False,
        ),
    ]

    class Action(Message):
        """A key asked for rename / delete / pin of the highlighted conversation (None
        when no conversation is highlighted), or for the search box."""

        def __init__(self, action: Ask, conversation_id: str | None) -> None:
            super().__init__()
            self.action = action
            self.conversation_id = conversation_id

    current: var[str | None] = var(None)
    """The id of the conversation open in the chat, marked with ▌ in the list."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: dict[str, ConversationSummary] = {}  # shown, by option id
        self._hits: dict[str, SearchHit] = {}
        self._loaded = 0
        self._total = 0
        self._last_day = ""
        self.searching = False  # search hits shown, not the list
        self.highlight_pending = False  # Enter in the search box before its results

    def action_ask(self, action: Ask) -> None:
        self.post_message(self.Action(action, self.highlighted_conversation))

    @property
    def highlighted_conversation(self) -> str | None:
        """The conversation of the highlighted row (entry or search hit), if any."""
        if self.highlighted is None or not self.option_count:
            return None
        return conversation_of(self.get_option_at_index(self.highlighted).id)

    def conversations(self) -> list[str]:
        """The conversation of each row, in order (a conversation once per hit)."""
        ids = (self.get_option_at_index(i).id for i in range(self.option_count))
        return [conversation_of(option_id) for option_id in ids if option_id]

    def show_problem(self, problem: str) -> None:
        """History is off, or the database refused: say why instead of listing."""
        self.clear_options()
        self._loaded = self._total = 0
        self.searching = False
        # The one note that wraps: it says why history is off and what to do.
        width = max(self.scrollable_content_region.width - 2, 20)
        lines = Text(sanitize(problem)).wrap(self.app.console, width)
        self.add_option(Option(note_lines(line.plain for line in lines), disabled=True))

    def show_page(self, page: Page, keep: str | None = None) -> None:
        """Show a page of conversations: the first one replaces the list, later ones
        are added to it. The highlight goes to `keep` when it is on the page."""
        if page.offset == 0:
            self.clear_options()
            self._rows.clear()
            self._loaded = 0
            self._last_day = ""
            self.searching = False
        elif self.searching or page.offset != self._loaded:
            return  # a page for a list that is no longer shown
        self._total = page.total
        self._loaded += len(page.rows)
        options: list[Option] = []
        for summary in page.rows:
            conversation = summary.conversation
            day = "Pinned" if conversation.pinned else day_label(conversation.updated_at)
            if day != self._last_day:
                self._last_day = day
                options.append(Option(note(day, "bold underline"), disabled=True))
            self._rows[conversation.id] = summary
            options.append(
                Option(entry(summary, conversation.id == self.current), id=conversation.id)
            )
        self.add_options(options)
        if not self._total:
            self.add_option(Option(note("No conversations yet"), disabled=True))
        if keep is not None:
            with contextlib.suppress(OptionDoesNotExist):
                self.highlighted = self.get_option_index(keep)
        elif self.highlight_pending:
            self.highlight_first()

    def next_page_at(self, index: int) -> int | None:
        """The offset of the next page, when the highlight at `index` is near the end
        of a list that has more; else None."""
        near_end = index >= self.option_count - 10
        if self.searching or not near_end or self._loaded >= self._total:
            return None
        return self._loaded

    def show_hits(self, query: str, hits: list[SearchHit], keep: str | None = None) -> None:
        """Show the messages that match `query`. The highlight goes to the first hit
        in conversation `keep`, if there is one."""
        self.searching = True
        self.clear_options()
        self._hits = {f"{hit.conversation_id}:{hit.message_id}": hit for hit in hits}
        if not hits:
            self.add_option(Option(note(f"Nothing matches “{query}”"), disabled=True))
            return
        self.add_options(
            Option(hit_row(hit, hit.conversation_id == self.current), id=option_id)
            for option_id, hit in self._hits.items()
        )
        kept = [i for i, hit in enumerate(self._hits.values()) if hit.conversation_id == keep]
        if kept:
            self.highlight_pending = False
            self.highlighted = kept[0]
        elif self.highlight_pending:
            self.highlight_first()

    def watch_current(self, old: str | None, new: str | None) -> None:
        """Move the mark: redraw the entries and hits of the two conversations."""
        for conversation_id in {old, new} - {None}:
            with contextlib.suppress(OptionDoesNotExist):
                if conversation_id in self._rows and not self.searching:
                    summary = self._rows[conversation_id]
                    self.replace_option_prompt(
                        conversation_id, entry(summary, conversation_id == new)
                    )
            if self.searching:
                for option_id, hit in self._hits.items():
                    if hit.conversation_id == conversation_id:
                        with contextlib.suppress(OptionDoesNotExist):
                            self.replace_option_prompt(
                                option_id, hit_row(hit, hit.conversation_id == new)
                            )

    def is_listed(self, conversation_id: str) -> bool:
        """Whether the list (not a search) shows this conversation now."""
        return not self.searching and conversation_id in self._rows

    def highlight_first(self) -> None:
        self.highlight_pending = False
        for index in range(self.option_count):
            if not self.get_option_at_index(index).disabled:
                self.highlighted = index
                break


def conversation_of(option_id: str | None) -> str | None:
    """The conversation an option id names (a hit's id also names its message)."""
    return option_id.partition(":")[0] if option_id else None


def message_of(option_id: str) -> int | None:
    """The message a search hit's option id names; None for a conversation's."""
    message = option_id.partition(":")[2]
    return int(message) if message else None


# The mark in the left cell of the open conversation's lines; $accent is contrast-
# tested on $surface, the list's background.
MARK = ("▌", "$accent")


def _one_line(text: str) -> str:
    """Outside text as one inert line (the list cuts it to its width in cells)."""
    return " ".join(sanitize(text, name=True).split())


def note(text: str, style: str = "") -> Content:
    """A line that is not a conversation: a day heading, "no results", a problem."""
    return Content.assemble(" ", (_one_line(text), style))


def note_lines(lines: Iterable[str]) -> Content:
    return Content("\n".join(f" {line}" for line in lines))


def entry(summary: ConversationSummary, current: bool = False) -> Content:
    """A conversation's row: its title, then its preset (first: it tells conversations
    apart more than the model, and a narrow list cuts the end), model and number of
    messages."""
    conversation = summary.conversation
    title = ("📌 " if conversation.pinned else "") + conversation.shown_title
    count = summary.message_count
    preset = f"preset {summary.preset} · " if summary.preset else ""
    details = f"{preset}{summary.model or '—'} · {count} message{'s' if count != 1 else ''}"
    mark = MARK if current else " "
    return Content.assemble(
        mark,
        (_one_line(title), "bold" if current else ""),
        "\n",
        mark,
        (_one_line(details), "$text-muted"),
    )


def hit_row(hit: SearchHit, current: bool = False) -> Content:
    """A search hit's row: its conversation's title, then who said what."""
    mark = MARK if current else " "
    return Content.assemble(
        mark,
        (_one_line(hit.shown_title), "bold"),
        "\n",
        mark,
        (_one_line(f"{hit.role}: {hit.snippet}"), "$text-muted"),
    )
