"""The Textual app: owns the settings, the store, the client and the session.

Screens are registered by name and imported when first shown, so this module imports
none of them: a screen reaches the app with `getters.app(DeepSeekApp)` and the import
graph has no cycle (docs/architecture.md, "Import rules").
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal

from deepseek_tui.config import Paths, Settings, resolve_base_url
from deepseek_tui.tui.collector import set_thresholds
from deepseek_tui.tui.connection import Connection
from deepseek_tui.tui.notices import HeldNotices

if TYPE_CHECKING:
    from textual.app import Notify

    from deepseek_tui.api.providers import ChatClient
    from deepseek_tui.emulator import Emulator
    from deepseek_tui.history import History
    from deepseek_tui.session import Session
    from deepseek_tui.store import Store
    from deepseek_tui.tui.model_list import ModelList
    from deepseek_tui.tui.settings_changes import SettingsChanges
    from deepseek_tui.tui.tool_servers import ToolServers

# name -> "module:class" of the app's own screens (modals are pushed by the screens).
# Seconds after the first frame before the Markdown stack is loaded (`_warm_markdown`).
MARKDOWN_WARM_UP_DELAY = 2.0
SCREENS_BY_NAME = {
    "welcome": "deepseek_tui.tui.screens.welcome:WelcomeScreen",
    "chat": "deepseek_tui.tui.screens.chat:ChatScreen",
}


def new_screen(name: str, *args: Any) -> Screen[Any]:
    """A new instance of the screen registered as `name`."""
    module, _, cls = SCREENS_BY_NAME[name].partition(":")
    screen: Screen[Any] = getattr(importlib.import_module(module), cls)(*args)
    return screen


class DeepSeekApp(App[int]):
    """deepseek-tui. The command line starts it (`cli.tui.launch`); tests build it directly."""

    TITLE = "deepseek-tui"
    CSS_PATH = "app.tcss"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(
        self,
        *,
        paths: Paths,
        settings: Settings,
        base_url: str | None = None,
        api_key: str | None = None,
        demo: bool = False,
        model: str | None = None,
        conversation_id: str | None = None,
        continue_last: bool = False,
        emulator: Emulator | None = None,
        provider: str | None = None,
        preset: str | None = None,
    ) -> None:
        super().__init__()
        self.paths = paths
        self.settings = settings
        provider = provider or settings.provider
        self.connection = Connection(
            paths,
            settings,
            provider=provider,
            base_url=base_url or resolve_base_url(settings, provider=provider),
            api_key=api_key,
            made_session=lambda: self._session,
            session=lambda: self.session,
            demo=lambda: self.demo,
            close_later=lambda old: self.run_worker(old.aclose(), exit_on_error=False),
            fetch_models=lambda: self.model_list.fetch(),
            listed=lambda provider: provider in self.model_list.server_models,
        )
        self.demo = demo
        self.model_override = model
        self.preset = preset  # --preset: the first conversation starts from it
        self.conversation_id = conversation_id
        self.continue_last = continue_last
        self.emulator = emulator
        self._owns_emulator = False
        self.store: Store | None = None
        self.history: History | None = None
        self._history_opened = False
        self.store_problem: str | None = None  # why history is off, if it is
        self._session: Session | None = None  # made on first use (`session`)
        from deepseek_tui.tui.themes import register_themes, start_with_theme

        self.theme_problems = register_themes(self, paths.themes_dir)
        start_with_theme(self, settings.theme)
        self.held_notices = HeldNotices()  # raised under a dialog (`on_notify`)
        self.tools_changed: Signal[None] = Signal(self, "tools-changed")

    # --- start-up ------------------------------------------------------------------

    def on_mount(self) -> None:
        set_thresholds()  # no full collection while streaming (tui/collector.py)
        from deepseek_tui.tui.themes import keep_theme, say_skipped

        self.theme_changed_signal.subscribe(
            self, lambda theme: keep_theme(self, self.settings, self.paths, theme)
        )
        say_skipped(self, self.paths.themes_dir, self.theme_problems)
        if self.api_key or self.demo:
            # httpx and the model list come after the first frame, not before it (the
            # chat screen makes the session and opens the history then too, or at the
            # first send, whichever is first).
            self.after_first_frame(self._warm_up)
        else:
            self.push_screen(new_screen("welcome"))

    def get_default_screen(self) -> Screen[Any]:
        """The chat, when there is a key (or the demo): the first screen rather than
        one pushed in `on_mount`. Pushed there, it was laid out inside Textual's
        start-up batch, which dropped that frame (`App._display` draws nothing while
        batching) and drew nothing more until something changed: the first frame
        waited for the session and the history database to be made."""
        if self.api_key or self.demo:
            return self._chat_screen()
        return super().get_default_screen()

    def after_first_frame(self, callback: Callable[[], object]) -> None:
        """Run `callback` after the next frame is drawn, also at the start: there
        `call_after_refresh` alone would run it inside Textual's start-up batch, before
        anything is on screen (callbacks run when the screen is idle, and a screen is
        idle while repaints are held back). The app's queue is read after the batch."""
        self.call_later(self.call_after_refresh, callback)

    # --- a crash ---------------------------------------------------------------------

    def _fatal_error(self) -> None:
        """An unhandled exception ends the app. Textual would print a Rich traceback
        with every local variable (the API key, the messages); instead a crash report
        without them goes to the config dir, and the terminal gets one line saying
        what happened and where the report is (`tui/crash.py`)."""
        from deepseek_tui.tui.crash import crash_notice

        error = self._exception
        self.bell()
        if error is not None and not self._exit_renderables:
            self._exit_renderables.append(crash_notice(self.paths, error, self.api_key))
        self._close_messages_no_wait()

    @property
    def session(self) -> Session:
        """The conversation engine, made on first use: for a new chat just after the
        first frame, which does without it (`starting_model`), or before it to reopen
        a conversation (`open_chat`)."""
        if self._session is None:
            from deepseek_tui.session import Session

            self._session = Session.from_settings(
                self.client,
                self.store,
                self.settings,
                provider=self.provider,
                preset=self.preset,
                model=self.model_override,
            )
        return self._session

    @property
    def session_made(self) -> bool:
        return self._session is not None

    def starting_model(self) -> tuple[str, bool | None]:
        """The model and thinking setting a new conversation starts with, as
        `Session.from_settings` sets them (the provider's model, a preset's model and
        thinking on top, --model last), for the first frame's status line without
        loading the engine."""
        settings = self.settings
        chosen, model = settings, settings.profile(self.provider).model
        if self.preset is not None:
            chosen = settings.with_preset(self.preset)
            if "model" in settings.preset(self.preset):
                model = chosen.model
        if self.model_override is not None:
            model = self.model_override
        return model, chosen.thinking

    def open_chat(self) -> None:
        """From the welcome screen: a key was saved, or the demo started."""
        self.switch_screen(self._chat_screen())
        self.after_first_frame(self._warm_up)

    def _chat_screen(self) -> Screen[Any]:
        if self.conversation_id is not None or self.continue_last:
            # The conversation is what the first frame shows: the engine and the
            # history now. A new chat's first frame needs neither.
            session = self.session
            self.open_history()
            self._reopen(session)
        return new_screen("chat")

    def open_history(self) -> None:
        """Open the history database, once; from then on the session saves to it.
        A database that cannot be used turns history off with one sentence."""
        if self._history_opened:
            return
        self._history_opened = True
        from deepseek_tui.history import History
        from deepseek_tui.store import Store, StoreError

        try:
            self.paths.ensure_dir()
            self.store = Store.open(self.paths.database)
        except (StoreError, OSError) as error:
            self.store_problem = f"History is off: {error}"
            self.notify(self.store_problem, severity="warning", timeout=10, markup=False)
            return
        self.history = History(self.store)
        self.history.forget_leftovers()
        if self._session is not None:
            self._session.store = self.store

    def _reopen(self, session: Session) -> None:
        """Open the conversation asked for on the command line (--conversation, --continue)."""
        if self.history is None:
            return
        target = self.conversation_id
        if target is None and self.continue_last:
            last = self.history.last()
            target = last.id if last else None
        if target is None:
            return
        found = self.history.find(target)
        if found is None:
            self.notify(f"No conversation {target!r}; starting a new one.", markup=False)
            return
        session.open(found.id)
        if self.model_override:
            session.model = self.model_override

    @cached_property
    def model_list(self) -> ModelList:
        """Which models each provider serves (made at first use, after the first frame)."""
        from deepseek_tui.tui.model_list import ModelList

        return ModelList(
            self.settings,
            active=lambda: self.provider,
            client=lambda: self.client,
            keys=lambda: self.connection.provider_keys,
            current_model=lambda: self._session.model if self._session is not None else None,
            run_worker=lambda work: self.run_worker(work, group="models", exit_on_error=False),
        )

    def model_ids(self, provider: str | None = None) -> list[str]:
        """`ModelList.ids` (the settings screen asks the app)."""
        return self.model_list.ids(provider)

    # --- notices --------------------------------------------------------------------

    def on_notify(self, event: Notify) -> None:
        """A notice raised while a dialog is open waits for it to close (`HeldNotices`)."""
        self.held_notices.hold(self.screen, event.notification)

    def _refresh_notifications(self) -> None:
        """Textual's, but no notice is drawn over a dialog (`HeldNotices.release`)."""
        if self.held_notices.release(self.screen, self._notifications):
            super()._refresh_notifications()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's, less a few, with our "Screenshot" (`screenshot.system_commands`)."""
        from deepseek_tui.tui.screenshot import system_commands

        return system_commands(self, super().get_system_commands(screen))

    def _warm_up(self) -> None:
        self.run_worker(self._import_client, thread=True, group="warm-up", exit_on_error=False)
        if self.tool_servers.configured():  # the MCP SDK is imported only then
            self.run_worker(self.tool_servers.start(), group="tools", exit_on_error=False)
        self.set_timer(MARKDOWN_WARM_UP_DELAY, self._warm_markdown)

    def _warm_markdown(self) -> None:
        """Load what answers draw with in a thread (`markdown_render.warm_up`), once the
        start's own work is done: begun at once, it held keys typed then up to 0.5 s."""
        from deepseek_tui.tui.themes import code_theme
        from deepseek_tui.tui.widgets.markdown_render import warm_up

        dark = self.current_theme.dark if self.current_theme is not None else True
        look = code_theme(self.theme_variables, dark)
        self.run_worker(lambda: warm_up(look), thread=True, group="warm-up", exit_on_error=False)

    @cached_property
    def tool_servers(self) -> ToolServers:
        """The MCP servers the chat's tools come from (`tui/tool_servers.py`); the chat
        screen follows `tools_changed` to show them on the status line."""
        from deepseek_tui.tui.tool_servers import ToolServers

        return ToolServers(
            self.paths,
            self.settings,
            demo=lambda: self.demo,
            session=lambda: self.session,
            changed=lambda: self.tools_changed.publish(None),
            say=lambda said: self.notify(said, severity="warning", markup=False, timeout=10),
        )

    def _import_client(self) -> None:
        """Import the wire client (httpx: ~0.1 s) in a thread, so keys typed right after
        the start are not kept waiting; then connect on the event loop."""
        import deepseek_tui.api.client  # noqa: F401

        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.call_from_thread(self.connect)

    # The connection's state, read by the screens (`Connection` owns it).

    @property
    def provider(self) -> str:
        return self.connection.provider

    @property
    def base_url(self) -> str:
        return self.connection.base_url

    @property
    def api_key(self) -> str | None:
        return self.connection.api_key

    @property
    def client(self) -> ChatClient | None:
        return self.connection.client

    def connect(self) -> ChatClient:
        """`Connection.connect`: the wire client, made if there is none yet."""
        return self.connection.connect()

    def start_demo(self) -> None:
        """Switch to the built-in emulator (from the welcome screen)."""
        from deepseek_tui.emulator.demo import DEMO_KEY, demo_emulator

        self.emulator = demo_emulator().start()
        self._owns_emulator = True
        self.demo = True
        self.connection.provider = "deepseek"
        self.connection.base_url = self.emulator.base_url
        self.connection.api_key = DEMO_KEY
        if self._session is not None:
            self._session.use_provider(self.settings, "deepseek", self._session.model)

    def leave_demo(self, api_key: str, base_url: str) -> None:
        """A real key was saved during the demo: use it, at `base_url`, from the next
        request on (`SettingsChanges.apply` makes the client). The emulator is stopped at exit."""
        self.demo = False
        self.connection.use_key(api_key, base_url)

    @cached_property
    def settings_changes(self) -> SettingsChanges:
        """Puts what the settings screen saved to use (made at the first save)."""
        from deepseek_tui.tui.settings_changes import SettingsChanges

        return SettingsChanges(
            self.settings,
            self.connection,
            demo=lambda: self.demo,
            leave_demo=self.leave_demo,
            made_session=lambda: self._session,
            close_later=lambda old: self.run_worker(old.aclose(), exit_on_error=False),
            use_theme=lambda theme: setattr(self, "theme", theme),
            fetch_models=lambda: self.model_list.fetch(),
            say=lambda said: self.notify(said, markup=False),
            warn=lambda said: self.notify(said, severity="warning", markup=False),
        )

    def use_settings(self, settings: Settings, *, provider: str, key: str = "") -> None:
        """`SettingsChanges.use` (the chat's Settings callback asks the app)."""
        self.settings_changes.use(settings, provider=provider, key=key)

    async def on_unmount(self) -> None:
        if "tool_servers" in self.__dict__:  # made: stop every server it started
            await self.tool_servers.aclose()
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.aclose()
        if self.history is not None:
            self.history.close()
        if self.store is not None:
            self.store.close()
        if self._owns_emulator and self.emulator is not None:
            self.emulator.stop()
