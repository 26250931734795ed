"""A new conversation, a part the chat screen owns: blank or from a preset (config.py,
`Settings.preset`), ^n's `PresetPicker` to choose, and what is said of it (an unknown
preset in one sentence, the preset a conversation started from). The screen keeps the
keys; this part is given what it needs of it rather than reaching into it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from deepseek_tui.config import UnknownPreset
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.app import DeepSeekApp

if TYPE_CHECKING:
    from textual.screen import Screen

    from deepseek_tui.tui.screens.chat_status import StatusUpdates


class ConversationStarts:
    """Starting a conversation, blank or from a preset."""

    def __init__(
        self,
        owner: Screen[None],
        *,
        stop: Callable[[], None],
        show_messages: Callable[[], None],
        status_updates: StatusUpdates,
        focus_composer: Callable[[], None],
    ) -> None:
        self._owner = owner  # notices, the picker
        self._stop = stop  # the answer streaming, if one is
        self._show_messages = show_messages
        self._status_updates = status_updates
        self._focus_composer = focus_composer

    @property
    def _app(self) -> DeepSeekApp:
        return cast(DeepSeekApp, self._owner.app)

    def new(self, preset: str | None = None, focus: bool = True) -> None:
        """A blank conversation, or one from `preset` (config.py, `Settings.preset`)."""
        self._stop()
        try:
            self._app.session.new(preset)
        except UnknownPreset as error:
            self._owner.notify(sanitize(str(error), name=True), severity="warning", markup=False)
            return
        self._show_messages()
        self._status_updates.update(last="")
        if focus:
            self._focus_composer()
        if preset is not None:
            shown = sanitize(preset, name=True)
            self._owner.notify(f"New conversation from the preset {shown}.", markup=False)

    def pick(self) -> None:
        """^n: blank or a preset, in the `PresetPicker`."""
        from deepseek_tui.tui.screens.preset_picker import (
            PresetChoice,
            PresetPicker,
            preset_rows,
        )

        def chosen(choice: PresetChoice | None) -> None:
            if choice is not None:
                self.new(choice.preset)

        self._app.push_screen(PresetPicker(preset_rows(self._app.settings)), chosen)
