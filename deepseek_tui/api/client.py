"""The DeepSeek wire client: one pooled `httpx.AsyncClient`, typed events, typed errors."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import httpx

from deepseek_tui import __version__
from deepseek_tui.api import errors
from deepseek_tui.api.chunks import (
    ChunkDecoder,
    EventBatch,
    ThinkTagSplitter,
    ToolCallMerger,
    WireDecoder,
)
from deepseek_tui.api.events import (
    ContentDelta,
    Finished,
    FinishReason,
    ReasoningDelta,
    Reply,
    StreamEvent,
    Usage,
    Waiting,
)
from deepseek_tui.api.request import ChatRequest, beta_base_url
from deepseek_tui.config import base_url_problem

_BACKOFF_CAP = 8.0
# `/user/balance` answers in a few hundred bytes and `/models` in kB (a big gateway's
# list, each model with its prices and description, in about a megabyte); a body past
# these is not read on (a hostile server's 300 MB took 911 MB), and a list past
# MAX_MODEL_IDS ids is cut (200,000 made ^o take 4 s to open).
MAX_METADATA_BYTES = 1_000_000
MAX_MODELS_BYTES = 8_000_000
MAX_MODEL_IDS = 2_000
_RETRY_AFTER_CAP = 60.0
# Request ids, timings, retries, errors; never keys or message text (debuglog.py).
log = logging.getLogger("deepseek_tui.wire")
# Nothing reaches stderr when no log was asked for (logging's last resort would).
log.addHandler(logging.NullHandler())
# Message text, logged only when the user asked for it (`--debug-text`).
text_log = logging.getLogger("deepseek_tui.wire.text")
# Where servers put the id a bug report to them needs.
_REQUEST_ID_HEADERS = ("x-request-id", "x-ds-trace-id", "request-id", "x-amzn-requestid", "cf-ray")


def request_id(headers: httpx.Headers) -> str:
    """The server's id for this request (for a bug report), or "none"."""
    for name in _REQUEST_ID_HEADERS:
        if name in headers:
            return f"{name}={headers[name]}"
    return "none"


@dataclass(frozen=True, slots=True)
class Balance:
    """One currency's balance; amounts are the server's strings (exact decimals)."""

    currency: str
    total: str
    granted: str
    topped_up: str


@dataclass(frozen=True, slots=True)
class BalanceReport:
    is_available: bool
    balances: tuple[Balance, ...]


class HttpClient:
    """What every wire client shares: one pooled `httpx.AsyncClient`, used as an
    async context manager. Subclasses add the API."""

    def __init__(
        self,
        base_url: str,
        auth_headers: dict[str, str],
        *,
        connect_timeout: float,
        read_timeout: float | None,
        transport: httpx.AsyncBaseTransport | None,
        write_timeout: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.write_timeout = write_timeout
        headers = {"User-Agent": f"deepseek-tui/{__version__}", "Accept": "application/json"}
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=connect_timeout, read=read_timeout, write=write_timeout, pool=30.0
            ),
            headers={**headers, **auth_headers},
            transport=transport,
            follow_redirects=True,
        )
        # Checked here, said at the first request: the client is made before anything
        # can show an error (the TUI's first frame, ask's argument parsing).
        self.url_problem = base_url_problem(self.base_url)
        try:
            self._host = urlsplit(self.base_url).netloc or self.base_url
        except ValueError:
            self._host = self.base_url

    def _check_url(self) -> None:
        if self.url_problem is not None:
            raise errors.InvalidBaseUrl(self.url_problem)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()


class DeepSeekClient(HttpClient):
    """Speaks DeepSeek's chat API (and compatible gateways) over one connection pool.

    Time limits, one per phase: connecting takes at most `connect_timeout`; the
    server must keep reading the request (no write waits longer than
    `write_timeout`); the answer's headers must be complete within `headers_timeout`
    of sending it, however slowly they trickle in; the first data line must arrive
    within `first_data_timeout` of sending it; once data flows, a gap longer than
    `stall_timeout` is a stall. Keep-alive comments never extend a limit.
    Retryable failures (429, 5xx, connection errors) are retried with exponential
    backoff and jitter, honouring `Retry-After`, but only before any content arrived.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        connect_timeout: float = 10.0,
        write_timeout: float = 60.0,
        headers_timeout: float = 60.0,
        first_data_timeout: float = 600.0,
        stall_timeout: float = 120.0,
        max_attempts: int = 3,
        retry_base_delay: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        provider: str = "deepseek",
    ) -> None:
        # Reads have no httpx limit: our own deadlines measure data, not bytes,
        # because keep-alive comments (or headers sent a byte at a time) would reset
        # a byte-level read timeout.
        super().__init__(
            base_url,
            {"Authorization": f"Bearer {api_key}"} if api_key else {},
            connect_timeout=connect_timeout,
            read_timeout=None,
            transport=transport,
            write_timeout=write_timeout,
        )
        self.api_key = api_key
        self.supports_tools = True
        self.provider = provider  # the profile's name: a 401 says how to set its key
        # DeepSeek's answers do not say what is left; `balance()` asks.
        self.remaining_credits: str | None = None
        self.headers_timeout = headers_timeout
        self.first_data_timeout = first_data_timeout
        self.stall_timeout = stall_timeout
        self.max_attempts = max(1, max_attempts)
        self.retry_base_delay = retry_base_delay
        self._sleep = sleep

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    # --- chat ------------------------------------------------------------------

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Stream one answer as events, ending with `Usage` (if sent) and `Finished`.

        Raises an `ApiError`; when it cuts an answer short, its `delivered` counts
        the characters that arrived (the caller has them: the deltas).
        """
        body = request.body(stream=True)
        url = self._chat_url(request)
        text_log.debug("request messages: %s", json.dumps(body.get("messages"), ensure_ascii=False))
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            progress = _Progress()
            log.info(
                "POST %s model=%s stream, attempt %d of %d",
                url,
                request.model,
                attempt,
                self.max_attempts,
            )
            yield Waiting("connecting", attempt, self.max_attempts)
            try:
                async with contextlib.aclosing(self._stream_once(url, body, progress)) as events:
                    async for event in events:
                        if isinstance(event, Finished):
                            _log_finished(event, time.monotonic() - started, progress)
                        elif isinstance(event, Usage):
                            log.info("usage: %s", event.to_dict())
                        yield event
                return
            except errors.NotFoundError as error:
                log.error("POST %s failed: %s: %s", url, type(error).__name__, error)
                if request.prefix is None:
                    raise
                raise errors.NotFoundError(errors.NO_CONTINUE, status=404) from error
            except errors.ApiError as error:
                error.delivered = progress.content_chars + progress.reasoning_chars
                if progress.delivered or not error.retryable or attempt >= self.max_attempts:
                    log.error(
                        "POST %s failed after %.3f s, attempt %d: %s: %s",
                        url,
                        time.monotonic() - started,
                        attempt,
                        type(error).__name__,
                        error,
                    )
                    raise
                delay = self._backoff(attempt, error)
                _log_retry(delay, attempt + 1, self.max_attempts, error)
                yield Waiting(
                    "retrying", attempt + 1, self.max_attempts, delay, errors.retry_reason(error)
                )
                await self._sleep(delay)

    def _chat_url(self, request: ChatRequest) -> str:
        if request.prefix is not None:
            return f"{beta_base_url(self.base_url)}/chat/completions"
        return self._url("chat/completions")

    async def _stream_once(
        self, url: str, body: dict[str, Any], progress: _Progress
    ) -> AsyncIterator[StreamEvent]:
        loop = asyncio.get_running_loop()
        headers = {"Accept": "text/event-stream"}
        # Both limits count from sending the request: a server that is slow to send
        # its headers gets no extra time for the first data.
        deadline = loop.time() + self.first_data_timeout
        headers_limit = min(self.headers_timeout, self.first_data_timeout)
        asked = loop.time()
        async with self._open(url, body, headers, headers_limit) as response:
            log.info(
                "HTTP %d after %.3f s, request id %s",
                response.status_code,
                loop.time() - asked,
                request_id(response.headers),
            )
            if response.status_code >= 400:
                raw = await self._read_error_body(response)
                raise self._status_error(
                    response.status_code,
                    raw,
                    url=url,
                    retry_after=response.headers.get("retry-after"),
                )
            yield Waiting("waiting")
            wire = WireDecoder()
            decoder = wire.chunks
            text_iter = response.aiter_text().__aiter__()
            # An answer is over at [DONE], or once its finish reason and usage came:
            # a server that then only sends keep-alives must not keep it waiting.
            while not (decoder.done or decoder.finished_with_usage):
                remaining = deadline - loop.time()
                # One event per run of deltas in this read, not one per chunk: what
                # the read brought is handed up in one go (hundreds of chunks at speed).
                batch = EventBatch()
                text: str | None
                try:
                    if remaining <= 0:
                        raise TimeoutError
                    async with asyncio.timeout(remaining):
                        text = await anext(text_iter)
                except StopAsyncIteration:
                    text = None  # the body ended
                except TimeoutError:
                    if decoder.complete:
                        break  # finished, only the usage or [DONE] never came
                    raise self._deadline_error(decoder) from None
                except httpx.HTTPError as error:
                    raise self._cut_error(error, decoder) from error
                failure: errors.ApiError | None = None
                try:
                    sent = wire.end(batch) if text is None else wire.read(text, batch)
                except errors.ApiError as error:
                    failure = error  # raised once what came before it is handed up
                    sent = 1
                if wire.first_data and not progress.started:
                    progress.started = True
                    log.info(
                        "first data after %.3f s, id %s",
                        loop.time() - asked,
                        _chunk_id(wire.first_data),
                    )
                if sent and decoder.saw_data:
                    deadline = loop.time() + self.stall_timeout
                for event in batch.take():
                    progress.note(event)
                    yield event
                if failure is not None:
                    raise failure
                if text is None:
                    break
            for event in decoder.close():
                progress.note(event)
                yield event
            if not decoder.complete:
                if not decoder.saw_data:
                    raise errors.StreamInterrupted(
                        "The server closed the connection without sending an answer."
                    )
                raise errors.StreamInterrupted(
                    "The connection ended before the answer finished; what arrived is kept."
                )

    async def complete(self, request: ChatRequest) -> Reply:
        """The non-streaming path: one whole reply."""
        body = request.body(stream=False)
        url = self._url("chat/completions")
        text_log.debug("request messages: %s", json.dumps(body.get("messages"), ensure_ascii=False))
        attempt = 0
        while True:
            attempt += 1
            log.info(
                "POST %s model=%s, attempt %d of %d", url, request.model, attempt, self.max_attempts
            )
            try:
                return await self._complete_once(url, body)
            except errors.ApiError as error:
                if not error.retryable or attempt >= self.max_attempts:
                    log.error("POST %s failed: %s: %s", url, type(error).__name__, error)
                    raise
                delay = self._backoff(attempt, error)
                _log_retry(delay, attempt + 1, self.max_attempts, error)
                await self._sleep(delay)

    async def _complete_once(self, url: str, body: dict[str, Any]) -> Reply:
        try:
            async with asyncio.timeout(self.first_data_timeout):
                # A non-streaming gateway may hold its headers until the whole answer
                # is ready: here only the overall limit applies.
                asked = time.monotonic()
                async with self._open(url, body, {}, None) as response:
                    raw = await response.aread()
                log.info(
                    "HTTP %d after %.3f s, request id %s",
                    response.status_code,
                    time.monotonic() - asked,
                    request_id(response.headers),
                )
        except TimeoutError:
            raise errors.FirstDataTimeout(
                f"No answer arrived within {self.first_data_timeout:g} s."
            ) from None
        except httpx.HTTPError as error:
            raise self._transport_error(error) from error
        if response.status_code >= 400:
            raise self._status_error(
                response.status_code, raw, url=url, retry_after=response.headers.get("retry-after")
            )
        return parse_completion(raw)

    # --- other endpoints ---------------------------------------------------------

    async def list_models(self) -> list[str]:
        """Model ids from `GET /models`, in the server's order (the first `MAX_MODEL_IDS`)."""
        data = await self._get_json("models", MAX_MODELS_BYTES)
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise errors.ProtocolError("The server's model list could not be understood.")
        ids: list[str] = []
        for item in items[:MAX_MODEL_IDS]:
            model = item.get("id") if isinstance(item, dict) else None
            if model is not None and not isinstance(model, str):
                raise _not_understood("a model id that is not text")
            if model and model.strip():
                ids.append(model)
        if len(items) > MAX_MODEL_IDS:
            log.warning("GET models: %d ids, the first %d kept", len(items), MAX_MODEL_IDS)
        return ids

    async def balance(self) -> BalanceReport:
        """`GET /user/balance`; amounts stay strings. Fields of the wrong type (a list
        that is a number, `is_available` that is not true or false) are not guessed at."""
        data = await self._get_json("user/balance")
        if not isinstance(data, dict):
            raise errors.ProtocolError("The server's balance answer could not be understood.")
        available = data.get("is_available", False)
        infos = data.get("balance_infos") or []
        if not isinstance(available, bool):
            raise _not_understood("is_available is not true or false")
        if not isinstance(infos, list) or not all(isinstance(info, dict) for info in infos):
            raise _not_understood("balance_infos is not a list of balances")
        return BalanceReport(
            is_available=available,
            balances=tuple(
                Balance(
                    currency=_amount(info, "currency"),
                    total=_amount(info, "total_balance"),
                    granted=_amount(info, "granted_balance"),
                    topped_up=_amount(info, "topped_up_balance"),
                )
                for info in infos[:MAX_MODEL_IDS]
            ),
        )

    async def _get_json(self, path: str, limit: int = MAX_METADATA_BYTES) -> Any:
        url = self._url(path)
        asked = time.monotonic()
        try:
            async with asyncio.timeout(self.first_data_timeout):
                self._check_url()
                async with self._http.stream("GET", url) as response:
                    raw = await _read_capped(response, limit)
        except TimeoutError:
            log.error("GET %s: no answer within %g s", url, self.first_data_timeout)
            raise errors.ApiTimeout(f"{self._host} did not answer in time.") from None
        except httpx.HTTPError as error:
            log.error("GET %s failed: %s: %s", url, type(error).__name__, error)
            raise self._transport_error(error) from error
        log.info(
            "GET %s: HTTP %d after %.3f s, request id %s",
            url,
            response.status_code,
            time.monotonic() - asked,
            request_id(response.headers),
        )
        if response.status_code >= 400:
            raise self._status_error(
                response.status_code,
                raw or b"",
                url=url,
                retry_after=response.headers.get("retry-after"),
            )
        if raw is None:
            raise _not_understood(f"{self._host} sent more than {limit // 1_000_000} MB")
        try:
            return json.loads(raw)
        except ValueError:
            raise errors.ProtocolError(
                f"{self._host} answered with something that is not JSON."
            ) from None

    # --- plumbing ------------------------------------------------------------------

    def _open(
        self,
        url: str,
        body: dict[str, Any],
        headers: dict[str, str],
        headers_limit: float | None,
    ) -> _Opened:
        return _Opened(self, url, body, headers, headers_limit)

    async def _read_error_body(self, response: httpx.Response) -> bytes:
        try:
            async with asyncio.timeout(min(self.stall_timeout, 30.0)):
                return await response.aread()
        except (TimeoutError, httpx.HTTPError):
            return b""

    def _status_error(
        self, status: int, body: bytes, *, url: str = "", retry_after: str | None = None
    ) -> errors.StatusError:
        error = errors.error_for_status(status, body, url=url, retry_after=retry_after)
        if isinstance(error, errors.AuthenticationError) and self.provider != "deepseek":
            # A gateway's key is set with `key set --provider NAME`, not DeepSeek's way.
            error.message = errors.key_rejected(self.provider)
            error.args = (error.message,)
        return error

    def _backoff(self, attempt: int, error: errors.ApiError) -> float:
        return retry_delay(attempt, error, self.retry_base_delay)

    def _deadline_error(self, decoder: ChunkDecoder) -> errors.ApiError:
        if decoder.saw_data:
            return errors.StallTimeout(
                f"The answer stalled: no data for {self.stall_timeout:g} s; what arrived is kept."
            )
        return errors.FirstDataTimeout(
            f"No answer started within {self.first_data_timeout:g} s "
            "(the server only sent keep-alives)."
        )

    def _cut_error(self, error: httpx.HTTPError, decoder: ChunkDecoder) -> errors.ApiError:
        if isinstance(error, httpx.TimeoutException):
            return self._deadline_error(decoder)
        if decoder.saw_data:
            return errors.StreamInterrupted(
                "The connection was cut before the answer finished; what arrived is kept."
            )
        return (
            errors.StreamInterrupted(
                f"The connection to {self._host} was cut before the answer started."
            )
            if not isinstance(error, httpx.ConnectError)
            else self._transport_error(error)
        )

    def _transport_error(self, error: httpx.HTTPError) -> errors.ApiError:
        return transport_error(error, self._host)


def _chunk_id(data: str) -> str:
    """The completion's id in a stream chunk (DeepSeek's `chatcmpl-…`), or "-"."""
    try:
        found = json.loads(data).get("id")
    except (ValueError, AttributeError):
        return "-"
    return str(found)[:100] if found else "-"


def _log_retry(delay: float, attempt: int, attempts: int, error: errors.ApiError) -> None:
    log.warning(
        "retrying in %.2f s (attempt %d of %d) after %s: %s",
        delay,
        attempt,
        attempts,
        type(error).__name__,
        error,
    )


def _log_finished(event: Finished, seconds: float, progress: _Progress) -> None:
    log.info(
        "answer finished (%s) after %.3f s: %d reasoning and %d content characters",
        event.reason,
        seconds,
        progress.reasoning_chars,
        progress.content_chars,
    )
    if progress.texts is not None:
        reasoning, content = progress.texts
        text_log.debug("answer reasoning: %s", "".join(reasoning))
        text_log.debug("answer content: %s", "".join(content))


def retry_delay(attempt: int, error: errors.ApiError, base_delay: float) -> float:
    """Seconds before attempt `attempt + 1`: the server's `Retry-After` if it sent one
    (capped), else exponential backoff from `base_delay` with jitter."""
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        return min(retry_after, _RETRY_AFTER_CAP)
    ceiling = min(base_delay * 2 ** (attempt - 1), _BACKOFF_CAP)
    # "Equal jitter": at least half the step, so retries never bunch up at zero.
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def transport_error(error: httpx.HTTPError, host: str) -> errors.ApiError:
    """One plain sentence for a failure to reach the server."""
    text = str(error) or type(error).__name__
    lowered = text.lower()
    cause = error.__cause__ or error.__context__
    if isinstance(error, httpx.ConnectTimeout):
        return errors.ApiTimeout(f"Connecting to {host} timed out; check your network.")
    if isinstance(error, httpx.TimeoutException):
        return errors.ApiTimeout(f"{host} did not answer in time.")
    if isinstance(cause, ssl.SSLError) or "ssl" in lowered or "certificate" in lowered:
        return errors.TlsError(
            f"A secure connection to {host} could not be made (TLS): {_short(text)}."
        )
    if any(
        marker in lowered
        for marker in (
            "name or service not known",
            "nodename nor servname",
            "name resolution",
            "getaddrinfo",
            "no address associated",
        )
    ):
        return errors.DnsError(f"The host name {host} could not be found; check the base URL.")
    if isinstance(error, httpx.ConnectError) or "refused" in lowered:
        return errors.ConnectError(
            f"Could not connect to {host}: the connection was refused or reset; "
            "is the base URL right and the server up?"
        )
    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return errors.InvalidBaseUrl(f"The base URL for {host!r} is not a valid http(s) URL.")
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        return errors.StreamInterrupted(f"The connection to {host} was cut.")
    return errors.TransportError(f"The request to {host} failed: {_short(text)}.")


async def _read_capped(response: httpx.Response, limit: int) -> bytes | None:
    """The body, or None once it passes `limit` bytes (the rest is never read)."""
    parts: list[bytes] = []
    size = 0
    async for part in response.aiter_bytes():
        size += len(part)
        if size > limit:
            return None
        parts.append(part)
    return b"".join(parts)


def _not_understood(why: str) -> errors.ApiError:
    return errors.ProtocolError(f"The server's answer was not understood: {why}.")


def _amount(info: dict[str, Any], name: str) -> str:
    """A balance field as text: the server's string, or a number written out; any
    other kind (a list, a table, true) is not guessed at."""
    value = info.get(name, "")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _not_understood(f"{name} is not an amount")
    return str(value)


def _short(text: str) -> str:
    text = " ".join(text.split()).rstrip(".")
    return text if len(text) <= 160 else text[:159] + "…"


class _Opened:
    """`async with` around `client.stream(...)` that turns httpx errors into ours and
    holds the whole exchange up to the complete headers to `headers_limit` seconds."""

    def __init__(
        self,
        client: DeepSeekClient,
        url: str,
        body: dict[str, Any],
        headers: dict[str, str],
        headers_limit: float | None,
    ) -> None:
        self._client = client
        self._limit = headers_limit
        self._phase = ""  # the last step httpcore began, to say where time ran out
        self._context = client._http.stream(
            "POST", url, json=body, headers=headers, extensions={"trace": self._trace}
        )

    async def _trace(self, name: str, info: dict[str, Any]) -> None:
        # Only steps begun: a cancelled step still reports ".failed" and a close.
        if name.endswith(".started") and "response_closed" not in name:
            self._phase = name

    async def __aenter__(self) -> httpx.Response:
        host = self._client._host
        self._client._check_url()
        try:
            async with asyncio.timeout(self._limit):
                return await self._context.__aenter__()
        except TimeoutError:
            raise self._late(host) from None
        except httpx.WriteTimeout as error:
            raise errors.WriteTimeout(
                f"{host} stopped reading the request: nothing more could be sent "
                f"for {self._client.write_timeout:g} s."
            ) from error
        except httpx.HTTPError as error:
            raise self._client._transport_error(error) from error

    def _late(self, host: str) -> errors.ApiError:
        limit = f"{self._limit:g} s"
        if self._phase.startswith("connection.") or not self._phase:
            return errors.ApiTimeout(f"Connecting to {host} took longer than {limit}.")
        if "send_request" in self._phase:
            return errors.WriteTimeout(
                f"{host} stopped reading the request: it was not sent within {limit}."
            )
        return errors.HeadersTimeout(f"{host} took the request but did not answer within {limit}.")

    async def __aexit__(self, *exc_info: Any) -> None:
        # Closing a broken connection can fail too; the real error is already raised.
        with contextlib.suppress(httpx.HTTPError):
            await self._context.__aexit__(*exc_info)


class _Progress:
    """What one attempt delivered, to decide about retries and for the log: counted,
    and the text kept only for a log that writes texts (`--debug-text`). The caller
    keeps the answer; a second copy here was 200 MB for 200 MB of reasoning."""

    __slots__ = ("content_chars", "reasoning_chars", "started", "texts")

    def __init__(self) -> None:
        self.content_chars = 0
        self.reasoning_chars = 0
        self.started = False  # the first data line came (logged once)
        logged = text_log.isEnabledFor(logging.DEBUG)
        self.texts: tuple[list[str], list[str]] | None = ([], []) if logged else None

    @property
    def delivered(self) -> bool:
        return bool(self.content_chars or self.reasoning_chars)

    def note(self, event: StreamEvent) -> None:
        if isinstance(event, ContentDelta):
            self.content_chars += len(event.text)
            if self.texts is not None:
                self.texts[1].append(event.text)
        elif isinstance(event, ReasoningDelta):
            self.reasoning_chars += len(event.text)
            if self.texts is not None:
                self.texts[0].append(event.text)


def parse_completion(raw: bytes) -> Reply:
    """A non-streaming `chat.completion` body (leading blank lines allowed)."""
    text = raw.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        raise errors.ProtocolError("The server's answer was not valid JSON.") from None
    if isinstance(data, dict) and data.get("error"):
        raise errors.StreamErrorEvent(
            f"The server reported an error: {errors.error_message(data['error'])}"
        )
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise errors.ProtocolError("The server's answer had no choices.")
    choice = choices[0]
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    content = message.get("content") if isinstance(message.get("content"), str) else ""
    reasoning = message.get("reasoning_content")
    if reasoning is None:
        reasoning = message.get("reasoning")
    if not isinstance(reasoning, str):
        reasoning = None
        splitter = ThinkTagSplitter()
        parts = [*splitter.feed(content), *splitter.flush()]
        thought = "".join(p.text for p in parts if isinstance(p, ReasoningDelta))
        if thought:
            reasoning = thought
            content = "".join(p.text for p in parts if isinstance(p, ContentDelta))
    usage = data.get("usage")
    calls = ToolCallMerger()
    if message.get("tool_calls") is not None:
        calls.add(message["tool_calls"], positional=True)
    return Reply(
        content=content,
        reasoning=reasoning,
        finish_reason=FinishReason.parse(str(choice.get("finish_reason") or FinishReason.STOP)),
        usage=Usage.from_wire(usage) if isinstance(usage, dict) else None,
        model=data.get("model") if isinstance(data.get("model"), str) else None,
        tool_calls=calls.calls(),
    )


__all__ = [
    "Balance",
    "BalanceReport",
    "DeepSeekClient",
    "Finished",
    "parse_completion",
    "transport_error",
]
