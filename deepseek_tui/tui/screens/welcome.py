"""First start with no key anywhere: enter a key, or try the offline demo."""

from __future__ import annotations

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Static

from deepseek_tui.config import store_api_key
from deepseek_tui.tui.app import DeepSeekApp

# Where a new user gets a key, by provider (a gateway's own page we cannot know).
KEY_PAGES = {"deepseek": "https://platform.deepseek.com/api_keys"}


class WelcomeScreen(Screen[None]):
    """Shown when there is no API key in the environment or the credentials file."""

    AUTO_FOCUS = "#key"
    BINDINGS = [Binding("f2", "demo", "Offline demo")]
    CSS_PATH = "welcome.tcss"

    app = getters.app(DeepSeekApp)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Welcome to deepseek-tui", classes="title")
            page = KEY_PAGES.get(self.app.provider)
            where = f"Get one at {page}, or try" if page else "No key yet? Try"
            yield Static(
                f"Paste your {self.app.connection.provider_name} API key to start. It is saved in "
                f"{self.app.paths.credentials_file} (readable only by you).\n\n"
                f"{where} the offline demo: it talks to a built-in emulator, and a key "
                "saved later in Settings (^s) takes over from it.",
                classes="body",
                markup=False,
            )
            yield Input(placeholder="sk-…", password=True, id="key")
            yield Static("", id="problem", markup=False)
            with Horizontal():
                yield Button("Save key", variant="primary", id="save")
                yield Button("Try the offline demo (f2)", id="demo")
        yield Footer(compact=True)

    def on_input_submitted(self) -> None:
        self.save_key()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.save_key()
        else:
            self.action_demo()

    def save_key(self) -> None:
        value = self.query_one("#key", Input).value
        problem = self.query_one("#problem", Static)
        try:
            store_api_key(self.app.paths, value, self.app.provider)
        except ValueError as error:
            problem.update(str(error))
            return
        except OSError as error:
            problem.update(f"Could not save the key: {error}")
            return
        self.app.connection.api_key = value.strip()
        self.app.open_chat()

    def action_demo(self) -> None:
        self.app.start_demo()
        self.app.open_chat()
