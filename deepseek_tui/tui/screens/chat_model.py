"""The model the next message goes to, a part the chat screen owns: the status line's
model and thinking parts, ^o (the `ModelPicker`), ^t (thinking on/off, or why not),
a model picked from the palette, and switching provider. The screen keeps the keys
and calls it; it is given what it needs of the screen rather than reaching into it.

It is imported with the screen: the first frame's status line comes from here
(`show_starting`), from the settings, without the engine (docs/architecture.md,
"Start path").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from deepseek_tui.api.models import model_traits
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.app import DeepSeekApp

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from textual.screen import Screen

    from deepseek_tui.session import Session
    from deepseek_tui.tui.widgets.status_bar import StatusBar


class ModelControls:
    """Which model and thinking the next message uses, shown and changed."""

    def __init__(
        self,
        owner: Screen[None],
        *,
        status: Callable[[], StatusBar],
        streaming: Callable[[], bool],
        update_status: Callable[[], None],
        saying_unsent: Callable[[], AbstractContextManager[None]],
    ) -> None:
        self._owner = owner  # notices, the picker, the keys refreshed
        self._status = status
        self._streaming = streaming
        self._update_status = update_status  # the whole status line, after a change
        # Around a change: what it newly leaves out of the next request is said.
        self._saying_unsent = saying_unsent

    @property
    def _app(self) -> DeepSeekApp:
        return cast(DeepSeekApp, self._owner.app)

    @property
    def _session(self) -> Session:
        return self._app.session

    def show_starting(self) -> None:
        """The status line of a new conversation, from the settings: what
        `StatusUpdates.update` shows once the session is made (no title, answer, credits or
        problem yet; the demo said)."""
        model, thinking = self._app.starting_model()
        self.show(model, model_traits(model).thinks(thinking))
        self._status().demo = self._app.demo
        self._status().preset = self._app.preset or ""

    def show(self, model: str, thinks: bool) -> None:
        status = self._status()
        # Which API the next message goes to, when it is not DeepSeek's own.
        status.model = (
            model
            if self._app.provider == "deepseek"
            else f"{self._app.connection.provider_name}: {model}"
        )
        can_think = model_traits(model).thinking != "never"
        status.thinking = thinks if can_think else None
        self._owner.refresh_bindings()  # ctrl+t is offered only for models that toggle

    def next_model(self) -> str:
        """The model of the next message, without making the session for it."""
        return self._session.model if self._app.session_made else self._app.starting_model()[0]

    def can_toggle(self) -> bool:
        """Whether ^t turns thinking on and off (asked by the footer for the first frame too)."""
        return model_traits(self.next_model()).thinking == "toggle"

    def switch_provider(self, provider: str, model: str | None = None) -> str | None:
        """Talk to `provider` (its URL, its key) from the next message on; why not, if not."""
        if self._streaming():
            return "An answer is streaming: wait for it (or Esc) before switching provider."
        return self._app.connection.switch_provider(provider, model)

    def use_model(self, model: str, thinking: bool | None = None) -> None:
        with self._saying_unsent():  # then a parameter the new model does not take
            if thinking is not None:
                self._session.thinking = thinking
            self._session.model = model
            self._update_status()
            state = "thinking on" if self._session.thinks else "thinking off"
            self._owner.notify(
                f"The next message goes to {sanitize(model, name=True)} ({state}).", markup=False
            )

    def toggle_thinking(self) -> None:
        """^t: thinking on/off; on a model that always or never thinks, say so."""
        session = self._session
        traits = model_traits(session.model)
        if traits.thinking != "toggle":
            state = "always thinks" if traits.thinking == "always" else "does not think"
            self._owner.notify(
                f"{session.model} {state}; pick another model to change that.", markup=False
            )
            return
        with self._saying_unsent():  # penalties stop, effort starts, or the other way
            session.thinking = not session.thinks
        self._update_status()

    def pick(self) -> None:
        """^o: the `ModelPicker`, then the model (and provider, thinking) chosen."""
        from deepseek_tui.tui.screens.model_picker import ModelChoice, ModelPicker

        app = self._app

        def chosen(choice: ModelChoice | None) -> None:
            if choice is not None:
                if choice.provider not in (None, app.provider):
                    problem = self.switch_provider(choice.provider, choice.model)
                    if problem:
                        self._owner.notify(problem, severity="warning", timeout=10, markup=False)
                        return
                self.use_model(choice.model, choice.thinking)

        picker = ModelPicker(
            app.model_list.ids(),
            current=self._session.model,
            thinking=self._session.thinking,
            provider=app.provider,
        )
        app.push_screen(picker, chosen)
