"""The garbage collector is off while an answer streams (a full collection stalled
frames); at the turn's end its objects, all in the youngest generation, are collected
in one pass after the last frame, then collection is back on. Enabling it at once let
the next allocation collect them before the last frame, and a `gc.collect(1)` walk
them again with everything older: a key pressed at the end of a tool turn waited
~200 ms for both (benchmarks/tool_round.py)."""

from __future__ import annotations

import gc

from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import answered, send, streaming_under_way, wait_for


async def test_a_turns_objects_are_collected_once_after_it(make_app, emulator: Emulator) -> None:
    emulator.faults = Faults(token_delay=0.01)
    app = make_app()
    passes: list[int] = []

    def collected(phase: str, info: dict) -> None:
        if phase == "start":
            passes.append(info["generation"])

    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "long 300")
        await streaming_under_way(pilot)
        assert not gc.isenabled()  # off while the answer streams
        # More than the app's youngest-generation threshold (50,000), as a long turn
        # allocates: enabled now, the next allocation would start a collection.
        held = [[] for _ in range(60_000)]
        gc.callbacks.append(collected)
        try:
            await answered(pilot)
            await wait_for(pilot, gc.isenabled, "collection back on after the turn")
        finally:
            gc.callbacks.remove(collected)
        assert passes == [0], passes
        assert len(held) == 60_000
