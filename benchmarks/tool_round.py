"""Benchmark: a tool round in the chat as the user sees it (issue 21's "Done when"):
keystroke echo while a tool call runs and while the model streams the answer after
it, and `y` on a waiting call → the row running and the call at the server.

The installed app in a pseudo-terminal (120×40, pyte), replies from the emulator on
127.0.0.1 at 40 tokens/s, exactly as `benchmarks/terminal.py` runs it (its Terminal
and helpers are used). The MCP server is a few lines of stdlib JSON-RPC written into
the run's throw-away config dir and configured there as `[mcp_servers.bench]`; its
tools sleep for the seconds asked, then return ~1,900 characters of prose ending in
END-OF-RESULT (which the emulator quotes in the answer after the call: ~8 s of
streaming). It notes when each `tools/call` arrives (CLOCK_MONOTONIC, the clock of
this process's perf_counter on Linux; checked at start).

    python benchmarks/tool_round.py              # 3 runs (~2 min); needs .[bench]
    python benchmarks/tool_round.py --runs 1 --json

Rows:

- keys     ~100 letters typed in bursts the way people type (3–8 letters 60–140 ms
           apart, 250–700 ms between bursts; seeded), from when the row says
           "running" until 100 are typed or the answer's last words show:
           write to the pty → the composer on screen shows it. p50/p95/max over all,
           and p95 apart for the keys typed while the call ran (`bench__work` sleeps
           8 s, approved in config) and while the answer after it streamed.
- end      the turn's end (the answer's last words drawn, the reply finishing, its
           save, the status line, the collection of the turn's garbage): from the
           moment the result's last word (END-OF-RESULT) shows, 40 letters 25 ms
           apart, after the keys row's turn and after the approve row's; the max.
- approve  five rounds of `bench__gated` (asks; sleeps 0.3 s): once the row says its
           keys (and 0.3 s of reading after), `y` is written; the time until the
           screen shows "running ·", how many screen updates came before the one
           that showed it (0: the first update after `y` shows it running; a screen
           update is a burst of output ending in 4 ms of quiet), whether any update
           in between showed the row in neither state (the "…" of a decided call),
           and `y` → `tools/call` at the server.

Min / median / max over runs (per-run figures: p50/p95 of its samples; the approve
rows' per-run figure is its worst of five, the end row's its max of 80). Targets:
echo p95 ≤ 100 ms (and the end's max); `y` within one frame (0 updates before the
running row). Figures are for the machine's load at the time: compare runs made
back to back.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from terminal import (
    Faults,
    Results,
    Terminal,
    Throttled,
    benchmark_emulator,
    cells,
    log,
    machine,
    ms,
    percentile,
    print_table,
    running_app,
    screen_dump,
)

APPROVAL = "y allow · a always"
END = "END-OF-RESULT"  # the end of the tools' result, quoted at the end of the answer
RUNNING = "running ·"
# Letters only, and none of the approval keys (y, a, n): nothing waits while they are
# typed, but a stray decision would spoil the run.
LETTERS = "bcdefghijklmopqrstuvwxz"
KEYS = 100
WORK_SECONDS = 8.0
GATED_SECONDS = 0.3
GATED_ROUNDS = 5
QUIET = 0.004  # a screen update ends after this long without output
END_KEYS, END_GAP = 40, 0.025  # typed as the turn ends: a key every 25 ms for ~1 s

SERVER = r"""
import json, sys, time

LOG = sys.argv[1]
SCHEMA = {"type": "object", "properties": {"seconds": {"type": "number"}}}
TOOLS = [
    {"name": "work", "description": "Works a while.", "inputSchema": SCHEMA},
    {"name": "gated", "description": "Works a little.", "inputSchema": SCHEMA},
]
PROSE = " ".join(
    ["The", "tool", "looked", "at", "every", "file", "and", "wrote", "down", "what", "it",
     "found", "in", "each", "one,", "line", "by", "line."] * 20
)[:1880] + " END-OF-RESULT"


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


for raw in sys.stdin:
    message = json.loads(raw)
    method, ident = message.get("method"), message.get("id")
    if ident is None:
        continue
    if method == "initialize":
        result = {"protocolVersion": message["params"].get("protocolVersion", "2025-06-18"),
                  "capabilities": {"tools": {}}, "serverInfo": {"name": "bench", "version": "1"}}
    elif method == "tools/list":
        result = {"tools": TOOLS}
    elif method == "tools/call":
        arrived = time.monotonic()
        name = message["params"]["name"]
        time.sleep(float((message["params"].get("arguments") or {}).get("seconds", 1)))
        note = {"tool": name, "arrived": arrived, "ended": time.monotonic()}
        with open(LOG, "a") as log:
            log.write(json.dumps(note) + "\n")
        result = {"content": [{"type": "text", "text": PROSE}], "isError": False}
    elif method == "ping":
        result = {}
    else:
        send({"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": method}})
        continue
    send({"jsonrpc": "2.0", "id": ident, "result": result})
"""


def write_config(folder: Path) -> Path:
    """The server script and `[mcp_servers.bench]` in the run's config dir; its log."""
    script = folder / "bench_server.py"
    script.write_text(SERVER)
    calls = folder / "calls.jsonl"
    (folder / "config.toml").write_text(
        "[mcp_servers.bench]\n"
        f"command = {json.dumps(sys.executable)}\n"
        f"args = [{json.dumps(str(script))}, {json.dumps(str(calls))}]\n"
        'auto_approve = ["work"]\n'
    )
    return calls


def server_calls(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def bursts(rng: random.Random, count: int) -> list[float]:
    """The pause before each of `count` keys: bursts of 3–8 keys 60–140 ms apart,
    250–700 ms between bursts."""
    gaps: list[float] = []
    while len(gaps) < count:
        size = rng.randint(3, 8)
        for index in range(size):
            gaps.append(rng.uniform(0.25, 0.7) if index == 0 else rng.uniform(0.06, 0.14))
    gaps[0] = 0.0
    return gaps[:count]


class BurstTypist:
    """Types letters at the given gaps and times each one's echo in the composer (shown
    when the composer holds everything typed up to and including it); once `stop()`
    holds (the answer's last words on screen), END_KEYS more END_GAP apart."""

    def __init__(self, terminal: Terminal, gaps: list[float], stop: Any) -> None:
        self.terminal, self.gaps, self.stop = terminal, gaps, stop
        self.typed = ""
        self.sent: list[float] = []
        self.seen: list[float] = []
        self.end: int | None = None  # the first key typed as the turn ends
        self.next_at = time.perf_counter()

    def tick(self) -> None:
        if self.end is None and self.stop():
            # The answer's last words are on screen: from now on a key every 25 ms.
            self.end = len(self.sent)
            self.gaps = self.gaps[: self.end] + [END_GAP] * END_KEYS
            self.next_at = time.perf_counter()
        if len(self.sent) < len(self.gaps) and time.perf_counter() >= self.next_at:
            self._type()
            if len(self.sent) < len(self.gaps):
                self.next_at += self.gaps[len(self.sent)]

    def _type(self) -> None:
        letter = LETTERS[len(self.sent) % len(LETTERS)]
        self.sent.append(self.terminal.write(letter.encode()))
        self.typed += letter

    def check(self) -> bool:
        shown = self.terminal.composer()
        while len(self.seen) < len(self.sent):
            upto = len(self.seen) + 1
            if shown[:upto] == self.typed[:upto]:
                self.seen.append(self.terminal.last_read)
            else:
                break
        return (
            self.end is not None
            and len(self.sent) == len(self.gaps)
            and len(self.seen) == len(self.sent)
        )


def keys_once(terminal: Terminal, calls: Path, offset: float, seed: int) -> dict[str, Any]:
    """One run's keystroke echo through a tool round."""
    question = f'call tool bench__work {{"seconds": {WORK_SECONDS}}}'
    terminal.write(question.encode())
    if terminal.wait(lambda: terminal.composer() == question, 30) is None:
        raise RuntimeError("the question never showed in the composer")
    terminal.write(b"\r")
    if terminal.wait(lambda: terminal.shows(RUNNING), 60) is None:
        raise RuntimeError("the call never showed running:\n" + screen_dump(terminal))
    worked = Throttled(lambda: any(c["tool"] == "work" for c in server_calls(calls)), 0.1)
    shows_end = Throttled(lambda: terminal.shows(END), 0.02)
    typist = BurstTypist(
        terminal, bursts(random.Random(seed), KEYS), lambda: worked() and shows_end()
    )
    if terminal.wait(typist.check, 120, tick=typist.tick) is None:
        raise RuntimeError("the keys never all echoed:\n" + screen_dump(terminal))
    answered = terminal.wait(terminal.finished, 60)
    latencies = [seen - sent for sent, seen in zip(typist.sent, typist.seen, strict=False)]
    missed = len(typist.sent) - len(typist.seen)
    cut = typist.end if typist.end is not None else len(latencies)
    end, latencies = latencies[cut:], latencies[:cut]
    typist.sent = typist.sent[:cut]
    work = next((c for c in server_calls(calls) if c["tool"] == "work"), None)
    ended = work["ended"] + offset if work else float("inf")
    running = [lat for sent, lat in zip(typist.sent, latencies, strict=False) if sent < ended]
    streaming = [lat for sent, lat in zip(typist.sent, latencies, strict=False) if sent >= ended]
    # When each key was typed, in seconds after the call ended (negative: while it ran).
    typed_at = [round(sent - ended, 3) for sent in typist.sent]
    # Clear the composer for the next part (and check it echoes that too).
    terminal.write(b"\x7f" * len(typist.typed))
    terminal.wait(lambda: typist.typed[:1] not in terminal.composer()[:1], 30)
    return {
        "typed": len(typist.sent),
        "echoed": len(typist.seen) - len(end),
        "missed": missed,
        "answer_finished": answered is not None,
        "all": latencies,
        "running": running,
        "streaming": streaming,
        "typed_at": typed_at,
        "end": end,
    }


def row_state(terminal: Terminal) -> str:
    if terminal.shows(RUNNING):
        return "running"
    return "waiting" if terminal.shows(APPROVAL) else "other"


def approve_once(
    terminal: Terminal, calls: Path, offset: float
) -> tuple[list[dict[str, Any]], list[float]]:
    """`y` on each of GATED_ROUNDS waiting calls: frames and time to the running row;
    and the echo of keys typed as the turn ends."""
    rounds = " then ".join(
        f'call tool bench__gated {{"seconds": {GATED_SECONDS}}}' for _ in range(GATED_ROUNDS)
    )
    terminal.write(rounds.encode())
    if terminal.wait(lambda: terminal.composer().startswith("call tool bench__gated"), 30) is None:
        raise RuntimeError("the question never showed in the composer")
    status = terminal.status()
    terminal.write(b"\r")
    samples: list[dict[str, Any]] = []
    for index in range(GATED_ROUNDS):
        if terminal.wait(lambda: terminal.shows(APPROVAL), 60) is None:
            raise RuntimeError("no call waited:\n" + screen_dump(terminal))
        terminal.pause(0.3)  # the waiting frame is out, the screen quiet
        updates: list[str] = []  # each screen update after `y`: what the row showed
        pressed = terminal.write(b"y")
        seen = None
        deadline = pressed + 30
        while seen is None and time.perf_counter() < deadline:
            # Bursts end after QUIET without output: one screen update each.
            if terminal.read(0.05):
                last = terminal.last_read
                while terminal.read(QUIET):
                    last = terminal.last_read
                updates.append(row_state(terminal))
                if updates[-1] == "running":
                    seen = last
        before_running = updates.index("running") if "running" in updates else None
        if terminal.wait(lambda: not terminal.shows(RUNNING), 30) is None:
            raise RuntimeError("the call never ended")
        gated = [c for c in server_calls(calls) if c["tool"] == "gated"]
        arrived = gated[index]["arrived"] + offset if len(gated) > index else None
        samples.append(
            {
                "round": index + 1,
                "y_to_running_ms": (seen - pressed) * 1000 if seen is not None else None,
                "updates_before_running": before_running,
                "in_between": [u for u in updates[: before_running or 0] if u != "waiting"],
                "y_to_server_ms": (arrived - pressed) * 1000 if arrived is not None else None,
            }
        )
    # Keys as the turn ends: from the moment the answer's last words show (below any
    # earlier answer's, still on screen), a key every END_GAP.
    above = lowest(terminal, END)
    if terminal.wait(lambda: lowest(terminal, END) > above, 60) is None:
        raise RuntimeError("the answer never ended:\n" + screen_dump(terminal))
    typist = BurstTypist(terminal, [], lambda: True)
    if terminal.wait(typist.check, 60, tick=typist.tick) is None:
        raise RuntimeError("the keys never all echoed:\n" + screen_dump(terminal))
    end = [seen - sent for sent, seen in zip(typist.sent, typist.seen, strict=True)]
    terminal.wait(lambda: terminal.finished() and terminal.status() != status, 60)
    return samples, end


def lowest(terminal: Terminal, text: str) -> int:
    """The lowest row showing `text` (-1: none)."""
    return max((y for y, line in enumerate(terminal.lines()) if text in line), default=-1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    offset = time.perf_counter() - time.monotonic()
    if abs(offset) > 0.001:
        log(f"note: perf_counter and monotonic differ by {offset:.3f} s (corrected)")
    header = machine()
    results = Results()
    rows = {
        "p50": results.row("keys_p50", "keystroke → composer p50, tool round", "ms", "≤ 20"),
        "p95": results.row("keys_p95", "keystroke → composer p95, tool round", "ms", "≤ 100"),
        "max": results.row("keys_max", "keystroke → composer max, tool round", "ms", ""),
        "p95_running": results.row("keys_p95_running", "… p95 while the call runs", "ms", "≤ 100"),
        "p95_streaming": results.row(
            "keys_p95_streaming", "… p95 while the answer after it streams", "ms", "≤ 100"
        ),
        "end": results.row("keys_end", "keystroke → composer max, as the turns end", "ms", "≤ 100"),
        "y_ms": results.row("y_running_ms", "y → row running (worst of 5)", "ms", ""),
        "y_updates": results.row(
            "y_updates", "y → screen updates before the running one (worst)", "count", "≤ 0"
        ),
        "y_server": results.row("y_server_ms", "y → tools/call at the server (worst)", "ms", ""),
    }
    started = time.perf_counter()
    cpu = time.process_time()
    for run in range(max(1, args.runs)):
        with (
            tempfile.TemporaryDirectory() as folder,
            benchmark_emulator(Faults(token_delay=0.025)) as emulator,
        ):
            calls = write_config(Path(folder))
            with running_app(emulator, Path(folder)) as terminal:
                # The server's tools are offered once it has connected (the SDK loads
                # after the first frame).
                if terminal.wait(lambda: "tools 2" in terminal.status(), 60) is None:
                    raise RuntimeError("the server never connected:\n" + screen_dump(terminal))
                keys = keys_once(terminal, calls, offset, seed=run)
                approvals, approve_end = approve_once(terminal, calls, offset)
        lat = keys["all"]
        for name, q in (("p50", 0.5), ("p95", 0.95), ("max", 1.0)):
            rows[name].add(percentile(lat, q) * 1000)
        for part in ("running", "streaming"):
            rows[f"p95_{part}"].add(percentile(keys[part], 0.95) * 1000)
        ends = keys["end"] + approve_end
        rows["end"].add(max(ends, default=float("nan")) * 1000)
        worst = max((s["y_to_running_ms"] or float("nan") for s in approvals), default=None)
        rows["y_ms"].add(worst if worst is not None else float("nan"))
        updates = [s["updates_before_running"] for s in approvals]
        rows["y_updates"].add(float("nan") if None in updates else float(max(updates)))
        server = [s["y_to_server_ms"] for s in approvals if s["y_to_server_ms"] is not None]
        rows["y_server"].add(max(server) if server else float("nan"))
        results.detail(
            "run",
            run=run + 1,
            typed=keys["typed"],
            echoed=keys["echoed"],
            while_running=len(keys["running"]),
            while_streaming=len(keys["streaming"]),
            latencies_ms=ms(lat),
            typed_after_call_end_s=keys["typed_at"],
            turn_end_keys_ms=ms(ends),  # the keys turn's, then the approvals'
            approvals=approvals,
        )
        log(
            f"  run {run + 1}: {keys['echoed']}/{keys['typed']} echoed "
            f"({len(keys['running'])} while the call ran, {len(keys['streaming'])} after); "
            f"p50 {percentile(lat, 0.5) * 1000:.0f} ms, p95 {percentile(lat, 0.95) * 1000:.0f} ms, "
            f"max {max(lat, default=float('nan')) * 1000:.0f} ms; as the turns end max "
            f"{max(keys['end'], default=0) * 1000:.0f}, {max(approve_end) * 1000:.0f} ms; y: "
            + ", ".join(
                f"{s['y_to_running_ms']:.0f} ms/{s['updates_before_running']} before"
                f"{' ' + '+'.join(s['in_between']) if s['in_between'] else ''}"
                f"/server {s['y_to_server_ms']:.0f} ms"
                for s in approvals
                if s["y_to_running_ms"] is not None and s["y_to_server_ms"] is not None
            )
        )
    header["load_after"] = f"{os.getloadavg()[0]:.1f}"
    header["wall_s"] = round(time.perf_counter() - started, 1)
    header["harness_cpu_s"] = round(time.process_time() - cpu, 1)
    if args.json:
        out = {
            "machine": header,
            "rows": {
                key: {
                    "measure": row.measure,
                    "target": row.target,
                    "goal_met": row.met(),
                    "shown": cells(row),
                    "samples": row.samples,
                }
                for key, row in results.rows.items()
            },
            "details": results.details,
        }
        print(json.dumps(out, indent=2, default=str))
    else:
        print_table(results, max(1, args.runs), header)
        print(
            f"(wall {header['wall_s']} s; harness + emulator CPU {header['harness_cpu_s']} s; "
            f"{statistics.mean([len(d['latencies_ms']) for d in results.details['run']]):.0f} "
            "keys a run; --json for every sample)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
