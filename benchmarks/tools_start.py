"""Benchmark: what tools cost at start — importing `deepseek_tui.tools` (on any path
that may make a ToolBox: it must not bring `mcp`), importing the SDK (only when a
server is configured), the demo server's first answer, and `ToolBox.start()` with the
demo server in a fresh interpreter (SDK import included) and with the SDK loaded.
Each in fresh interpreters; medians of a few runs.

    python benchmarks/tools_start.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

RUNS = 7

IMPORT_TOOLS = """
import time
import asyncio  # the TUI and ask have it loaded already
from deepseek_tui.config import Paths, Settings
t = time.perf_counter()
import deepseek_tui.tools
from deepseek_tui.tools import ToolBox
print(time.perf_counter() - t)
"""

IMPORT_MCP = """
import time
t = time.perf_counter()
import mcp.client, mcp.client.stdio
print(time.perf_counter() - t)
"""

DEMO_FIRST_ANSWER = """
import json, subprocess, sys, time
t = time.perf_counter()
p = subprocess.Popen([sys.executable, "-m", "deepseek_tui.tools.demo_server"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
p.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {},
    "clientInfo": {"name": "bench", "version": "1"}}}) + "\\n")
p.stdin.flush()
p.stdout.readline()
print(time.perf_counter() - t)
p.stdin.close(); p.wait()
"""

TOOLBOX_START = """
import asyncio, sys, tempfile, time
from deepseek_tui.config import Paths, Settings
from deepseek_tui.tools import ToolBox
if sys.argv[1] == "warm":
    import mcp.client, mcp.client.stdio
async def main():
    box = ToolBox.from_settings(Settings(), Paths.resolve(tempfile.mkdtemp()), demo=True)
    t = time.perf_counter()
    await box.start()
    took = time.perf_counter() - t
    assert box.servers()[0].state == "connected", box.problems()
    await box.aclose()
    print(took)
asyncio.run(main())
"""


def median_of(code: str, *args: str) -> float:
    runs = []
    for _ in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
        )
        runs.append(float(done.stdout.split()[-1]))
    return statistics.median(runs)


def main() -> None:
    figures = {
        "import deepseek_tui.tools (ms)": median_of(IMPORT_TOOLS) * 1000,
        "import mcp client (ms)": median_of(IMPORT_MCP) * 1000,
        "demo server, spawn to first answer (ms)": median_of(DEMO_FIRST_ANSWER) * 1000,
        "ToolBox.start(), demo, SDK not loaded (ms)": median_of(TOOLBOX_START, "cold") * 1000,
        "ToolBox.start(), demo, SDK loaded (ms)": median_of(TOOLBOX_START, "warm") * 1000,
    }
    for name, value in figures.items():
        print(f"{name:45} {value:8.1f}")
    print(json.dumps({k: round(v, 1) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
