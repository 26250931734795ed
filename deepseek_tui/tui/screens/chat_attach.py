"""Attaching files in the chat (a mixin of `ChatScreen`, which owns the widgets):
^a opens `AttachPicker`; a file is read by `attachments.read_attachment` and shown
as a chip above the composer until the message is sent. A file over the limit is
attached only when the user says so; one that cannot go is said in one sentence."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, getters, work
from textual.screen import Screen

from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.widgets.attachments import AttachmentChips
from deepseek_tui.tui.widgets.composer import Composer, pasted_file

if TYPE_CHECKING:
    from deepseek_tui.attachments import Attachment
    from deepseek_tui.tui.app import DeepSeekApp


class AttachHandlers(Screen[None]):
    """The chips of the next message and how files get there."""

    chips = getters.query_one("#attachments", AttachmentChips)

    if TYPE_CHECKING:  # provided by ChatScreen
        app: DeepSeekApp
        composer: Composer

        def update_gauge(self) -> None: ...

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return self.chips.attachments

    def draft_extra_tokens(self) -> float:
        """The attached files, as their blocks will be sent."""
        attachments = self.attachments
        if not attachments:
            return 0.0
        from deepseek_tui.attachments import message_text
        from deepseek_tui.context import estimate_text

        return estimate_text(message_text("", attachments))

    def action_attach(self) -> None:
        """Pick a file to send with the next message."""
        from deepseek_tui.tui.screens.attach_picker import AttachPicker

        self.app.push_screen(AttachPicker(Path.cwd()), self._picked)

    def _picked(self, path: Path | None) -> None:
        if path is not None:
            self.attach(path)

    def on_composer_attach_at(self, _: Composer.AttachAt) -> None:
        """`@` at the start of a word: the same picker; a file picked replaces the `@`."""
        from deepseek_tui.tui.screens.attach_picker import AttachPicker

        def picked(path: Path | None) -> None:
            if path is not None:
                self.composer.remove_at_sign()
                self.attach(path)

        self.app.push_screen(AttachPicker(Path.cwd()), picked)

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
        """Read `path` and add it as a chip; ask first when it is over the limit."""
        from deepseek_tui.attachments import AttachError, TooLarge, read_attachment
        from deepseek_tui.tui.widgets.dialogs import Confirm

        limit = self.app.settings.attach_limit_kb
        try:
            try:
                read = read_attachment(path, limit_kb=limit, how_to_allow="attach it anyway?")
            except TooLarge as large:
                if not await self.app.push_screen_wait(
                    Confirm(str(large), yes="Attach", no="Don't attach")
                ):
                    return
                read = read_attachment(path, limit_kb=limit, allow_large=True)
        except AttachError as error:
            self.notify(sanitize(str(error)), severity="error", timeout=8, markup=False)
            return
        if read.note:
            self.notify(sanitize(read.note), severity="warning", timeout=8, markup=False)
        self.chips.add(read.attachment)
        self.update_gauge()
        self.composer.focus()

    def action_remove_attachments(self) -> None:
        """Take every chip off: the next message goes without files."""
        self.chips.clear()
        self.update_gauge()

    def on_attachment_chips_changed(self, _: AttachmentChips.Changed) -> None:
        self.update_gauge()
        self.composer.focus()  # shift+tab reaches the chips again
