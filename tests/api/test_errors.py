"""Error statuses, bodies of every content type, retries and transport failures."""

from __future__ import annotations

import contextlib
import socket

import pytest

from deepseek_tui.api import ChatRequest, DeepSeekClient, Waiting, errors
from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import TEST_KEY


def ask(text: str = "hello", model: str = "deepseek-chat") -> ChatRequest:
    return ChatRequest(model=model, messages=[{"role": "user", "content": text}])


async def drain(client: DeepSeekClient, request: ChatRequest | None = None) -> None:
    async for _ in client.stream_chat(request or ask()):
        pass


def chat_requests(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.path.endswith("chat/completions"))


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (400, errors.BadRequestError, "rejected"),
        (401, errors.AuthenticationError, "key set"),
        (402, errors.InsufficientBalanceError, "top up"),
        (422, errors.InvalidParametersError, "invalid"),
    ],
)
async def test_client_errors_are_typed_and_never_retried(
    client: DeepSeekClient, emulator: Emulator, status: int, kind: type, words: str
) -> None:
    emulator.faults = Faults(error_status=status)
    with pytest.raises(kind) as caught:
        await drain(client)
    assert words in str(caught.value)
    assert caught.value.status == status
    assert chat_requests(emulator) == 1


async def test_a_400_shows_the_servers_message(client: DeepSeekClient) -> None:
    with pytest.raises(errors.BadRequestError) as caught:
        await drain(client, ask(model="deepseek-nonexistent"))
    assert "Model Not Exist" in str(caught.value)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_retryable_statuses_are_retried_then_succeed(
    client: DeepSeekClient, emulator: Emulator, status: int
) -> None:
    emulator.faults = Faults(error_status=status, error_count=2)
    await drain(client)
    assert chat_requests(emulator) == 3


@pytest.mark.parametrize("status", [429, 503])
async def test_retries_give_up_after_the_configured_attempts(
    client: DeepSeekClient, emulator: Emulator, status: int
) -> None:
    emulator.faults = Faults(error_status=status)
    with pytest.raises(errors.StatusError) as caught:
        await drain(client)
    assert caught.value.retryable
    assert chat_requests(emulator) == 3


async def test_retry_after_is_honoured(emulator: Emulator) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    emulator.faults = Faults(error_status=429, error_count=1, retry_after="7")
    async with DeepSeekClient(emulator.base_url, TEST_KEY, sleep=sleep) as client:
        await drain(client)
    assert waits == [7.0]


async def test_backoff_grows_with_jitter(emulator: Emulator) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    emulator.faults = Faults(error_status=500)
    async with DeepSeekClient(
        emulator.base_url, TEST_KEY, sleep=sleep, max_attempts=4, retry_base_delay=1.0
    ) as client:
        with pytest.raises(errors.ServerError):
            await drain(client)
    assert len(waits) == 3
    for attempt, wait in enumerate(waits, start=1):
        step = 2 ** (attempt - 1)
        assert step / 2 <= wait <= step


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            '{"error": {"message": "Content Exists Risk"}}',
            "application/octet-stream",
            "Content Exists Risk",
        ),
        ("upstream said no", "text/plain", "upstream said no"),
        (
            "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            "text/html",
            "502 Bad Gateway",
        ),
        ("", "text/plain", "(HTTP 400)."),
        ('{"detail": "Content Exists Risk"}', "application/json", "Content Exists Risk"),
    ],
    ids=["json-as-octet-stream", "plain-text", "html-page", "empty", "detail-shape"],
)
async def test_error_bodies_of_any_content_type_give_one_sentence(
    client: DeepSeekClient, emulator: Emulator, body: str, content_type: str, expected: str
) -> None:
    emulator.faults = Faults(error_status=400, error_body=body, error_content_type=content_type)
    with pytest.raises(errors.BadRequestError) as caught:
        await drain(client)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message and "<" not in message


async def test_a_wrong_key_is_a_401(emulator: Emulator) -> None:
    with Emulator(api_keys={"sk-test-right-key-0000"}) as strict:
        async with DeepSeekClient(strict.base_url, "sk-test-wrong-key-0000") as client:
            with pytest.raises(errors.AuthenticationError) as caught:
                await drain(client)
            with pytest.raises(errors.AuthenticationError):
                await client.list_models()
    assert "HTTP 401" in str(caught.value)


async def test_no_key_at_all_is_a_401(emulator: Emulator) -> None:
    async with DeepSeekClient(emulator.base_url, None) as client:
        with pytest.raises(errors.AuthenticationError):
            await drain(client)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_connection_refused_is_retried_then_explained() -> None:
    port = _free_port()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with DeepSeekClient(f"http://127.0.0.1:{port}", TEST_KEY, sleep=sleep) as client:
        with pytest.raises(errors.ConnectError) as caught:
            await drain(client)
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert len(waits) == 2


async def test_an_unknown_host_is_a_dns_error() -> None:
    # .invalid never resolves (RFC 2606), and no request leaves the machine.
    async with DeepSeekClient("http://deepseek.invalid", TEST_KEY, max_attempts=1) as client:
        with pytest.raises(errors.DnsError) as caught:
            await drain(client)
    assert "deepseek.invalid" in str(caught.value)


async def test_tls_to_a_plain_http_server_is_a_tls_error(emulator: Emulator) -> None:
    https_url = emulator.base_url.replace("http://", "https://")
    async with DeepSeekClient(https_url, TEST_KEY, max_attempts=1) as client:
        with pytest.raises(errors.TlsError) as caught:
            await drain(client)
    assert "TLS" in str(caught.value)


async def test_connect_timeout_is_a_timeout() -> None:
    # A listening socket whose backlog is full never completes the handshake.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        fillers = []
        port = server.getsockname()[1]
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        try:
            async with DeepSeekClient(
                f"http://127.0.0.1:{port}",
                TEST_KEY,
                connect_timeout=0.3,
                max_attempts=1,
                first_data_timeout=1.0,
            ) as client:
                with pytest.raises(errors.ApiError) as caught:
                    await drain(client)
        finally:
            for filler in fillers:
                filler.close()
    assert isinstance(caught.value, errors.ApiTimeout | errors.ConnectError)


async def test_status_errors_from_models_and_balance(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    with Emulator(balance="0.00") as broke:
        async with DeepSeekClient(broke.base_url, TEST_KEY) as poor:
            report = await poor.balance()
            assert not report.is_available
            with pytest.raises(errors.InsufficientBalanceError):
                await drain(poor)


async def test_a_retry_is_announced_with_its_reason_attempt_and_wait(emulator: Emulator) -> None:
    async def sleep(seconds: float) -> None:
        pass

    emulator.faults = Faults(error_status=429, error_count=1, retry_after="7")
    async with DeepSeekClient(emulator.base_url, TEST_KEY, sleep=sleep) as client:
        request = ChatRequest("deepseek-chat", [{"role": "user", "content": "hi"}])
        events = [e async for e in client.stream_chat(request)]
    waits = [e for e in events if isinstance(e, Waiting)]
    assert [w.stage for w in waits] == ["connecting", "retrying", "connecting", "waiting"]
    retry = waits[1]
    assert (retry.attempt, retry.attempts, retry.delay) == (2, 3, 7.0)
    assert retry.describe() == "rate limited: retrying 2/3 in 7 s"
    assert retry.describe(remaining=2.4) == "rate limited: retrying 2/3 in 2 s"
    assert waits[2].describe() == "connecting (attempt 2/3)…"
