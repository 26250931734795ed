"""The prompt: the chips of the files to send above the composer, and the attaching
that fills them: the picker (^a, or `@` at the start of a word, the file standing for
the `@`), a pasted path of an existing file (offered), the file read in a worker, asked
about first when it is over the limit ("attach it anyway?"), a file that cannot go said
in one sentence.

The screen hears two things: `Prompt.Submitted(text, attachments)` when the user sends
something, and `Prompt.DraftChanged(draft)` when what would be sent changed (the text
after `GAUGE_DELAY` of no typing, the chips at once), for the context gauge. `draft`
says what would go, with the files' tokens as their blocks would be sent.

The picker is a screen, and widgets may not import screens (screens > app > widgets):
the chat screen gives the prompt a callable that makes the picker, and the prompt
pushes it. A request message would split one flow in two: the screen would push the
picker and hand the path back, remembering on the way whether an `@` must go. With the
callable the prompt keeps the whole flow and the screen only says which screen it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import TextArea

from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.widgets.attachments import AttachmentChips
from deepseek_tui.tui.widgets.composer import Composer, pasted_file

if TYPE_CHECKING:
    from deepseek_tui.attachments import Attachment

GAUGE_DELAY = 0.25  # seconds of no typing before the draft is counted again

Picker = Callable[[], Screen["Path | None"]]


@dataclass(frozen=True)
class Draft:
    """What would be sent now: the text and the files (the gauge counts both as the
    next request carries them: `Session.next_request`)."""

    text: str
    attachments: tuple[Attachment, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.attachments


class Prompt(Vertical):
    """The chips of the next message above the composer; what goes in them."""

    # The two look as they did as the screen's own children: the prompt takes their
    # side margins. On the prompt, not on them: a vertical layout narrows its
    # fraction-wide children (the conversation above) by the widest side margins of
    # any child, and the conversation keeps its width only if the prompt has them.
    DEFAULT_CSS = """
    Prompt {
        height: auto;
        margin: 0 1;
        & > Composer, & > AttachmentChips {
            margin: 0;
        }
    }
    """

    composer = getters.query_one("#composer", Composer)
    _chips = getters.query_one("#attachments", AttachmentChips)

    class Submitted(Message):
        """The user sent `text` with `attachments` (not both empty); `draft` is the
        two with the files' tokens."""

        def __init__(self, draft: Draft) -> None:
            super().__init__()
            self.draft = draft
            self.text = draft.text
            self.attachments = draft.attachments

    class DraftChanged(Message):
        """What would be sent changed: the text (after a pause) or the files."""

        def __init__(self, draft: Draft) -> None:
            super().__init__()
            self.draft = draft

    def __init__(
        self,
        picker: Picker,
        *,
        limit_kb: Callable[[], int],
        busy: Callable[[], bool] = lambda: False,
        id: str | None = None,
    ) -> None:
        """`picker` makes the modal that picks a file (a path, or None when cancelled);
        `limit_kb` is the size over which a file is attached only when the user says so
        (a callable: the settings can change while the prompt is on screen); `busy`
        says that nothing can be sent now (an answer streams: the composer's Enter keeps
        the text and starts a new line)."""
        super().__init__(id=id)
        self._busy = busy
        self._picker = picker
        self._limit_kb = limit_kb
        self._gauge_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield AttachmentChips(id="attachments")
        yield Composer(busy=self._busy, id="composer")

    # --- what the screen reads and does -------------------------------------------------

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return self._chips.attachments

    @property
    def draft(self) -> Draft:
        return Draft(self.composer.text, self.attachments)

    def submit(self) -> None:
        """Send what the prompt holds, as Enter does (nothing when it is empty)."""
        self.composer.action_submit()

    def load(self, text: str, attachments: Sequence[Attachment] = ()) -> None:
        """Hold `text` and `attachments` instead of what was there, the cursor at the
        end (a question brought back to edit, a summary to read before sending)."""
        composer = self.composer
        if tuple(attachments) != self.attachments:
            self._set_chips(attachments)
        composer.load_text(text)
        composer.move_cursor(composer.document.end)
        composer.focus()
        self._draft_changed()

    def clear(self, sent: str | None = None) -> None:
        """No text and no files (sent, or an edit cancelled). With `sent`, the text
        that went: what was typed after it stays (keys that came in the same read as
        the Enter were in the composer before the screen sent)."""
        composer = self.composer
        text = composer.text
        if sent is not None and len(text) > len(sent) and text.startswith(sent):
            composer.load_text(text[len(sent) :].lstrip("\n"))
            composer.move_cursor(composer.document.end)
        else:
            composer.clear()
        self._set_chips(())
        self._schedule_draft_changed()

    def remove_attachments(self) -> None:
        """Take every chip off: the next message goes without files."""
        self._set_chips(())
        self._draft_changed()

    def _set_chips(self, attachments: Sequence[Attachment]) -> None:
        chips = self._chips
        chips.clear()
        for attachment in attachments:
            chips.add(attachment)

    def pick_file(self) -> None:
        """Pick a file to send with the next message (^a)."""
        self.app.push_screen(self._picker(), self._picked)

    def _picked(self, path: Path | None) -> None:
        if path is not None:
            self.attach(path)

    # --- events ---------------------------------------------------------------------------

    def on_composer_submitted(self, event: Composer.Submitted) -> None:
        event.stop()
        draft = Draft(event.text, self.attachments)
        if not draft.empty:  # else there is nothing to send
            self.post_message(self.Submitted(draft))

    @on(TextArea.Changed, "#composer")
    def _schedule_draft_changed(self) -> None:
        # Not stopped: the screen hears typing too (ctrl+z then undoes text).
        if self._gauge_timer is not None:
            self._gauge_timer.stop()
        self._gauge_timer = self.set_timer(GAUGE_DELAY, self._draft_changed)

    def _draft_changed(self) -> None:
        if self._gauge_timer is not None:
            self._gauge_timer.stop()
            self._gauge_timer = None
        self.post_message(self.DraftChanged(self.draft))

    def on_attachment_chips_changed(self, event: AttachmentChips.Changed) -> None:
        event.stop()
        self._draft_changed()
        self.composer.focus()  # shift+tab reaches the chips again

    def on_composer_attach_at(self, event: Composer.AttachAt) -> None:
        """`@` at the start of a word: the same picker; a file picked replaces the `@`."""
        event.stop()

        def picked(path: Path | None) -> None:
            if path is not None:
                self.composer.remove_at_sign()
                self.attach(path)

        self.app.push_screen(self._picker(), picked)

    @work(exclusive=True, group="attach-offer")
    async def on_paste(self, event: events.Paste) -> None:
        """A paste into the composer that is the path of an existing file (it bubbles
        up here once the composer has inserted it): offer to attach the file."""
        path = pasted_file(event.text)
        if path is None or not self.composer.has_focus:
            return
        from deepseek_tui.tui.widgets.dialogs import Confirm

        name = sanitize(path.name, name=True)
        if await self.app.push_screen_wait(
            Confirm(f"Attach {name}? It was pasted as a path.", yes="Attach", no="Keep as text")
        ):
            self.composer.take_out(event.text)
            self.attach(path)

    @work(exclusive=True, group="attach")
    async def attach(self, path: Path) -> None:
        """Read `path` and add it as a chip; ask first when it is over the limit. The
        file is read in a thread: a slow disk (or a large file allowed) never holds up
        a frame; the worker itself stays on the loop, as it asks in a dialog."""
        from deepseek_tui.attachments import AttachError, TooLarge, read_attachment
        from deepseek_tui.tui.widgets.dialogs import Confirm

        limit = self._limit_kb()
        try:
            try:
                read = await asyncio.to_thread(
                    read_attachment, path, limit_kb=limit, how_to_allow="attach it anyway?"
                )
            except TooLarge as large:
                if not await self.app.push_screen_wait(
                    Confirm(str(large), yes="Attach", no="Don't attach")
                ):
                    return
                read = await asyncio.to_thread(
                    read_attachment, path, limit_kb=limit, allow_large=True
                )
        except AttachError as error:
            self.notify(sanitize(str(error)), severity="error", timeout=8, markup=False)
            return
        if read.note:
            self.notify(sanitize(read.note), severity="warning", timeout=8, markup=False)
        self._chips.add(read.attachment)
        self._draft_changed()
        self.composer.focus()
