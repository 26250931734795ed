"""What several test modules do alike: run the CLI, drive the TUI, wait for a condition,
read what the emulator was sent, make a database or an export as a version left it.

Test modules import from here (and take fixtures from conftest.py), never from each
other or from a conftest. Waits poll for what the test needs to see, with a generous
deadline, so a busy machine makes them slower, not red.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.command import CommandList
from textual.widgets import OptionList

from deepseek_tui.emulator import Emulator, RecordedRequest
from deepseek_tui.messages import MessageDraft
from deepseek_tui.store import _TRIGRAM_PARTS, MIGRATIONS, Store
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.markdown import MarkdownView
from deepseek_tui.tui.widgets.messages import AssistantMessage

# Long enough for a loaded 2-core CI machine; a wait that holds costs only its poll.
DEADLINE = 10.0

# A fixture key: obviously fake, never a real-looking secret.
TEST_KEY = "sk-test-0000000000000000abcd"


# --- the CLI, as a user runs it -------------------------------------------------------


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "deepseek_tui", *args],
        input=None if stdin is None else stdin.encode(),
        capture_output=True,
        env=full_env,
        timeout=timeout,
        stdin=subprocess.DEVNULL if stdin is None else None,
    )


def read_until_closed(master: int, deadline: float) -> bytes:
    """Everything written to a pseudo-terminal until its last writer closes it (EIO
    or EOF); fails if that has not happened by `deadline` (time.monotonic())."""
    import select

    printed = b""
    while True:
        assert time.monotonic() < deadline, f"it did not end; it printed {printed!r}"
        ready, _, _ = select.select([master], [], [], 0.05)
        if not ready:
            continue
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the last writer to the terminal is gone
            return printed
        if not data:
            return printed
        printed += data


# --- the TUI, driven with Pilot -------------------------------------------------------


async def wait_for(
    pilot,
    condition: Callable[[], object],
    what: str | Callable[[], str] = "",
    timeout: float = DEADLINE,
    steady: float = 0.0,
) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds.

    Each round is a `pilot.pause()`: pending messages are handled and the app gets at
    least one slice of the event loop before the condition is checked again. With
    `steady`, the condition must also keep holding that long while the app runs (for a
    state that is right only once it has settled, not when it first flickers past).
    `what` names the condition in the failure; a callable can add the state it ended in.
    """
    deadline = time.monotonic() + timeout
    held_since: float | None = None
    while True:
        now = time.monotonic()
        if not condition():
            held_since = None
        elif held_since is None:
            held_since = now
        if held_since is not None and now - held_since >= steady:
            return
        if now > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"not within {timeout:g} s: {said or condition}")
        await pilot.pause()


def screen_text(app) -> str:
    """The characters the terminal shows for the current screen, one line per row."""
    # Textual has no public way to read the screen as text (export_screenshot is SVG).
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notices(app) -> list[str]:
    """The texts of the notices (toasts) the app shows now, oldest first."""
    # Textual keeps them in App._notifications and offers no public way to read them
    # (its Toast widget is private too); one place reads it, so one place would change.
    return [str(notice.message) for notice in app._notifications]


def sidebar_ids(app) -> list[str]:
    """The ids of the conversation list's rows, top to bottom: a conversation's id, or
    `conversation:message` for a search hit (day headings left out); [] while the list
    is not on the screen."""
    found = app.screen.query("#conversations")
    if not found:
        return []
    listing = found.first(OptionList)
    options = (listing.get_option_at_index(i) for i in range(listing.option_count))
    return [option.id for option in options if option.id]


def highlight_in_sidebar(app, conversation_id: str) -> None:
    """Focus the conversation list on the row of `conversation_id`, as the arrows do."""
    listing = app.screen.query_one("#conversations", OptionList)
    ids = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
    listing.focus()
    listing.highlighted = ids.index(conversation_id)


async def send(pilot, text: str) -> None:
    composer = pilot.app.screen.query_one(Composer)
    composer.insert(text)
    await pilot.press("enter")


def rendered(app) -> bool:
    """Every Markdown view that has been laid out has drawn all it was given (a view
    renders new blocks within a frame budget, so a long or first answer takes frames)."""
    views = [view for view in app.screen.query(MarkdownView) if view.size.width]
    return all(view.settled for view in views)


async def palette(pilot, words: str) -> None:
    """Open the command palette, type `words`, run the first command offered for them."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*words)

    def offered() -> bool:
        listing = app.screen.query(CommandList)
        option = listing.first().highlighted_option if listing else None
        return option is not None and words.lower() in str(option.prompt).lower()

    await wait_for(pilot, offered, f"the palette offers {words!r}")
    await pilot.press("enter")
    await pilot.pause()


async def answered(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await wait_for(pilot, lambda: rendered(pilot.app), "the answer rendered")


async def streaming_under_way(pilot, chars: int = 20) -> None:
    """Wait until the first answer has more than `chars` characters."""

    def started() -> bool:
        widgets = list(pilot.app.screen.query(AssistantMessage))
        return bool(widgets) and len(widgets[0].content) > chars

    await wait_for(pilot, started, "the answer starts streaming")


# --- what the emulator was sent -------------------------------------------------------


def chat_requests(emulator: Emulator) -> list[RecordedRequest]:
    """The chat completion requests the emulator received, in order (not /models,
    /user/balance or Segmind's jobs)."""
    return [r for r in emulator.requests if r.path.endswith("/chat/completions")]


def chat_bodies(emulator: Emulator) -> list[dict]:
    """The JSON bodies of `chat_requests`."""
    return [r.body for r in chat_requests(emulator)]


# --- history --------------------------------------------------------------------------


def seed(store: Store, title: str, pairs: int) -> str:
    conversation = store.create_conversation(title)
    parent = None
    for index in range(pairs):
        user = store.add_message(
            conversation.id, MessageDraft("user", f"{title} question {index}"), parent_id=parent
        )
        answer = store.add_message(
            conversation.id,
            MessageDraft(
                "assistant", f"{title} answer {index}", model="deepseek-chat", finish_reason="stop"
            ),
            parent_id=user.id,
        )
        parent = answer.id
    return conversation.id


def database_at(path: Path, version: int) -> sqlite3.Connection:
    """A database exactly as deepseek-tui at schema `version` left it."""
    db = sqlite3.connect(path)
    for step in range(1, version + 1):
        db.executescript(MIGRATIONS[step])
        db.executescript(_TRIGRAM_PARTS.get(step, ""))  # this SQLite has trigram
        db.execute(f"PRAGMA user_version = {step}")
    db.commit()
    return db


# --- export ---------------------------------------------------------------------------


def export_of(title: str, **changes: Any) -> dict[str, Any]:
    """A valid export as `export --format json` writes it, with `changes` on top."""
    data: dict[str, Any] = {
        "id": "11111111-2222-3333-4444-555555555555",
        "title": title,
        "created_at": "2026-11-23T09:00:00.000Z",
        "updated_at": "2026-11-23T09:05:00.000Z",
        "messages": [
            {
                "role": "user",
                "content": "Why?",
                "reasoning_content": None,
                "model": None,
                "finish_reason": None,
                "usage": None,
                "created_at": "2026-11-23T09:00:00.000Z",
            },
            {
                "role": "assistant",
                "content": "Because.",
                "reasoning_content": "Let me think.",
                "model": "deepseek-reasoner",
                "finish_reason": "stop",
                "usage": {
                    "prompt_tokens": 10,
                    "completion_tokens": 20,
                    "total_tokens": 31,
                    "reasoning_tokens": 5,
                    "prompt_cache_hit_tokens": 4,
                    "prompt_cache_miss_tokens": 6,
                },
                "created_at": "2026-11-23T09:00:01.500Z",
            },
        ],
    }
    data.update(changes)
    return data


# --- MCP servers and their processes --------------------------------------------------

# The test servers: sdk_server.py (the SDK's MCPServer), plain_server.py (plain JSON-RPC).
MCP_SERVERS = Path(__file__).parent / "mcp_servers"


def process_gone(pid: int) -> bool:
    """The process has ended (a zombie nobody reaped yet counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def wait_process_gone(pid: int, deadline: float = 20.0) -> None:
    end = time.monotonic() + deadline
    while not process_gone(pid):
        assert time.monotonic() < end, f"process {pid} is still running"
        time.sleep(0.05)


# --- tools ---------------------------------------------------------------------------


@dataclass
class Info:
    server: str
    tool: str
    wire_name: str
    auto_approved: bool = True


@dataclass
class Outcome:
    text: str
    is_error: bool = False
    seconds: float = 0.01
    reason: str | None = None


@dataclass
class Box:
    """A ToolBox stand-in with `tools.ToolBox`'s API (plan20.md): the session's loop
    tested without MCP servers."""

    tools: dict[str, Info] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    output_limit_kb: int = 64
    rounds: int = 8
    calls: list[tuple[str, dict]] = field(default_factory=list)
    hang: asyncio.Event | None = None  # set when a call is running and hangs
    cancelled: bool = False
    always: list[str] = field(default_factory=list)

    def specs(self) -> tuple[dict, ...]:
        return tuple(
            {"type": "function", "function": {"name": n, "description": "", "parameters": {}}}
            for n in self.tools
        )

    def find(self, wire_name: str) -> Info | None:
        return self.tools.get(wire_name)

    async def call(self, wire_name: str, arguments: dict) -> Outcome:
        self.calls.append((wire_name, arguments))
        if self.hang is not None:
            self.hang.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled = True
                raise
        text = self.results.get(wire_name, f"ran {wire_name}")
        return Outcome(text.removeprefix("!"), is_error=text.startswith("!"))

    def allow_always(self, wire_name: str) -> str:
        self.always.append(wire_name)
        return f"{wire_name} is approved from now on."


def box(**auto: bool) -> Box:
    return Box(
        {
            name: Info("demo", name.split("__")[1], name, approved)
            for name, approved in {"demo__time": True, **auto}.items()
        }
    )


# --- tools in the chat ----------------------------------------------------------------


def tool_rows(app) -> list:
    """The tool-call rows the chat shows, in order."""
    from deepseek_tui.tui.widgets.tool_call import ToolCallView

    return list(app.screen.query(ToolCallView))


def app_with_config(make_app, paths, config_toml: str):
    """An app started with `config_toml` as its config.toml (servers and all)."""
    from deepseek_tui.config import load_settings

    paths.ensure_dir()
    paths.config_file.write_text(config_toml)
    return make_app(settings=load_settings(paths))
