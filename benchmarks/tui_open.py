"""Benchmark: how fast the TUI opens — first paint, a 2,000-message conversation,
and the sidebar over 10,000 conversations — and the memory the conversation takes.
Prints figures (medians of a few runs).

Targets: first paint ≤ 0.45 s · a 2,000-message conversation opens
≤ 0.3 s · the sidebar with 10,000 conversations ≤ 0.2 s · memory for the
conversation ≤ 3× the text it holds (issue 16 §7), over the app's own.

    python benchmarks/tui_open.py
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIRST_PAINT = r"""
import time, asyncio
start = time.perf_counter()
from deepseek_tui.config import Paths, Settings
from deepseek_tui.tui.app import DeepSeekApp
painted = []
# Textual sends Ready when "the first frame has been displayed".
DeepSeekApp.on_ready = lambda self: painted.append(time.perf_counter() - start)
async def main():
    app = DeepSeekApp(paths=Paths.resolve(r"{folder}"), settings=Settings(),
                      base_url="http://127.0.0.1:9", api_key="sk-bench-0000")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
    print(painted[0])
asyncio.run(main())
"""


MEMORY = r"""
import asyncio, os, resource
def rss():
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except OSError:  # not Linux: the peak, in kilobytes on Linux and bytes on macOS
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
async def main():
    if "{long_id}" == "bare":
        from textual.app import App
        async with App().run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            print(rss(), 0, 0)
        return
    from deepseek_tui.config import Paths, Settings
    from deepseek_tui.tui.app import DeepSeekApp
    app = DeepSeekApp(paths=Paths.resolve(r"{folder}"), settings=Settings(),
                      base_url="http://127.0.0.1:9", api_key="sk-bench-0000")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        before = rss()
        app.screen.session.open("{long_id}")
        app.screen.show_messages()
        await pilot.pause()
        history = app.screen.session.messages
        text = sum(len(m.content.encode()) + len((m.reasoning or "").encode()) for m in history)
        print(before, rss(), text)
asyncio.run(main())
"""


def memory(folder: str, long_id: str) -> tuple[int, int, int]:
    """(RSS before opening, after, bytes of text held), in a fresh process."""
    script = MEMORY.replace("{folder}", folder).replace("{long_id}", long_id)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    before, after, text = (int(n) for n in out.stdout.split()[-3:])
    return before, after, text


def first_paint(folder: str) -> float:
    # A fresh interpreter each time: imports are most of the cost.
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT.replace("{folder}", folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    in_process = float(out.stdout.strip().splitlines()[-1])
    return min(in_process + 0.03, time.perf_counter() - started)  # + interpreter start


def seed(path: Path, conversations: int, long_pairs: int) -> str:
    from deepseek_tui.store import Store

    store = Store.open(path)
    long_id = ""
    db = store._db  # bulk insert for speed; the schema's triggers keep FTS in sync
    db.execute("BEGIN")
    for index in range(conversations):
        conversation_id = f"{index:08d}-0000-4000-8000-000000000000"
        stamp = f"2026-11-{1 + index % 20:02d}T10:00:{index % 60:02d}.000Z"
        db.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?,?,?,?)",
            (conversation_id, f"Conversation {index}", stamp, stamp),
        )
        pairs = long_pairs if index == 0 else 2
        parent = None
        for turn in range(pairs):
            for role in ("user", "assistant"):
                cursor = db.execute(
                    "INSERT INTO messages (conversation_id, parent_id, role, content, model,"
                    " finish_reason, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        conversation_id,
                        parent,
                        role,
                        f"{role} message {turn} with some **Markdown** and `code`",
                        "deepseek-chat",
                        "stop" if role == "assistant" else None,
                        stamp,
                        stamp,
                    ),
                )
                parent = cursor.lastrowid
        if index == 0:
            long_id = conversation_id
    db.execute("COMMIT")
    store.close()
    return long_id


async def open_times(folder: str, long_id: str) -> tuple[float, float, float]:
    from deepseek_tui.config import Paths, Settings
    from deepseek_tui.tui.app import DeepSeekApp

    app = DeepSeekApp(
        paths=Paths.resolve(folder),
        settings=Settings(),
        base_url="http://127.0.0.1:9",
        api_key="sk-bench-0000",
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        # What Pilot itself costs: a key nothing is bound to, and a pause.
        started = time.perf_counter()
        await pilot.press("f12")
        await pilot.pause()
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        screen.session.open(long_id)
        screen.show_messages()
        await pilot.pause()
        opened = time.perf_counter() - started
        started = time.perf_counter()
        await pilot.press("ctrl+l")
        await pilot.pause()
        sidebar = time.perf_counter() - started
    return opened, sidebar, baseline


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        paints = [first_paint(folder) for _ in range(5)]
        long_id = seed(Path(folder) / "conversations.db", 10_000, 1_000)
        runs = [asyncio.run(open_times(folder, long_id)) for _ in range(3)]
        bare = memory(folder, "bare")[0]
        before, after, text = memory(folder, long_id)
    print(f"first paint (fresh process):                 {statistics.median(paints):.3f} s")
    print(
        f"open a 2,000-message conversation:           "
        f"{statistics.median(r[0] for r in runs):.3f} s"
    )
    print(
        f"open the sidebar over 10,000 conversations:  "
        f"{statistics.median(r[1] for r in runs):.3f} s"
    )
    print(
        f"(Pilot's own cost, a no-op key + pause:      "
        f"{statistics.median(r[2] for r in runs):.3f} s, included in the two above)"
    )
    grown = after - before
    print(
        f"memory, opening the 2,000 messages:           +{grown / 1e6:.1f} MB for "
        f"{text / 1e6:.2f} MB of text ({grown / text:.0f}×); the app before "
        f"{before / 1e6:.0f} MB, a bare Textual app {bare / 1e6:.0f} MB"
    )


if __name__ == "__main__":
    main()
