"""Segmind's submit-and-poll API: the client against the emulator's v2 endpoints."""

from __future__ import annotations

import pytest

from deepseek_tui.api import ChatRequest, ContentDelta, Finished, Usage, Waiting, errors
from deepseek_tui.api.segmind import SegmindClient
from deepseek_tui.emulator import Emulator, Faults
from tests.conftest import TEST_KEY


def ask(text: str) -> ChatRequest:
    return ChatRequest("deepseek-chat", [{"role": "user", "content": text}], max_tokens=500)


def segmind(emulator: Emulator, **options) -> SegmindClient:
    return SegmindClient(emulator.base_url, TEST_KEY, poll_interval=0.02, **options)


async def test_a_job_is_submitted_polled_and_its_answer_streamed_up(emulator: Emulator) -> None:
    async with segmind(emulator) as client:
        events = [event async for event in client.stream_chat(ask("echo: from segmind"))]
        assert client.remaining_credits == "100.0000"
    assert [e for e in events if isinstance(e, ContentDelta)] == [ContentDelta("from segmind")]
    assert isinstance(events[-2], Usage) and events[-1] == Finished("stop")
    paths = [r.path for r in emulator.requests]
    assert paths[0] == "/v2/deepseek-chat"
    assert any(p.endswith("/status") for p in paths)
    submitted = emulator.requests[0]
    assert submitted.headers["x-api-key"] == TEST_KEY
    assert "model" not in submitted.body and "stream" not in submitted.body
    assert submitted.body["max_tokens"] == 500


async def test_a_failed_job_is_read_from_its_422_body(emulator: Emulator) -> None:
    emulator.faults = Faults(segmind_fail="GPU fell over")
    async with segmind(emulator) as client:
        with pytest.raises(errors.StreamErrorEvent, match="GPU fell over"):
            await client.complete(ask("hello"))


async def test_no_credits_is_a_balance_error(emulator: Emulator) -> None:
    emulator.credits = 0
    async with segmind(emulator) as client:
        with pytest.raises(errors.InsufficientBalanceError, match="HTTP 406"):
            await client.complete(ask("hello"))


async def test_a_wrong_key_says_how_to_set_a_segmind_key() -> None:
    with Emulator(api_keys={"right-key"}) as strict:
        async with segmind(strict) as client:
            with pytest.raises(errors.AuthenticationError, match="--provider segmind"):
                await client.complete(ask("hello"))


async def test_a_job_that_never_finishes_times_out(emulator: Emulator) -> None:
    emulator.faults = Faults(segmind_seconds=30)
    async with segmind(emulator, first_data_timeout=0.2) as client:
        with pytest.raises(errors.FirstDataTimeout, match=r"0\.2 s"):
            await client.complete(ask("hello"))


async def test_submitting_is_retried_on_a_server_error(emulator: Emulator) -> None:
    emulator.faults = Faults(error_status=503, error_count=1)
    async with segmind(emulator, retry_base_delay=0.01) as client:
        reply = await client.complete(ask("echo: again"))
    assert reply.content == "again"


async def test_the_stream_says_when_the_job_is_queued_and_running(emulator: Emulator) -> None:
    emulator.faults = Faults(segmind_seconds=3.0)  # queued for the first second
    async with segmind(emulator) as client:
        events = [event async for event in client.stream_chat(ask("echo: queued"))]
    stages = [e.stage for e in events if isinstance(e, Waiting)]
    assert stages == ["connecting", "queued", "running"]
    assert Waiting("queued").describe() == "queued at Segmind"
