"""Which key and URL each provider is talked to with, a part the app owns: a
provider's own key (its environment variable or credentials.toml), else the one the
app started with if it started with that provider (never another's); `--base-url`
for the provider it was given with, else the settings' URL; and the one sentence
saying how to set a key that is missing. No Textual: the app asks it when it switches
provider and when it lists another provider's models."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from deepseek_tui.config import load_api_key, resolve_base_url

if TYPE_CHECKING:
    from deepseek_tui.config import Paths, Settings


class ProviderKeys:
    """Keys and URLs by provider; `started_with` gives (provider, base URL, key) as the
    command line gave them (or as a key saved during the demo set them)."""

    def __init__(
        self,
        paths: Paths,
        settings: Settings,
        started_with: Callable[[], tuple[str, str, str | None]],
    ) -> None:
        self.paths = paths
        self.settings = settings  # the app's, changed in place by the settings screen
        self._started_with = started_with

    def key_for(self, provider: str) -> str | None:
        """`provider`'s own key: its environment variable or credentials.toml, else the
        one the app started with if it started with this provider. Never another's."""
        from deepseek_tui.config import ConfigError

        with contextlib.suppress(ConfigError, OSError):
            key = load_api_key(
                self.paths, provider, key_env=self.settings.profile(provider).key_env
            )
            if key is not None:
                return key.value
        started, _, key_given = self._started_with()
        return key_given if provider == started else None

    def base_url_for(self, provider: str) -> str:
        started, url, _ = self._started_with()
        if provider == started:
            return url  # --base-url applies to the provider it was given with
        return resolve_base_url(self.settings, provider=provider)

    def no_key(self, provider: str) -> str:
        profile = self.settings.profile(provider)
        flag = "" if provider == "deepseek" else f" --provider {provider}"
        return (
            f"There is no {profile.title or provider} key: set {profile.key_env}, run "
            f"`deepseek-tui key set{flag}`, or paste it in Settings (^s)."
        )
