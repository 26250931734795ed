"""Benchmark: how fast the TUI opens — first paint, a 2,000-message conversation,
and the sidebar over 10,000 conversations. Prints figures (medians of a few runs).

Targets: first paint ≤ 0.45 s · a 2,000-message conversation opens
≤ 0.3 s · the sidebar with 10,000 conversations ≤ 0.2 s.

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
        screen.show_history()
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


if __name__ == "__main__":
    main()
