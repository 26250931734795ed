"""What the chat talks to, a part the app owns: the provider in use, its base URL and
key, the wire client made for them (`connect()`, at the first request or just after
the first frame), and switching provider from the next request on. The client module
(httpx) is imported when the client is made, not with this one: the first frame needs
only the provider's name."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deepseek_tui.api.providers import ChatClient
    from deepseek_tui.config import Paths, Provider, Settings
    from deepseek_tui.session import Session
    from deepseek_tui.tui.provider_keys import ProviderKeys


class Connection:
    """The provider, URL, key and client the chat uses. Given by the app: `made_session`,
    its engine once made (None before); `session`, the engine (made if need be);
    `demo`, whether the offline demo runs; `close_later`, closing a replaced client in
    a worker; `fetch_models` and `listed`, asking the provider in use for its model
    list and whether a provider's list is known."""

    def __init__(
        self,
        paths: Paths,
        settings: Settings,
        *,
        provider: str,
        base_url: str,
        api_key: str | None,
        made_session: Callable[[], Session | None],
        session: Callable[[], Session],
        demo: Callable[[], bool],
        close_later: Callable[[ChatClient], None],
        fetch_models: Callable[[], None],
        listed: Callable[[str], bool],
    ) -> None:
        self.paths = paths
        self.settings = settings  # the app's, changed in place by the settings screen
        # The provider profile in use (`settings.profile(provider)`), its URL and key.
        self.provider = provider
        self.base_url = base_url
        self.api_key = api_key
        # What the command line gave for the first provider (--base-url, its key), so
        # switching back to it mid-session finds them again.
        self.started_with = (provider, base_url, api_key)
        self.client: ChatClient | None = None
        self._made_session = made_session
        self._session = session
        self._demo = demo
        self._close_later = close_later
        self._fetch_models = fetch_models
        self._listed = listed

    @cached_property
    def provider_keys(self) -> ProviderKeys:
        """Each provider's key and URL, for switching and for another's model list
        (made at first use: the first frame does without it)."""
        from deepseek_tui.tui.provider_keys import ProviderKeys

        return ProviderKeys(self.paths, self.settings, lambda: self.started_with)

    @property
    def profile(self) -> Provider:
        """The active provider's profile."""
        return self.settings.profile(self.provider)

    @property
    def provider_name(self) -> str:
        return self.profile.title or self.provider

    def connect(self) -> ChatClient:
        """Make the wire client if there is none yet, and refresh the model list;
        returns the client."""
        if self.client is not None:
            return self.client
        client = self.make_client()
        session = self._made_session()
        if session is not None:
            session.client = client
        self._fetch_models()
        return client

    def make_client(self) -> ChatClient:
        from deepseek_tui.api.providers import client_for

        self.client = client_for(self.settings, self.base_url, self.api_key, self.provider)
        return self.client

    def use_key(self, api_key: str, base_url: str) -> None:
        """A real key saved during the demo: used, at `base_url`, from the next request
        on (and found again when switching back to this provider)."""
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.started_with = (self.provider, self.base_url, api_key)

    def switch_provider(self, provider: str, model: str | None = None) -> str | None:
        """Talk to `provider` from the next request on, with its own URL and key, and
        `model` (else its default); the conversation stays. A sentence saying why
        not (no key for it, the demo), or None when switched."""
        if provider == self.provider:
            if model:
                self._session().model = model
            return None
        if self._demo():
            return "The demo talks only to the built-in emulator; save a key in Settings first."
        key = self.provider_keys.key_for(provider)
        if key is None:
            return self.provider_keys.no_key(provider)
        old = self.client
        self.provider = provider
        self.base_url = self.provider_keys.base_url_for(provider)
        self.api_key = key
        self.make_client()
        if old is not None:
            self._close_later(old)
        session = self._session()
        session.client = self.client
        session.use_provider(self.settings, provider, model)
        if not self._listed(provider):
            self._fetch_models()
        return None
