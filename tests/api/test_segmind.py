"""Segmind's submit-and-poll API: the client against the emulator's v2 endpoints."""

from __future__ import annotations

import pytest

from deepseek_tui.api import ChatRequest, ContentDelta, Finished, Usage, Waiting, errors
from deepseek_tui.api.segmind import SegmindClient
from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import TEST_KEY


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


class SleepRecorder:
    """Stands in for `asyncio.sleep`: notes each wait and returns at once, so a test
    sees the client's pacing without spending it."""

    def __init__(self, then=None) -> None:
        self.waits: list[float] = []
        self._then = then

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self._then is not None:
            self._then(self)


async def test_v1_answers_in_one_synchronous_request(emulator: Emulator) -> None:
    async with segmind(emulator, api="v1") as client:
        events = [event async for event in client.stream_chat(ask("echo: at once"))]
        assert client.remaining_credits == "100.0000"
    assert [e for e in events if isinstance(e, ContentDelta)] == [ContentDelta("at once")]
    assert isinstance(events[-2], Usage) and events[-1] == Finished("stop")
    assert [e.stage for e in events if isinstance(e, Waiting)] == ["waiting"]
    [request] = emulator.requests
    assert (request.method, request.path) == ("POST", "/v1/deepseek-chat")
    assert request.headers["x-api-key"] == TEST_KEY
    assert "model" not in request.body and request.body["max_tokens"] == 500


async def test_v1_without_credits_is_a_balance_error(emulator: Emulator) -> None:
    emulator.credits = 0
    async with segmind(emulator, api="v1") as client:
        with pytest.raises(errors.InsufficientBalanceError, match="HTTP 406"):
            await client.complete(ask("hello"))


async def test_v1_that_takes_too_long_says_so(emulator: Emulator) -> None:
    emulator.faults = Faults(segmind_seconds=30)
    async with segmind(emulator, api="v1", first_data_timeout=0.2) as client:
        with pytest.raises(errors.FirstDataTimeout, match=r"Segmind did not answer within 0\.2 s"):
            await client.complete(ask("hello"))


def test_an_unknown_api_version_is_refused() -> None:
    with pytest.raises(ValueError, match="v1 or v2"):
        SegmindClient("http://127.0.0.1:9", TEST_KEY, api="v3")


async def test_a_502_on_a_status_poll_is_retried_and_the_answer_still_comes(
    emulator: Emulator,
) -> None:
    emulator.faults = Faults(segmind_poll_error=502, segmind_poll_error_count=2)
    sleep = SleepRecorder()
    async with segmind(emulator, sleep=sleep, retry_base_delay=0.01) as client:
        events = [event async for event in client.stream_chat(ask("echo: survived"))]
    assert [e for e in events if isinstance(e, ContentDelta)] == [ContentDelta("survived")]
    retries = [e for e in events if isinstance(e, Waiting) and e.stage == "retrying"]
    assert [(e.attempt, e.reason) for e in retries] == [
        (2, "server error 502"),
        (3, "server error 502"),
    ]
    assert events[-1] == Finished("stop")


async def test_a_poll_waits_as_long_as_retry_after_says(emulator: Emulator) -> None:
    emulator.faults = Faults(segmind_poll_error=429, retry_after="7")
    sleep = SleepRecorder()
    async with segmind(emulator, sleep=sleep) as client:
        reply = await client.complete(ask("echo: patient"))
    assert reply.content == "patient"
    assert sleep.waits[0] == 7.0


async def test_polls_that_keep_failing_end_with_the_servers_error(emulator: Emulator) -> None:
    emulator.faults = Faults(segmind_poll_error=503, segmind_poll_error_count=-1)
    sleep = SleepRecorder()
    async with segmind(emulator, sleep=sleep, retry_base_delay=0.01) as client:
        with pytest.raises(errors.ServerError, match="HTTP 503"):
            await client.complete(ask("hello"))
    polls = [r for r in emulator.requests if r.path.endswith("/status")]
    assert len(polls) == 6 and len(sleep.waits) == 5


async def test_a_retry_after_past_the_deadline_ends_at_once(emulator: Emulator) -> None:
    emulator.faults = Faults(segmind_poll_error=429, retry_after="3600")
    sleep = SleepRecorder()
    async with segmind(emulator, sleep=sleep, first_data_timeout=60) as client:
        with pytest.raises(errors.FirstDataTimeout, match="did not finish within 60 s"):
            await client.complete(ask("hello"))
    assert sleep.waits == []


async def test_polling_slows_down_from_half_a_second_to_three(emulator: Emulator) -> None:
    emulator.faults = Faults(segmind_seconds=600)

    def finish_after_eight_polls(recorder: SleepRecorder) -> None:
        if len(recorder.waits) == 8:
            emulator.faults.segmind_seconds = 0  # the next poll finds the job done

    sleep = SleepRecorder(then=finish_after_eight_polls)
    async with SegmindClient(emulator.base_url, TEST_KEY, sleep=sleep) as client:
        reply = await client.complete(ask("echo: slow"))
    assert reply.content == "slow"
    assert sleep.waits[0] == 0.5
    assert sleep.waits == sorted(sleep.waits)
    assert sleep.waits[-1] == 3.0 and max(sleep.waits) == 3.0


async def test_tools_are_not_sent_to_segmind_and_the_client_says_so(
    emulator: Emulator, client
) -> None:
    tool = {"type": "function", "function": {"name": "demo__time", "parameters": {}}}
    request = ChatRequest(
        "deepseek-chat",
        [{"role": "user", "content": "call tool demo__time"}],
        tools=(tool,),
        tool_choice="auto",
    )
    async with segmind(emulator, api="v1") as segmind_client:
        assert segmind_client.supports_tools is False and client.supports_tools is True
        reply = await segmind_client.complete(request)
    assert reply.tool_calls == () and reply.content
    assert "tools" not in emulator.requests[0].body
    assert "tool_choice" not in emulator.requests[0].body
