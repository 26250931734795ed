"""The key and the account of the provider the settings form shows, a part the form
owns: the words under the key (`summary`, the balance line), "Test key" (a worker that
asks the server's model list with the key) with its result line `#key-result`, and the
balance of the provider in use (a worker, asked once while the form stays usable). The
workers run on the form, so they end with it; it is given what it needs of the form
rather than reaching into it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.widgets import Static

from deepseek_tui.config import (
    INVALID_KEY,
    ApiKey,
    ConfigError,
    Provider,
    key_problem,
    load_api_key,
)
from deepseek_tui.terminal import sanitize
from deepseek_tui.tui.app import DeepSeekApp
from deepseek_tui.tui.balance import balance_error, balance_text
from deepseek_tui.tui.screens.settings_form import key_summary
from deepseek_tui.tui.widgets.status_bar import credits_text

if TYPE_CHECKING:
    from textual.screen import Screen

# Seconds to wait for /models when testing a key; the chat's 600 s limit is for answers.
KEY_TEST_TIMEOUT = 30.0


class KeyAndBalance:
    """The shown provider's key: which one a test uses, what is said of it, its test;
    the balance of the provider in use."""

    def __init__(
        self,
        owner: Screen[Any],
        *,
        profile: Callable[[], Provider],
        show_balance: Callable[[], None],
    ) -> None:
        self._owner = owner  # runs the workers; holds the result line
        self._profile = profile  # the profile of the provider the form shows (as saved)
        self._show_balance = show_balance  # the form fills the balance note from `balance`
        self.balance = ""  # "Balance: 12.34 USD", once asked

    @property
    def _app(self) -> DeepSeekApp:
        return cast(DeepSeekApp, self._owner.app)

    def loaded_key(self) -> ApiKey | None:
        """The shown provider's saved key (the environment's first), if any."""
        profile = self._profile()
        with contextlib.suppress(ConfigError, OSError):
            return load_api_key(self._app.paths, profile.name, key_env=profile.key_env)
        return None

    def in_use(self) -> bool:
        """Whether the form shows the provider this chat talks to."""
        return self._profile().name == self._app.provider

    def current_key(self) -> str | None:
        """The key a test uses when none is typed: the chat's, or the saved one in the
        demo or for another provider than the chat's."""
        if self._app.demo or not self.in_use():
            loaded = self.loaded_key()
            return loaded.value if loaded else None
        return self._app.api_key

    def summary(self) -> str:
        """The words under the key: which key is in use, and what is left on it."""
        app = self._app
        current = self.current_key() if not app.demo else app.api_key
        key_env = self._profile().key_env
        summary = key_summary(current, self.loaded_key(), demo=app.demo, key_env=key_env)
        # What the provider in use said is left (Segmind's credits), not a guess for another.
        credits = app.session.remaining_credits if app.session is not None else None
        if credits and self.in_use():
            return f"{summary} Account: {credits_text(credits)} left (at the last answer)."
        return summary

    # --- "Test key" --------------------------------------------------------------------

    def test(self, typed_key: str, typed_url: str, *, url_ok: bool) -> None:
        """Test the key typed (else the current one) at the URL typed; `url_ok`: the
        form finds no problem with that URL."""
        key = typed_key or self.current_key()
        base_url = self._url_to_test(typed_url)
        if not key:
            self.show_result("There is no key to test: paste one above.", ok=False)
        elif key_problem(typed_key):
            self.show_result(INVALID_KEY, ok=False)
        elif not url_ok:
            self.show_result("Fix the base URL before testing the key.", ok=False)
        else:
            self.show_result(f"Testing the key against {base_url}…", ok=None)
            self._owner.run_worker(
                self._ask_models(base_url, key), name="test_key", group="test-key", exclusive=True
            )

    def _url_to_test(self, typed: str) -> str:
        """The URL the form shows, unless it is the saved one of the provider the chat
        talks to at another URL (--base-url, $DEEPSEEK_BASE_URL): then that one, where
        the chat and the balance go. The demo's emulator is never what a key is for."""
        app = self._app
        saved = self._profile().base_url.rstrip("/")
        if self.in_use() and not app.demo and typed.rstrip("/") == saved:
            return app.base_url
        return typed

    async def _ask_models(self, base_url: str, key: str) -> None:
        """Ask the server for its model list with ``key``; the cheapest authenticated call."""
        from deepseek_tui.api.errors import ApiError
        from deepseek_tui.api.providers import client_for

        client = client_for(
            self._app.settings,
            base_url,
            key,
            self._profile().name,
            first_data_timeout=KEY_TEST_TIMEOUT,
            max_attempts=1,
        )
        try:
            models = await client.list_models()
        except ApiError as error:
            error.hide(key)  # a server may echo the key it refused: never shown
            self.show_result(sanitize(str(error), name=True), ok=False)
        else:
            count = f"{len(models)} model{'' if len(models) == 1 else 's'}"
            self.show_result(f"Key works: {count} available.", ok=True)
        finally:
            await client.aclose()

    def show_result(self, text: str, *, ok: bool | None) -> None:
        """The line under the key: a test's result ("" clears it)."""
        result = self._owner.query_one("#key-result", Static)
        result.update(text)
        result.set_class(ok is True, "-ok")
        result.set_class(ok is False, "-error")

    # --- the balance -------------------------------------------------------------------

    def load_balance(self) -> None:
        """Ask the provider in use what is left on the account, while the form is usable."""
        self._owner.run_worker(
            self._ask_balance(),
            name="load_balance",
            group="balance",
            exclusive=True,
            exit_on_error=False,
        )

    async def _ask_balance(self) -> None:
        """Segmind has no such call: its credits are in the key summary already."""
        from deepseek_tui.api.errors import ApiError

        app = self._app
        if app.demo or app.api_key is None:
            return  # the demo's emulator has no account; no key, no account to ask about
        client = app.connect()
        self.balance = "Balance: asking…"
        self._show_balance()
        try:
            report = await client.balance()
        except ApiError as error:
            error.hide(app.api_key)
            self.balance = "Balance unknown: " + balance_error(error)
        except Exception:
            # Never left at "asking…": whatever went wrong, the line says it is unknown.
            self.balance = "Balance unknown: the server's answer was not understood."
            self._show_balance()
            raise
        else:
            # None: no such call (Segmind); it answers at once, so "asking…" never shows.
            self.balance = "" if report is None else f"Balance: {balance_text(report)}"
        self._show_balance()
