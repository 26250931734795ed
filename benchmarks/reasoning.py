"""Benchmark: huge reasoning (issue 19 §5), as the user sees it.

A thinking model that sends `--mb` MB (default 200) of `reasoning_content` before a
short answer, from the emulator in this process on 127.0.0.1 (no network):

- tui   the installed app in a pseudo-terminal (benchmarks/terminal.py's harness,
        120×40): Esc once the server has sent `--esc-at` of the reasoning (default
        0.75): Esc → "stopped" in the status bar; the app's peak resident memory
        (VmHWM over its process tree) up to then and once the stopped answer is saved.
- ask   `deepseek-tui ask --show-reasoning`, its stdout and stderr read through pipes
        as they come: how long it took, what it printed, its peak resident memory
        (ru_maxrss from wait4) and the size of conversations.db afterwards.

The reasoning is paragraphs of ~2 KB with a blank line between them (`--shape
paragraphs`), or one line without a line end (`--shape line`); each delta carries
`--chunk` characters. Chunks are made as they are sent (a list of 100,000 dicts up
front would itself take gigabytes).

    python benchmarks/reasoning.py                 # both rows, 200 MB
    python benchmarks/reasoning.py --only ask --mb 50 --shape line
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import terminal as harness

from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.emulator import server as emulator_server
from deepseek_tui.emulator.chunks import HugeReasoning

MODEL = "deepseek-reasoner"
QUESTION = "think it all through"

# The emulator's huge reasoning (`Faults.reasoning_chars`), each one kept to read how
# much of it has gone out.
_streams: list[HugeReasoning] = []


class _Recorded(HugeReasoning):
    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        _streams.append(self)


def huge_emulator(total: int, chunk: int, shape: str) -> Emulator:
    """The emulator, every thinking reply's reasoning `total` characters long."""
    emulator_server.HugeReasoning = _Recorded  # type: ignore[misc]
    faults = Faults(reasoning_chars=total, reasoning_chunk=chunk, reasoning_shape=shape)
    return Emulator(faults=faults)


def sent() -> int:
    return _streams[-1].sent_chars if _streams else 0


def row_tui(total: int, esc_at: float, timeout: float) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config"
        emulator = harness_emulator
        harness.MODEL = MODEL  # what the harness waits to see on the status bar
        with harness.running_app(emulator, config, ["--model", MODEL]) as app:
            asked = harness.ask(app, QUESTION)
            target = int(total * esc_at)
            reached = app.wait(lambda: sent() >= target, timeout)
            figures["sent_mb_at_esc"] = round(sent() / 1e6, 1)
            figures["seconds_to_esc"] = round(time.perf_counter() - asked, 1)
            figures["reached"] = reached is not None
            figures["peak_mb_before_esc"] = round(harness.memory_mb(app.pid)[1])
            pressed = app.write(b"\x1b")
            shown = app.wait(lambda: "stopped" in app.status(), 30)
            figures["esc_to_stopped_s"] = None if shown is None else round(shown - pressed, 3)
            database = config / "conversations.db"
            saved = app.wait(lambda: _stopped_in(database), 60)
            figures["esc_to_saved_s"] = None if saved is None else round(saved - pressed, 2)
            app.pause(harness.SETTLE)
            rss, peak = harness.memory_mb(app.pid)
            figures["rss_mb_after"] = round(rss)
            figures["peak_mb"] = round(peak)
            figures["database_mb"] = round(_database_bytes(config) / 1e6, 1)
    return figures


def _stopped_in(database: Path) -> bool:
    import sqlite3

    if not database.exists():
        return False
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=0.2)
        try:
            row = db.execute(
                "SELECT finish_reason FROM messages WHERE role = 'assistant' ORDER BY id DESC"
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == "stopped"


def _database_bytes(config: Path) -> int:
    return sum(p.stat().st_size for p in config.glob("conversations.db*") if p.is_file())


def row_ask(timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config"
        env = harness.child_env(config)
        argv = [harness.app_path(), "ask", "--base-url", harness_emulator.base_url]
        argv += ["--model", MODEL, "--show-reasoning", QUESTION]
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        counts = {"stdout": 0, "stderr": 0}

        def drain(name: str, stream: Any) -> None:
            while data := stream.read(1 << 16):
                counts[name] += len(data)

        readers = [
            threading.Thread(target=drain, args=(name, getattr(process, name)), daemon=True)
            for name in counts
        ]
        for reader in readers:
            reader.start()
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        timer.cancel()
        for reader in readers:
            reader.join(10)
        process.returncode = os.waitstatus_to_exitcode(status)
        return {
            "seconds": round(time.perf_counter() - started, 1),
            "exit": process.returncode,
            "stderr_mb": round(counts["stderr"] / 1e6, 1),
            "stdout_bytes": counts["stdout"],
            "peak_mb": round(usage.ru_maxrss * 1024 / 1e6),
            "database_mb": round(_database_bytes(config) / 1e6, 1),
        }


harness_emulator: Emulator


def main(argv: list[str] | None = None) -> int:
    global harness_emulator
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=200, help="MB of reasoning (default 200)")
    parser.add_argument("--chunk", type=int, default=2_000, help="characters per delta")
    parser.add_argument("--shape", choices=("paragraphs", "line"), default="paragraphs")
    parser.add_argument("--esc-at", type=float, default=0.75, help="share sent before Esc")
    parser.add_argument("--only", action="append", choices=("tui", "ask"))
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args(argv)
    total = int(args.mb * 1e6)
    results: dict[str, Any] = {"mb": args.mb, "shape": args.shape, "chunk": args.chunk}
    harness_emulator = huge_emulator(total, args.chunk, args.shape)
    with harness_emulator:
        for row in args.only or ["tui", "ask"]:
            if row == "tui":
                results["tui"] = row_tui(total, args.esc_at, args.timeout)
            else:
                results["ask"] = row_ask(args.timeout)
            print(json.dumps({row: results[row]}), flush=True)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
