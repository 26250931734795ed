"""Which models each provider serves, a part the app owns: what its /models listed
(fetched for the active provider after start and after each change of client, for
another when the picker shows it, again on ^r), merged with what it is known to serve
and the model in use. Made at first use: the first frame does without it."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deepseek_tui.api.providers import ChatClient
    from deepseek_tui.config import Settings
    from deepseek_tui.tui.provider_keys import ProviderKeys


class ModelList:
    """Model ids by provider; `active`, `client`, `keys` and `current_model` are the
    app's as they are when asked (they change when the provider is switched)."""

    def __init__(
        self,
        settings: Settings,
        *,
        active: Callable[[], str],
        client: Callable[[], ChatClient | None],
        keys: Callable[[], ProviderKeys],
        current_model: Callable[[], str | None],
        run_worker: Callable[[Coroutine[Any, Any, object]], object],
    ) -> None:
        self.settings = settings  # the app's, changed in place by the settings screen
        self._active = active
        self._client = client
        self._keys = keys
        self._current_model = current_model  # the session's, None before it is made
        self._run_worker = run_worker
        # What each provider's /models listed, by provider name.
        self.server_models: dict[str, list[str]] = {}

    def fetch(self) -> None:
        """Ask the active provider again, in a worker."""
        self._run_worker(self.load(self._active()))

    async def load(self, provider: str) -> str | None:
        """Ask `provider` which models it serves and keep the answer (`server_models`);
        a sentence when it could not be asked, or None. The active provider is asked
        with the chat's client; another with a client of its own, with its own key."""
        from deepseek_tui.api.errors import ApiError
        from deepseek_tui.api.providers import client_for

        if provider == self._active():
            client = self._client()
            if client is None:
                return None
            own = False
        else:
            keys = self._keys()
            key, base_url = keys.key_for(provider), keys.base_url_for(provider)
            if key is None:
                return keys.no_key(provider)
            client, own = client_for(self.settings, base_url, key, provider, max_attempts=1), True
        try:
            self.server_models[provider] = await client.list_models()
        except ApiError as error:
            return str(error)
        finally:
            if own:
                await client.aclose()
        return None

    def ids(self, provider: str | None = None) -> list[str]:
        """The ids to offer for `provider` (the active one by default): what it is
        known to serve (built in or configured), what its /models listed, and the
        model in use. Only that provider's: a gateway is not offered DeepSeek's ids."""
        from deepseek_tui.api.models import merge_model_ids

        active = self._active()
        provider = provider or active
        profile = self.settings.profile(provider)
        model = self._current_model()
        current = [model] if model is not None and provider == active else []
        listed = self.server_models.get(provider, [])
        return merge_model_ids(profile.models, [profile.model], listed, current)
