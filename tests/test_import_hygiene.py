"""Importing the core leaves Textual out (and the wire leaves SQLite out): the layers
hold at run time, not only in import-linter's reading of the source. Each check runs
in a fresh interpreter, since this one has long imported everything."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def modules_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running `statement`."""
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_the_core_imports_no_textual() -> None:
    loaded = modules_after(
        "import deepseek_tui.session, deepseek_tui.api, deepseek_tui.store, "
        "deepseek_tui.export, deepseek_tui.markdown, deepseek_tui.cli"
    )
    assert "textual" not in top_level(loaded)
    assert not any(name.startswith("deepseek_tui.tui") for name in loaded)


@pytest.mark.parametrize(
    "statement",
    [
        "import deepseek_tui.api",
        "from deepseek_tui.api.providers import client_for; import deepseek_tui.api.client",
        "import deepseek_tui.api.segmind",
    ],
)
def test_the_wire_imports_no_textual_and_no_sqlite(statement: str) -> None:
    loaded = top_level(modules_after(statement))
    assert "textual" not in loaded
    assert "sqlite3" not in loaded and "_sqlite3" not in loaded
    assert not {"deepseek_tui.store", "deepseek_tui.session"} & modules_after(statement)


def test_the_api_package_leaves_httpx_for_the_first_client() -> None:
    # The TUI's first paint should not wait for httpx (~0.1 s).
    assert "httpx" not in top_level(modules_after("import deepseek_tui.api"))


FIRST_FRAME = """
import asyncio, sys, tempfile
from textual.app import App
from deepseek_tui.config import Paths, Settings
from deepseek_tui.tui.app import DeepSeekApp

seen = {}
draw = App._display

def display(self, screen, renderable):
    draw(self, screen, renderable)
    if renderable is not None and not self._batch_count and "modules" not in seen:
        seen.update(screen=type(screen).__name__, made=self.session_made, modules=set(sys.modules))

App._display = display

async def main():
    with tempfile.TemporaryDirectory() as folder:
        app = DeepSeekApp(
            paths=Paths.resolve(folder), settings=Settings(),
            base_url="http://127.0.0.1:9", api_key="sk-test",
        )
        async with app.run_test(size=(100, 30)) as pilot:
            while "modules" not in seen:
                await pilot.pause()

asyncio.run(main())
modules = seen["modules"]
print(seen["screen"], seen["made"])
print(" ".join(sorted({name.split(".")[0] for name in modules} | modules)))
"""


def test_the_first_frame_is_drawn_before_the_engine_the_store_and_the_wire() -> None:
    # A new chat's first frame is drawn from the settings (docs/architecture.md,
    # "Start path"): the session, the history database, httpx and the Markdown stack
    # come after it. Run to the first frame drawn, in a fresh interpreter.
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    first, names = done.stdout.splitlines()[-2:]
    assert first == "ChatScreen False"
    loaded = set(names.split())
    assert not loaded & {"sqlite3", "_sqlite3", "httpx", "markdown_it", "pygments"}
    assert not loaded & {
        "deepseek_tui.session",
        "deepseek_tui.store",
        "deepseek_tui.history",
        "deepseek_tui.messages",
        "deepseek_tui.attachments",
        "deepseek_tui.markdown",
        "deepseek_tui.api.events",
        "deepseek_tui.api.errors",
        "deepseek_tui.tui.widgets.messages",
        "deepseek_tui.tui.widgets.question",
        "deepseek_tui.tui.widgets.reasoning",
        "deepseek_tui.tui.widgets.waiting",
        "deepseek_tui.tui.widgets.spinner",
        "deepseek_tui.tui.widgets.markdown",
        "deepseek_tui.tui.widgets.sidebar",
        "deepseek_tui.tui.widgets.conversation_list",
    }


WARMED = """
import asyncio, sys, tempfile, time
from deepseek_tui.config import Paths, Settings
from deepseek_tui.tui.app import DeepSeekApp

WANTED = ("markdown_it", "pygments.lexers.python", "pygments.lexers.c_cpp", "pygments.lexers.sql")

async def main():
    with tempfile.TemporaryDirectory() as folder:
        app = DeepSeekApp(
            paths=Paths.resolve(folder), settings=Settings(),
            base_url="http://127.0.0.1:9", api_key="sk-test",
        )
        async with app.run_test(size=(100, 30)) as pilot:
            deadline = time.monotonic() + 30
            while not all(name in sys.modules for name in WANTED):
                if time.monotonic() > deadline:
                    break
                await pilot.pause(0.05)
    print(" ".join(name for name in WANTED if name not in sys.modules) or "all")

asyncio.run(main())
"""


def test_what_the_first_answer_draws_with_is_loaded_after_the_first_frame() -> None:
    # The Markdown stack and a language's lexer were loaded on the event loop by the
    # first block that needed them: a 100–500 ms stall in the middle of an answer.
    done = subprocess.run(
        [sys.executable, "-c", WARMED], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "all"
