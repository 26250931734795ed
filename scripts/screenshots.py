"""Screenshots for the README, made by the app itself: headless, against the built-in
emulator (deterministic replies, no network), saved as SVG into `screenshots/`.

    python scripts/screenshots.py            # every screen, every shipped theme
    python scripts/screenshots.py --only chat

Each picture is one function below: it drives the real app with Pilot and waits for
what it shows (never for a fixed time). Never draw or edit these files by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from deepseek_tui.messages import MessageDraft

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's package, whether or not it is installed

from textual.pilot import Pilot  # noqa: E402
from textual.widgets import OptionList  # noqa: E402

from deepseek_tui.config import Paths, Settings  # noqa: E402
from deepseek_tui.emulator import Emulator  # noqa: E402
from deepseek_tui.store import Store  # noqa: E402
from deepseek_tui.tui.app import DeepSeekApp  # noqa: E402
from deepseek_tui.tui.themes import load_themes, shipped_themes_dir  # noqa: E402
from deepseek_tui.tui.widgets import spinner  # noqa: E402
from deepseek_tui.tui.widgets.composer import Composer  # noqa: E402
from deepseek_tui.tui.widgets.conversation import ConversationView  # noqa: E402
from deepseek_tui.tui.widgets.markdown import MarkdownView  # noqa: E402
from deepseek_tui.tui.widgets.messages import AssistantMessage  # noqa: E402
from deepseek_tui.tui.widgets.saved_entries import LeftOut  # noqa: E402
from deepseek_tui.tui.widgets.tool_call import ToolCallView  # noqa: E402

OUT = ROOT / "screenshots"
KEY = "sk-demo-0000000000000000"  # the emulator takes any key; this one is plainly fake
SIZE = (110, 34)
# Fixed, so the pictures only change when the app does: the settings screen shows
# the config path and the base URL.
FOLDER = Path(tempfile.gettempdir()) / "deepseek-tui-screenshots"
PORT = 18765
LIVE_CHUNKS = 40  # the live-reasoning picture: chunks sent before the emulator stalls
STALLED = 1.0  # seconds without a new chunk that mean the emulator has stalled


class HeldClock:
    """The widgets' clock for the pictures: 0 at the first reading, then 7 s for ever
    ("⠋ Thinking… 7 s" on every run, however fast the machine drew it)."""

    def __init__(self) -> None:
        self.read = False

    def __call__(self) -> float:
        now, self.read = (7.0 if self.read else 0.0), True
        return now


class SteadyClock:
    """The session's clock for the pictures: 0.1 s per reading, so "Thought for 1.2 s"
    depends on the reply (how many chunks), never on the machine's speed."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.1
        return self.now


Scene = Callable[[Pilot], Awaitable[None]]


async def until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen never got there")
        await pilot.pause(0.05)


def settled(pilot: Pilot) -> bool:
    views = [view for view in pilot.app.screen.query(MarkdownView) if view.size.width]
    return all(view.settled for view in views)


async def ask(pilot: Pilot, text: str) -> None:
    pilot.app.screen.query_one(Composer).insert(text)
    await pilot.press("enter")
    await until(pilot, lambda: "last:" in str(pilot.app.screen.query_one("#status").render()))
    await until(pilot, lambda: settled(pilot))
    await pilot.pause(0.2)


async def chat(pilot: Pilot) -> None:
    await ask(pilot, "code")


async def reasoning(pilot: Pilot) -> None:
    await ask(pilot, "table")


async def picker(pilot: Pilot) -> None:
    await pilot.press("ctrl+o")
    await pilot.pause(0.2)


async def presets(pilot: Pilot) -> None:
    """^n: start from a preset (or a blank conversation)."""
    await ask(pilot, "echo: an earlier question")
    await pilot.press("ctrl+n")
    await pilot.pause(0.3)


async def attach(pilot: Pilot) -> None:
    """A file attached with ^a: sent as a block, shown folded under the question."""
    work = FOLDER / "work"
    work.mkdir(parents=True, exist_ok=True)
    (work / "primes.py").write_text(
        "def primes(n):\n    found = []\n    for k in range(2, n):\n"
        "        if all(k % p for p in found):\n            found.append(k)\n"
        "    return found\n"
    )
    previous = Path.cwd()
    os.chdir(work)  # the picker lists the working directory's files
    try:
        await pilot.press("ctrl+a")
        await pilot.pause(0.3)
        await pilot.press(*"primes.py", "enter")
        await pilot.pause(0.3)
        await ask(pilot, "echo: The file is attached: what would you change?")
    finally:
        os.chdir(previous)


async def settings(pilot: Pilot) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause(0.3)


async def sidebar(pilot: Pilot) -> None:
    await pilot.press("ctrl+l")
    await pilot.pause(0.1)
    await pilot.press("slash", *"quicksort")

    def found() -> bool:
        listing = pilot.app.screen.query_one("#conversations", OptionList)
        prompts = (str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count))
        return any("user:" in prompt for prompt in prompts)

    await until(pilot, found)
    await pilot.pause(0.3)


async def thinking(pilot: Pilot) -> None:
    """Mid-stream: the reasoning panel open, the answer not begun. The emulator stops
    sending (keep-alives only) after a fixed number of chunks, so the picture is the
    same on every run."""
    faults = pilot.app.emulator_faults  # type: ignore[attr-defined]
    faults.stall_after = LIVE_CHUNKS
    faults.stall_seconds = 120
    pilot.app.screen.query_one(Composer).insert("Why is the sky blue?")
    await pilot.press("enter")

    def reasoning() -> str:
        answers = list(pilot.app.screen.query(AssistantMessage))
        return answers[-1].reasoning if answers else ""

    await until(pilot, lambda: bool(reasoning()))
    # Stalled: the reasoning stops growing (keep-alives only) and is drawn.
    seen, since = "", time.monotonic()
    while time.monotonic() - since < STALLED or not settled(pilot):
        if reasoning() != seen:
            seen, since = reasoning(), time.monotonic()
        await pilot.pause(0.05)


async def error(pilot: Pilot) -> None:
    pilot.app.emulator_faults.error_status = 402  # type: ignore[attr-defined]
    pilot.app.screen.query_one(Composer).insert("hello")
    await pilot.press("enter")
    await until(pilot, lambda: bool(pilot.app.screen.query(".error")))
    await pilot.pause(0.2)


async def left_out(pilot: Pilot) -> None:
    """Turns left out of what is sent: three long answers fill a small window, the
    next question would not fit, "Leave out the oldest turns" (d); the transcript
    marks where sending starts, the status line says how many turns are left out."""
    for _ in range(3):
        await ask(pilot, "long 900")
    pilot.app.screen.query_one(Composer).insert("code")
    await pilot.press("enter")
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "ContextFull")
    await pilot.press("d")
    await until(pilot, lambda: len(pilot.app.session.messages) == 8)
    await until(pilot, lambda: settled(pilot))
    view = pilot.app.screen.query_one("#conversation", ConversationView)
    view.scroll_to_message(view.query_one(LeftOut))
    await pilot.pause(0.5)


# The emulator's JSON-mode answer is {"answer": "<the echo>"}: Markdown would have made
# `**1 words**` bold and taken the backticks away.
JSON_QUESTION = "echo: In JSON: **1 words** stays as typed, and so does ```python print(1) ```"


async def json_mode(pilot: Pilot) -> None:
    """A JSON-mode answer, shown as it came: one JSON block, no Markdown."""
    await ask(pilot, JSON_QUESTION)


# Tool calls (issue 21): the demo server asking before each call; the panel's picture
# adds one that fails at start, so it shows why and the server's last words.
DEMO_TOOLS = {"demo": {"command": sys.executable, "args": ["-m", "deepseek_tui.tools.demo_server"]}}
FAILING_TOOLS = {
    **DEMO_TOOLS,
    "notes": {
        "command": sys.executable,
        "args": ["-c", "import sys; sys.exit('notes: cannot open ~/notes.db')"],
    },
}
COUNT_CALL = 'call tool demo__word_count {"text": "the quick brown fox"}'


async def tools_ready(pilot: Pilot) -> None:
    await until(
        pilot,
        lambda: (
            pilot.app.screen.status.tools.startswith("tools ")
            and "…" not in pilot.app.screen.status.tools
        ),
    )
    pilot.app.clear_notifications()  # a failed server's toast: the panel says it


async def call_waiting(pilot: Pilot, text: str = COUNT_CALL) -> object:
    await tools_ready(pilot)
    pilot.app.screen.query_one(Composer).insert(text)
    await pilot.press("enter")
    conversation = pilot.app.screen.conversation
    await until(pilot, lambda: conversation.waiting_call is not None)
    await pilot.pause(0.2)
    return conversation.waiting_call


async def tool_approval(pilot: Pilot) -> None:
    """Two calls in a round: the first waits for y, Y, a, n or Esc."""
    await call_waiting(pilot, f"{COUNT_CALL} call tool demo__roll_dice {{}}")


async def tool_call(pilot: Pilot) -> None:
    """An allowed call, closed, and the answer that used its result."""
    row = await call_waiting(pilot)
    await pilot.press("y")
    await until(pilot, lambda: "last:" in str(pilot.app.screen.query_one("#status").render()))
    await until(pilot, lambda: settled(pilot))
    # The seconds a call took are the machine's: held, as the spinner's clock is.
    row.finish("done", replace(row.result, seconds=0.4))  # type: ignore[attr-defined]
    await pilot.pause(0.2)


async def tool_call_open(pilot: Pilot) -> None:
    """Enter on the call: its arguments as JSON and its result."""
    await tool_call(pilot)
    row = pilot.app.screen.query_one(ToolCallView)
    row.focus()
    await pilot.press("enter")
    await pilot.pause(0.2)
    pilot.app.screen.query_one("#conversation").scroll_end(animate=False)
    await pilot.pause(0.2)


async def tools_panel(pilot: Pilot) -> None:
    """F4: the servers, a failed one with why, and each tool's approval."""
    await tools_ready(pilot)
    await pilot.press("f4")
    await pilot.pause(0.3)


SCENES: dict[str, tuple[Scene, dict[str, object]]] = {
    "chat": (chat, {}),
    "reasoning": (reasoning, {"model": "deepseek-reasoner"}),
    "reasoning-live": (thinking, {"model": "deepseek-reasoner", "reasoning_expanded": True}),
    "error": (error, {}),
    "model-picker": (picker, {}),
    "settings": (settings, {}),
    "presets": (presets, {}),
    "attach": (attach, {}),
    "sidebar": (sidebar, {}),
    "left-out": (
        left_out,
        {"max_tokens": 1000, "providers": {"deepseek": {"context_window": 3500}}},
    ),
    "json-mode": (json_mode, {"json_mode": True}),
    "tool-approval": (tool_approval, {"mcp_servers": DEMO_TOOLS}),
    "tool-call": (tool_call, {"mcp_servers": DEMO_TOOLS}),
    "tool-call-open": (tool_call_open, {"mcp_servers": DEMO_TOOLS}),
    "tools-panel": (tools_panel, {"mcp_servers": FAILING_TOOLS}),
}


def seed_history(paths: Paths) -> None:
    """A few earlier conversations for the sidebar picture."""
    paths.ensure_dir()
    store = Store.open(paths.database)
    for title, question, answer in (
        ("Quicksort in Python", "quicksort in python", "Here is a quicksort…"),
        ("Why is the sky blue?", "why is the sky blue", "Rayleigh scattering…"),
        ("Rust lifetimes", "explain rust lifetimes", "A lifetime names a scope…"),
    ):
        conversation = store.create_conversation(title)
        user = store.add_message(conversation.id, MessageDraft("user", question))
        store.add_message(
            conversation.id,
            MessageDraft("assistant", answer, model="deepseek-chat", finish_reason="stop"),
            parent_id=user.id,
        )
    store.close()


async def shoot(name: str, scene: Scene, theme: str, options: dict[str, object]) -> Path:
    shutil.rmtree(FOLDER, ignore_errors=True)
    with Emulator(port=PORT) as emulator:
        paths = Paths(FOLDER)
        seed_history(paths)
        # Standard prices: the costs shown do not depend on the hour (peak bills double).
        settings = Settings(theme=theme, peak_pricing=False, **options)  # type: ignore[arg-type]
        app = DeepSeekApp(paths=paths, settings=settings, base_url=emulator.base_url, api_key=KEY)
        app.emulator_faults = emulator.faults  # type: ignore[attr-defined]  # scenes set faults
        async with app.run_test(size=SIZE) as pilot:
            for widget in app.query("*"):
                if hasattr(widget, "cursor_blink"):
                    widget.cursor_blink = False
            await pilot.pause()
            if app.session is not None:
                app.session.clock = SteadyClock()
            spinner.clock = HeldClock()
            spinner.SPINNER = "⠋"  # one frame: the spinner turns with wall time
            await scene(pilot)
            OUT.mkdir(parents=True, exist_ok=True)
            path = OUT / f"{name}.svg"
            app.save_screenshot(str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SCENES), action="append")
    parser.add_argument("--theme", help="take the pictures in this theme (not the README's)")
    parser.add_argument("--size", help="COLSxROWS (not the README's), e.g. 80x24")
    parser.add_argument("--out", type=Path, help="save into this folder, not screenshots/")
    args = parser.parse_args()
    global OUT, SIZE
    if args.out is not None:
        OUT = args.out
    if args.size:
        columns, rows = args.size.lower().split("x")
        SIZE = (int(columns), int(rows))
    themes = [theme.name for theme in load_themes(shipped_themes_dir()).themes]
    default = "deepseek-dark" if "deepseek-dark" in themes else themes[0]
    for name in args.only or sorted(SCENES):
        scene, options = SCENES[name]
        print(asyncio.run(shoot(name, scene, args.theme or default, options)))
    if not args.only:
        for theme in themes:
            print(asyncio.run(shoot(f"chat-{theme}", chat, theme, {})))


if __name__ == "__main__":
    main()
