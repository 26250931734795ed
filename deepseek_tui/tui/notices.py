"""No notice is drawn over a dialog, a part the app owns: drawn on a dialog's screen a
notice covered the dialog's top rows (dialogs say their own things in their rows).
One raised while a dialog (a `ModalScreen`, the palette's too) is on top is held and
shown once it closes, for its full time from then."""

from __future__ import annotations

from time import time
from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen

if TYPE_CHECKING:
    from textual.notifications import Notification, Notifications
    from textual.screen import Screen


class HeldNotices:
    """The notices raised under a dialog, until it closes."""

    def __init__(self) -> None:
        self._held: list[Notification] = []

    def hold(self, screen: Screen[Any], notification: Notification) -> None:
        """Keep `notification` if `screen` is a dialog (Textual's own handler of the
        Notify, run after the app's, keeps it too)."""
        if isinstance(screen, ModalScreen):
            self._held.append(notification)

    def release(self, screen: Screen[Any], shown: Notifications) -> bool:
        """Whether notices may be drawn over `screen`: not over a dialog. When they may,
        the ones held meanwhile are put back in `shown` (the app's), raised now."""
        if isinstance(screen, ModalScreen):
            return False
        held, self._held = self._held, []
        for notice in held:
            notice.raised_at = time()  # Textual reaps it by this
            if notice not in shown:
                shown.add(notice)
        return True
