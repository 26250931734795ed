"""Benchmark: how long an N-token answer takes to be fully on screen (headless TUI).

The emulator streams "long N" as fast as it can over loopback; the clock runs from
Enter to the end of the final render. Prints one line per size. Targets:
2,000 tokens ≤ 1 s, 20,000 tokens ≤ 5 s on the 2-core machine; keystrokes answered
≤ 50 ms (p95) while it streams, estimated by the event loop's lag.

    python benchmarks/stream_render.py 2000 20000
    python benchmarks/stream_render.py --delay=0.005 2000   # paced: 200 chunks/s
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from deepseek_tui.config import Paths, Settings
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.tui.app import DeepSeekApp
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.messages import AssistantMessage


async def _lag_probe(lags: list[float], stop: asyncio.Event) -> None:
    """How late a 10 ms sleep wakes up: a proxy for how soon a keystroke is handled."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(0.01)
        lags.append(loop.time() - before - 0.01)


async def measure(tokens: int, delay: float = 0.0) -> tuple[float, int, float]:
    with (
        Emulator(faults=Faults(token_delay=delay)) as emulator,
        tempfile.TemporaryDirectory() as folder,
    ):
        app = DeepSeekApp(
            paths=Paths(Path(folder)),
            settings=Settings(),
            base_url=emulator.base_url,
            api_key="sk-bench-0000",
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            app.screen.query_one(Composer).insert(f"long {tokens}")
            lags: list[float] = []
            stop = asyncio.Event()
            probe = asyncio.create_task(_lag_probe(lags, stop))
            started = time.perf_counter()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            elapsed = time.perf_counter() - started
            stop.set()
            await probe
            chars = len(app.screen.query_one(AssistantMessage).content)
    lags.sort()
    p95 = lags[int(len(lags) * 0.95)] if lags else 0.0
    return elapsed, chars, p95


def main() -> None:
    args = sys.argv[1:]
    delay = 0.0
    if args and args[0].startswith("--delay="):
        delay = float(args.pop(0).split("=", 1)[1])  # seconds between chunks
    sizes = [int(arg) for arg in args] or [2000]
    for size in sizes:
        elapsed, chars, p95 = asyncio.run(measure(size, delay))
        print(
            f"{size:>7} tokens ({chars:>7} chars): {elapsed:6.2f} s to fully on screen, "
            f"event-loop lag p95 {p95 * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
