"""How the main screens look (pytest-textual-snapshot; `--snapshot-update` to renew)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deepseek_tui.config import Paths, Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.widgets.composer import Composer
from tests.helpers import answered

# A fixed path: the welcome screen shows where the key will be saved.
# Its own folder, emptied first: another test's or run's files there would show.
SNAPSHOT_DIR = Path("/tmp/deepseek-tui-snapshots/welcome")


@pytest.fixture
def snapshot_app(make_app):
    """The app as the snapshots take it: costs at the standard price, so the picture
    does not depend on the hour it is taken (peak hours bill double)."""

    def make(**options):
        settings = options.pop("settings", None) or Settings()
        settings.peak_pricing = False
        return make_app(settings=settings, **options)

    return make


async def _ask(pilot, text: str) -> None:
    pilot.app.screen.query_one(Composer).insert(text)
    await pilot.press("enter")
    await answered(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_empty_chat(snap_compare, snapshot_app, size) -> None:
    """A new conversation: composer focused, model and thinking in the status line."""
    assert snap_compare(snapshot_app(), terminal_size=size)


def test_an_answer_with_markdown(snap_compare, snapshot_app) -> None:
    """A user message, then the model's answer with a list and a code block."""
    text = "echo: Here is a list:\n\n- one\n- two\n\n```python\nprint('hi')\n```\n\nDone."

    async def run_before(pilot) -> None:
        await _ask(pilot, text)

    assert snap_compare(snapshot_app(), run_before=run_before, terminal_size=(80, 24))


def test_error_in_the_conversation(snap_compare, snapshot_app, emulator: Emulator) -> None:
    """A 402 appears inside the conversation with the next step, not a crash."""
    from deepseek_tui.emulator import Faults

    emulator.faults = Faults(error_status=402)

    async def run_before(pilot) -> None:
        await _ask(pilot, "hello")

    assert snap_compare(snapshot_app(), run_before=run_before, terminal_size=(80, 24))


def test_welcome(snap_compare, snapshot_app) -> None:
    """First start with no key: paste a key or try the offline demo."""
    shutil.rmtree(SNAPSHOT_DIR, ignore_errors=True)
    app = snapshot_app(api_key=None, paths=Paths(SNAPSHOT_DIR))
    assert snap_compare(app, terminal_size=(80, 24))


def test_model_picker(snap_compare, snapshot_app) -> None:
    """The model picker lists the built-in models with the current one marked."""
    assert snap_compare(snapshot_app(), press=["ctrl+o"], terminal_size=(80, 24))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_sidebar(snap_compare, snapshot_app, paths, size) -> None:
    """ctrl+l: conversations newest first under a day heading, with model and count."""
    from deepseek_tui.store import Store
    from tests.helpers import seed

    store = Store.open(paths.database)
    for title in ("Rust lifetimes", "Why is the sky blue?", "A long title " * 5):
        seed(store, title, 2)
    store.close()
    assert snap_compare(snapshot_app(), press=["ctrl+l"], terminal_size=size)


@pytest.mark.parametrize("theme", ["deepseek-dark", "deepseek-light", "deepseek-high-contrast"])
def test_an_answer_in_each_shipped_theme(snap_compare, snapshot_app, theme) -> None:
    """The same answer (a list and code) in every theme that ships in themes/."""
    from deepseek_tui.config import Settings

    text = "echo: ## Shopping\n\n- **one** and `two`\n\n```python\nprint('hi')\n```\n"

    async def run_before(pilot) -> None:
        await _ask(pilot, text)

    app = snapshot_app(settings=Settings(theme=theme))
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))
