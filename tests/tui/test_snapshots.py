"""How the main screens look (pytest-textual-snapshot; `--snapshot-update` to renew)."""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from deepseek_tui.config import Paths, Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.tool_call import ToolCallView
from tests.helpers import answered, wait_for

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


# --- tool calls (issue 21): the four pictures ------------------------------------------

# The demo server, asking before each call, and one that fails at start (its last
# stderr line is what the panel shows).
TOOL_SERVERS = {
    "demo": {"command": sys.executable, "args": ["-m", "deepseek_tui.tools.demo_server"]},
    "notes": {
        "command": sys.executable,
        "args": ["-c", "import sys; sys.exit('notes: cannot open ~/notes.db')"],
    },
}
COUNT_CALL = 'call tool demo__word_count {"text": "the quick brown fox"}'


@pytest.fixture
def tools_app(snapshot_app, monkeypatch):
    """The app with the two servers, the spinner's clock held still (a running or
    thinking line reads the same on any machine)."""
    from deepseek_tui.config import Settings
    from deepseek_tui.tui.widgets import spinner

    monkeypatch.setattr(spinner, "clock", lambda: 7.0)
    return snapshot_app(settings=Settings(mcp_servers=TOOL_SERVERS))


async def _tools_ready(pilot) -> None:
    status = pilot.app.screen.status
    await wait_for(pilot, lambda: status.tools == "tools 3 · 1 failed", "the servers settled")
    pilot.app.clear_notifications()  # the failed server's toast: the panel says it


async def _call_waiting(pilot, ask: str = COUNT_CALL) -> ToolCallView:
    await _tools_ready(pilot)
    pilot.app.screen.query_one(Composer).insert(ask)
    await pilot.press("enter")
    conversation = pilot.app.screen.conversation
    # Steady: the gauge's update after typing (Prompt.GAUGE_DELAY) has come by then,
    # so the status line reads the same on any machine.
    await wait_for(pilot, lambda: conversation.waiting_call, "the call waiting", steady=0.6)
    return conversation.waiting_call


async def _call_done(pilot) -> ToolCallView:
    row = await _call_waiting(pilot)
    await pilot.press("y")
    await answered(pilot)
    # The seconds a call took are the machine's: held, as the spinner's clock is.
    assert row.state == "done" and row.result is not None
    row.finish("done", replace(row.result, seconds=0.4))
    return row


def test_tool_call_waiting(snap_compare, tools_app) -> None:
    """Two calls in a round: the first waits, its row says the keys (Y for both), the
    composer keeps focus."""

    async def run_before(pilot) -> None:
        await _call_waiting(pilot, f"{COUNT_CALL} call tool demo__roll_dice {{}}")

    assert snap_compare(tools_app, run_before=run_before, terminal_size=(80, 24))


def test_tool_call_done(snap_compare, tools_app) -> None:
    """An allowed call, closed: `⚙ demo › word_count {…}` and `✓ 0.4 s · 32 B`."""
    assert snap_compare(tools_app, run_before=_call_done, terminal_size=(80, 24))


def test_tool_call_open(snap_compare, tools_app) -> None:
    """Enter on a call: its arguments as JSON and its result."""

    async def run_before(pilot) -> None:
        row = await _call_done(pilot)
        row.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: row.opened, "the call open")
        pilot.app.screen.query_one("#conversation").scroll_end(animate=False)

    assert snap_compare(tools_app, run_before=run_before, terminal_size=(80, 24))


def test_tools_panel(snap_compare, tools_app) -> None:
    """F4: each server with its state (a failed one with why and its last words) and
    each tool, on or off, ask or always."""

    async def run_before(pilot) -> None:
        await _tools_ready(pilot)
        await pilot.press("f4")
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "ToolsPanel", "panel")

    assert snap_compare(tools_app, run_before=run_before, terminal_size=(80, 24))
