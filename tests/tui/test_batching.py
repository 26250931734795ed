"""The delta batcher, on its own: no app, no Pilot, a clock the test moves."""

from __future__ import annotations

from deepseek_tui.api.events import ContentDelta, ReasoningDelta, Usage
from deepseek_tui.tui.batching import DeltaBatcher


class Recorder:
    def __init__(self) -> None:
        self.now = 0.0
        self.calls: list[tuple[str, str]] = []

    def clock(self) -> float:
        return self.now

    async def reasoning(self, text: str) -> None:
        self.calls.append(("reasoning", text))

    async def content(self, text: str) -> None:
        self.calls.append(("content", text))

    def batcher(self, interval: float = 0.05) -> DeltaBatcher:
        return DeltaBatcher(self.reasoning, self.content, interval=interval, clock=self.clock)


async def test_deltas_within_the_interval_arrive_as_one_piece() -> None:
    recorder = Recorder()
    batcher = recorder.batcher()
    for word in ("Hel", "lo", " world"):
        await batcher.add(ContentDelta(word))
    assert recorder.calls == []
    recorder.now = 0.06
    await batcher.add(ContentDelta("!"))
    assert recorder.calls == [("content", "Hello world!")]


async def test_pending_reasoning_is_handed_on_before_the_answer_starts() -> None:
    recorder = Recorder()
    batcher = recorder.batcher()
    await batcher.add(ReasoningDelta("Let me think"))
    await batcher.add(ReasoningDelta("."))
    await batcher.add(ContentDelta("Answer"))
    assert recorder.calls == [("reasoning", "Let me think.")]
    await batcher.flush()
    assert recorder.calls == [("reasoning", "Let me think."), ("content", "Answer")]


async def test_flush_hands_on_everything_and_other_events_are_ignored() -> None:
    recorder = Recorder()
    batcher = recorder.batcher(interval=10.0)
    await batcher.add(ReasoningDelta("r"))
    await batcher.add(Usage(prompt_tokens=1, completion_tokens=2, total_tokens=3))
    await batcher.flush()
    await batcher.flush()  # nothing pending: no empty calls
    assert recorder.calls == [("reasoning", "r")]


async def test_every_character_arrives_in_order_whatever_the_timing() -> None:
    recorder = Recorder()
    batcher = recorder.batcher()
    sent = []
    for index in range(200):
        recorder.now += 0.013
        text = f"{index},"
        sent.append(text)
        await batcher.add(ContentDelta(text))
    await batcher.flush()
    assert "".join(text for kind, text in recorder.calls) == "".join(sent)
    assert 10 < len(recorder.calls) < 100


async def test_pending_text_is_due_once_the_interval_passes_without_a_delta() -> None:
    recorder = Recorder()
    batcher = recorder.batcher()
    await batcher.add(ContentDelta("first"))  # interval not yet passed: held
    assert not batcher.due and recorder.calls == []
    recorder.now = 0.06  # no delta came: a stall
    assert batcher.due
    await batcher.flush()
    assert recorder.calls == [("content", "first")] and not batcher.due
