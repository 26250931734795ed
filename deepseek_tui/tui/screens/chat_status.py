"""The status line's filling, a part the chat screen owns: the title bar, the model and
thinking (through `ModelControls`), the preset, JSON mode, the turns left out, the
gauge, the last answer's figures, the credits, the demo and why history is off.

The gauge is set in one place, `show_gauge`, which the screen calls (through
`StatusUpdates.gauge`) when the prompt says its draft changed (`Prompt.DraftChanged`:
the text after a pause, the files at once) and when the conversation changed. It reads
the session's `next_request`, the one object the next request is sent from: the gauge,
JSON mode and the turns left out on the status line are that request's. The part is
given what it needs of the screen (callables), rather than reaching into it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deepseek_tui.session import NextRequest, Reply, Session
    from deepseek_tui.tui.app import DeepSeekApp
    from deepseek_tui.tui.screens.chat_model import ModelControls
    from deepseek_tui.tui.widgets.prompt import Draft
    from deepseek_tui.tui.widgets.status_bar import StatusBar
    from deepseek_tui.tui.widgets.title_bar import TitleBar


def show_gauge(status: StatusBar, session: Session, draft: Draft) -> NextRequest:
    """The next request as the status line shows it: the gauge (the conversation as
    sent plus the draft with its files; nothing for an empty conversation and
    draft), JSON mode and the turns left out. Returns it (the model, thinking)."""
    shown = session.next_request(draft.text, draft.attachments)
    status.json_mode = shown.json_mode
    status.left_out = shown.left_out
    if not session.messages and draft.empty:
        status.context = ""
        status.context_warning = False
        return shown
    gauge = shown.gauge
    status.context = gauge.label
    status.context_warning = gauge.warning or not gauge.fits
    return shown


class StatusUpdates:
    """Brings the status bar and the title bar up to date with the session."""

    def __init__(
        self,
        app: Callable[[], DeepSeekApp],
        *,
        status: Callable[[], StatusBar],
        title_bar: Callable[[], TitleBar],
        draft: Callable[[], Draft],
        models: ModelControls,
        mark_open: Callable[[], None],
    ) -> None:
        self._app = app
        self._status = status
        self._title_bar = title_bar
        self._draft = draft  # the prompt's, for the gauge
        self._models = models
        self._mark_open = mark_open  # the sidebar's row of the open conversation

    def update(self, last: str | None = None) -> None:
        """Bring the status bar up to date; `last` replaces the "last answer" part."""
        app = self._app()
        session = app.session
        conversation = session.conversation
        self._title_bar().title = conversation.shown_title if conversation is not None else ""
        status = self._status()
        status.demo = app.demo
        # The model, thinking, JSON mode, the preset and the gauge: the next request's.
        shown = show_gauge(status, session, self._draft())
        self._models.show(shown.model, shown.thinks)
        status.preset = shown.preset or ""
        if last is not None:
            status.last = last
        status.credits = session.remaining_credits or ""
        if session.store_error:
            status.problem = session.store_error
        elif app.store_problem:
            status.problem = "history off (^l says why)"
        else:
            status.problem = ""
        if "tool_servers" in app.__dict__:  # made only once servers are set up
            status.tools, status.tools_warning = app.tool_servers.status()
        self._mark_open()

    def gauge(self) -> None:
        """The context gauge, for the conversation and the prompt's draft as they are."""
        show_gauge(self._status(), self._app().session, self._draft())

    def answered(self, reply: Reply, *, stopped: bool) -> None:
        """However an answer ended: the status line's "last: …"."""
        from deepseek_tui.api.events import FinishReason

        self.update(last=FinishReason.STOPPED.label if stopped else usage_label(reply))


def usage_label(reply: Reply) -> str:
    """The status bar's "last: …" part: tokens and cost of the latest answer."""
    from deepseek_tui.tui.widgets.answer_status import status_line

    usage = reply.turn_usage  # with tool calls: every answer of the turn
    if usage is None:
        return ""
    return "last: " + status_line(
        None, usage, reply.turn_cost, exact_cost=True, currency=reply.currency
    )
