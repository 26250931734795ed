"""Benchmark: how long an N-token answer takes to be fully on screen (headless TUI).

The emulator streams "long N" as fast as it can over loopback; the clock runs from
Enter to the end of the final render. Prints one line per size. Targets (DESIGN.md):
2,000 tokens ≤ 1 s, 20,000 tokens ≤ 5 s on the 2-core machine.

    python benchmarks/stream_render.py 2000 20000
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from deepseek_tui.config import Paths, Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.app import DeepSeekApp
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.messages import AssistantMessage


async def measure(tokens: int) -> tuple[float, int]:
    with Emulator() as emulator, tempfile.TemporaryDirectory() as folder:
        app = DeepSeekApp(
            paths=Paths(Path(folder)),
            settings=Settings(),
            base_url=emulator.base_url,
            api_key="sk-bench-0000",
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            app.screen.query_one(Composer).insert(f"long {tokens}")
            started = time.perf_counter()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            elapsed = time.perf_counter() - started
            chars = len(app.screen.query_one(AssistantMessage).content)
    return elapsed, chars


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [2000]
    for size in sizes:
        elapsed, chars = asyncio.run(measure(size))
        print(f"{size:>7} tokens ({chars:>7} chars): {elapsed:6.2f} s to fully on screen")


if __name__ == "__main__":
    main()
