"""Servers that never answer, never read, drip their headers or send endless lines:
each meets a deadline or a limit and says so in one sentence (issue 11 §1, §7)."""

from __future__ import annotations

import pytest

from deepseek_tui.api import ChatRequest, ContentDelta, DeepSeekClient, client_for, errors
from deepseek_tui.config import Settings
from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import TEST_KEY

# Small limits for the phase under test, generous ones for every other phase.
SHORT = 0.5
LONG = 60.0


def ask(text: str = "hello") -> ChatRequest:
    return ChatRequest(model="deepseek-chat", messages=[{"role": "user", "content": text}])


def client(emulator: Emulator, **limits: float) -> DeepSeekClient:
    settings = {
        "write_timeout": LONG,
        "headers_timeout": LONG,
        "first_data_timeout": LONG,
        "stall_timeout": LONG,
        **limits,
    }
    return DeepSeekClient(emulator.base_url, TEST_KEY, retry_base_delay=0.01, **settings)


async def drain(api: DeepSeekClient, request: ChatRequest) -> list:
    return [event async for event in api.stream_chat(request)]


async def test_a_server_that_takes_the_request_and_never_answers_hits_the_headers_deadline(
    emulator: Emulator,
) -> None:
    emulator.faults = Faults(hang="silent")
    async with client(emulator, headers_timeout=SHORT) as api:
        with pytest.raises(errors.HeadersTimeout) as caught:
            await drain(api, ask())
    assert str(caught.value) == (
        f"127.0.0.1:{emulator.port} took the request but did not answer within 0.5 s."
    )
    assert len(emulator.requests) == 1  # a server that hangs is not asked three times


async def test_headers_sent_one_byte_at_a_time_hit_the_headers_deadline(
    emulator: Emulator,
) -> None:
    # Every byte would reset a byte-level read timeout; the deadline is for the whole.
    emulator.faults = Faults(hang="drip_headers", drip_interval=0.01)
    async with client(emulator, headers_timeout=SHORT) as api:
        with pytest.raises(errors.HeadersTimeout, match=r"did not answer within 0\.5 s"):
            await drain(api, ask())


async def test_the_first_data_deadline_counts_from_sending_not_from_the_headers(
    emulator: Emulator,
) -> None:
    emulator.faults = Faults(hang="drip_headers", drip_interval=0.01)
    async with client(emulator, first_data_timeout=SHORT) as api:
        with pytest.raises(errors.HeadersTimeout, match=r"within 0\.5 s"):
            await drain(api, ask())


# Far more than the loopback socket buffers hold while the server reads nothing.
BIG_PROMPT = "x" * (48 * 1024 * 1024)


@pytest.mark.parametrize(
    ("limits", "said"),
    [
        ({"write_timeout": SHORT}, "nothing more could be sent for 0.5 s"),
        # The whole exchange counts here, connecting and encoding 48 MB too: a busy
        # machine can take longer than 0.5 s before the first byte is sent.
        ({"headers_timeout": 3.0}, "it was not sent within 3 s"),
    ],
)
async def test_a_server_that_never_reads_the_request_hits_a_deadline(
    emulator: Emulator, limits: dict[str, float], said: str
) -> None:
    emulator.faults = Faults(hang="no_read")
    async with client(emulator, **limits) as api:
        with pytest.raises(errors.WriteTimeout) as caught:
            await drain(api, ask(BIG_PROMPT))
    assert str(caught.value).startswith(f"127.0.0.1:{emulator.port} stopped reading the request")
    assert said in str(caught.value)


async def test_the_time_limits_come_from_the_settings(emulator: Emulator) -> None:
    settings = Settings(
        connect_timeout=1.5, write_timeout=2.5, headers_timeout=SHORT, stall_timeout=3.5
    )
    emulator.faults = Faults(hang="silent")
    async with client_for(settings, emulator.base_url, TEST_KEY) as api:
        assert isinstance(api, DeepSeekClient)
        assert (api.write_timeout, api.headers_timeout, api.stall_timeout) == (2.5, SHORT, 3.5)
        with pytest.raises(errors.HeadersTimeout):
            await drain(api, ask())


def test_time_limits_in_the_settings_must_be_positive() -> None:
    problems = Settings(write_timeout=0, headers_timeout=float("nan")).validate()
    assert problems == [
        "write_timeout must be a positive number of seconds, got 0.",
        "headers_timeout must be a positive number of seconds, got nan.",
    ]


async def test_a_line_that_never_ends_is_stopped_at_8_mb_not_called_keep_alives(
    emulator: Emulator,
) -> None:
    emulator.faults = Faults(long_line=8 * 1024 * 1024 + 1)
    async with client(emulator) as api:
        with pytest.raises(errors.StreamLineTooLong) as caught:
            await drain(api, ask())
    assert str(caught.value) == (
        "The server sent a line longer than 8 MB; the answer was stopped there."
    )


async def test_a_healthy_answer_still_streams_with_every_limit_short(emulator: Emulator) -> None:
    async with client(
        emulator,
        write_timeout=SHORT * 10,
        headers_timeout=SHORT * 10,
        first_data_timeout=SHORT * 10,
        stall_timeout=SHORT * 10,
    ) as api:
        events = await drain(api, ask("echo: still fine"))
    assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == "still fine"
