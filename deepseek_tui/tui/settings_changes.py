"""Settings saved while the app runs, put to use: a part the app owns. What the
Settings screen saved is copied into the app's own `Settings` (the session, the
screens and the connection hold that very object); a key typed in the demo ends it;
the provider is switched, or its key and URL changed; then a new client, the
session's parameters, the theme and the model list. Made at the first save (the
first frame does without it); no Textual."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING

from deepseek_tui.config import Settings

if TYPE_CHECKING:
    from deepseek_tui.api.providers import ChatClient
    from deepseek_tui.session import Session
    from deepseek_tui.tui.connection import Connection


class SettingsChanges:
    """Given the app's settings and connection, and callables: `demo`, whether the
    offline demo runs; `leave_demo`, a real key saved in it used from the next request
    on; `made_session`, the engine once made (None before); `close_later`, closing a
    replaced client in a worker; `use_theme`; `fetch_models`, asking the provider in
    use for its model list; `say` and `warn`, a notice and a warning for the user."""

    def __init__(
        self,
        settings: Settings,
        connection: Connection,
        *,
        demo: Callable[[], bool],
        leave_demo: Callable[[str, str], None],
        made_session: Callable[[], Session | None],
        close_later: Callable[[ChatClient], None],
        use_theme: Callable[[str], None],
        fetch_models: Callable[[], None],
        say: Callable[[str], None],
        warn: Callable[[str], None],
    ) -> None:
        self.settings = settings  # the app's, changed in place here
        self.connection = connection
        self._demo = demo
        self._leave_demo = leave_demo
        self._made_session = made_session
        self._close_later = close_later
        self._use_theme = use_theme
        self._fetch_models = fetch_models
        self._say = say
        self._warn = warn

    def use(self, settings: Settings, *, provider: str, key: str = "") -> None:
        """Use what the settings screen saved: `settings` copied into the app's,
        `provider` (with `key` if one was typed) from the next request on; a key typed
        in the demo ends it. Then a new client and the session's parameters (`apply`)."""
        connection = self.connection
        switching = provider != connection.provider
        old_url = self.settings.profile(provider).base_url
        # In place: the chat session and screens hold this very object.
        for item in fields(Settings):
            value = getattr(settings, item.name)
            setattr(self.settings, item.name, list(value) if isinstance(value, list) else value)
        if self._demo() and key:
            # A real key ends the demo: chats go to the saved base URL from now on.
            self._leave_demo(key, settings.profile("deepseek").base_url)
            if switching:
                connection.switch_provider(provider)
            self._say(f"Key saved: the demo is over, chats now go to {connection.base_url}.")
        elif switching and not self._demo():
            problem = connection.switch_provider(provider)
            if problem:
                self._warn(problem)
        elif not self._demo():
            if key:
                connection.api_key = key
            if settings.profile(provider).base_url != old_url:
                connection.base_url = settings.profile(provider).base_url.rstrip("/")
        self.apply()

    def apply(self) -> None:
        """After the settings screen saved: a new client, the session's parameters."""
        connection = self.connection
        old = connection.client
        connection.make_client()
        if old is not None:
            self._close_later(old)
        session = self._made_session()  # one made later takes the settings as they are then
        if session is not None:
            session.client = connection.client
            thinking = session.thinking
            session.apply_settings(self.settings)
            # The form has no thinking row: ^t's choice for this chat stays (it was
            # reset to the model's default, on, by a save without a change).
            session.thinking = thinking
            if not session.messages:
                session.model = connection.profile.model
        with contextlib.suppress(Exception):
            self._use_theme(self.settings.theme)
        self._fetch_models()
