"""What several test modules do alike: run the CLI, drive the TUI, wait for a condition.

Test modules import from here, never from each other. Waits poll for what the test
needs to see, with a generous deadline, so a busy machine makes them slower, not red.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

from deepseek_tui.messages import MessageDraft
from deepseek_tui.store import Store
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.markdown import MarkdownView
from deepseek_tui.tui.widgets.messages import AssistantMessage

# Long enough for a loaded 2-core CI machine; a wait that holds costs only its poll.
DEADLINE = 10.0


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
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def send(pilot, text: str) -> None:
    composer = pilot.app.screen.query_one(Composer)
    composer.insert(text)
    await pilot.press("enter")


def rendered(app) -> bool:
    """Every Markdown view that has been laid out has drawn all it was given (a view
    renders new blocks within a frame budget, so a long or first answer takes frames)."""
    views = [view for view in app.screen.query(MarkdownView) if view.size.width]
    return all(view.settled for view in views)


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
