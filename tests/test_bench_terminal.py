"""The terminal benchmark's own arithmetic: what it calls met, stuck and held.

benchmarks/terminal.py is a script, not part of the package, and needs the bench extra
(pyte); without it these tests are skipped. Nothing here starts the app.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyte")

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "terminal.py"
_spec = importlib.util.spec_from_file_location("bench_terminal", _PATH)
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_terminal"] = bench  # dataclasses look their module up
_spec.loader.exec_module(bench)


def row(target: str, *samples: float) -> bench.Row:
    made = bench.Row("key", "measure", "s", target)
    for value in samples:
        made.add(value)
    return made


def test_goal_by_the_median_and_a_missing_run_counts_as_beyond() -> None:
    assert row("≤ 0.8", 0.5, 0.7, 0.9).met() is True
    assert row("≤ 0.8", 0.5, 0.9, 0.9).met() is False
    assert row("≥ 4", 3.0, 4.5, 5.0).met() is True
    assert row("≤ 10", 5.0, math.nan, math.nan).met() is False  # two runs timed out
    assert row("≥ 4", math.nan).met() is False
    assert row("≤ 1,000", 999.0).met() is True
    assert row("≤ 0.2").met() is False  # no figure at all
    assert row("", 1.0).met() is None  # a reference figure
    assert row("3, in order", 3.0).met() is None


def test_goal_judged_run_by_run_when_the_row_says_so() -> None:
    judged = bench.Row("key", "measure", "MB", "≤ 40.0 (3× text + bare)")
    judged.add(39.0, True)
    judged.add(41.0, False)
    assert judged.met() is False
    judged.verdicts[1] = True
    assert judged.met() is True


def test_a_timed_out_run_shows_as_beyond_the_cap() -> None:
    capped = row("≤ 10", 8.0, math.nan, 9.0)
    capped.missing = "> 120"
    assert bench.cells(capped) == "8.00 / 9.00 / > 120"
    alone = row("≤ 10", math.nan)
    alone.missing = "> 120"
    assert bench.cells(alone) == "> 120"


def test_stress_outcomes() -> None:
    assert bench.stress_outcome(10.0, 9.5, 20) == "reached"  # the end before the status
    assert bench.stress_outcome(10.0, 29.0, 20) == "reached"
    assert bench.stress_outcome(10.0, 31.0, 20) == "stuck"
    assert bench.stress_outcome(10.0, None, 20) == "stuck"
    assert bench.stress_outcome(None, 9.0, 20) == "unfinished"
    assert bench.answer_finished("deepseek-chat · thinking off · last: 12 in · 20,001 out")
    assert not bench.answer_finished("deepseek-chat · thinking off · stopped")


def test_proc_fields() -> None:
    status = "Name:\tpython3\nVmHWM:\t   61234 kB\nVmRSS:\t   51888 kB\nThreads:\t3\n"
    assert bench.status_kb(status, "VmRSS") == 51888
    assert bench.status_kb(status, "VmHWM") == 61234
    assert bench.status_kb("Name:\tzombie\n", "VmRSS") == 0
    assert bench.stat_parent("4242 (a (weird) name) S 17 4242 4242 0 -1") == 17
    assert bench.memory_goal(10_000_000, 34.5) == pytest.approx(64.5)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_memory_of_this_process() -> None:
    assert os.getpid() in bench.process_tree(os.getpid())
    rss, peak = bench.memory_mb(os.getpid())
    assert 0 < rss <= peak


def test_the_conversation_is_written_with_the_store(tmp_path: Path) -> None:
    from deepseek_tui.store import Store

    database = tmp_path / "conversations.db"
    conversation, chars = bench.build_conversation(database, 20)
    store = Store.open(database)
    try:
        messages = store.messages(conversation)
    finally:
        store.close()
    assert [m.role for m in messages] == ["user", "assistant"] * 10
    assert sum(len(m.content) for m in messages) == chars
    assert messages[-1].content.endswith(bench.LAST_MESSAGE)
    assert all(not m.unfinished for m in messages)
    assert bench.DENSE_MARKER not in "".join(m.content for m in messages)
