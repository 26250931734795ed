"""Segmind's APIs (v1 synchronous, v2 submit-and-poll) behind the same `ChatClient`
surface as DeepSeek's.

Segmind does not stream: v1 answers one request with the whole answer; v2 queues a
job that is polled until COMPLETED or FAILED and its result fetched. Either way the
answer then comes up as one reasoning and one content event, so the session and the
UI need not know the difference.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import quote

import httpx

from deepseek_tui.api import errors
from deepseek_tui.api.client import (
    BalanceReport,
    HttpClient,
    log,
    parse_completion,
    request_id,
    retry_delay,
    text_log,
    transport_error,
)
from deepseek_tui.api.events import (
    ContentDelta,
    Finished,
    ReasoningDelta,
    Reply,
    StreamEvent,
    ToolCalls,
    Waiting,
)
from deepseek_tui.api.request import ChatRequest

SEGMIND_MODELS = ("deepseek-chat",)
SEGMIND_APIS = ("v1", "v2")
# Fields Segmind takes from the URL or does not support (tools: it does not forward
# them, so they are not sent; `supports_tools` says so to the session).
_NOT_FORWARDED = ("model", "stream", "stream_options", "tools", "tool_choice")
# Failed polls in a row before giving up on a job: a poll only asks, so it is retried
# more readily than a submit (the job keeps running, and billing, meanwhile).
_POLL_TRIES = 6
_POLL_GROWTH = 1.5


class SegmindClient(HttpClient):
    """`stream_chat`, `complete` and `list_models` over Segmind's v1 or v2 API (`api`).

    Time limits: connecting takes at most `connect_timeout`; no write waits longer than
    `write_timeout`; each v2 request (submit, poll, result) is answered within
    `headers_timeout`; the whole answer (v1's one request, or a v2 job from submit to
    result) within `first_data_timeout`. 429, 5xx and connection failures are retried
    with backoff, honouring `Retry-After`: a submit up to `max_attempts` times, a poll
    up to six times in a row. Polls start `poll_interval` apart and slow down to
    `max_poll_interval`.
    """

    kind = "segmind"

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        api: str = "v2",
        connect_timeout: float = 10.0,
        write_timeout: float = 60.0,
        headers_timeout: float = 60.0,
        first_data_timeout: float = 600.0,
        max_attempts: int = 3,
        retry_base_delay: float = 0.5,
        poll_interval: float = 0.5,
        max_poll_interval: float = 3.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if api not in SEGMIND_APIS:
            raise ValueError(f"Segmind's api is {' or '.join(SEGMIND_APIS)}, not {api!r}.")
        # No httpx read limit: v1 holds its answer until the model is done; our own
        # deadlines below bound every request instead.
        super().__init__(
            base_url,
            {"x-api-key": api_key} if api_key else {},
            connect_timeout=connect_timeout,
            read_timeout=None,
            transport=transport,
            write_timeout=write_timeout,
        )
        self.api = api
        self.api_key = api_key
        self.supports_tools = False
        self.headers_timeout = headers_timeout
        self.first_data_timeout = first_data_timeout
        self.max_attempts = max(1, max_attempts)
        self.retry_base_delay = retry_base_delay
        self.poll_interval = poll_interval
        self.max_poll_interval = max(max_poll_interval, poll_interval)
        # Segmind's `x-remaining-credits` from its last answer, as sent (dollars).
        self.remaining_credits: str | None = None
        self._sleep = sleep

    async def list_models(self) -> list[str]:
        return list(SEGMIND_MODELS)  # Segmind has no model list endpoint

    async def balance(self) -> BalanceReport | None:
        return None  # no balance endpoint: its credits come with each answer

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        reply: Reply | None = None
        async for step in self._run(request):
            if isinstance(step, Waiting):
                yield step
            else:
                reply = step
        if reply is None:  # pragma: no cover - _run always ends with the reply
            raise errors.ProtocolError("Segmind's job ended without a result.")
        text_log.debug("answer reasoning: %s", reply.reasoning)
        text_log.debug("answer content: %s", reply.content)
        if reply.reasoning:
            yield ReasoningDelta(reply.reasoning)
        if reply.content:
            yield ContentDelta(reply.content)
        if reply.usage is not None:
            yield reply.usage
        if reply.tool_calls:  # (never asked for: Segmind is sent no tools)
            yield ToolCalls(reply.tool_calls)
        yield Finished(reply.finish_reason)

    async def complete(self, request: ChatRequest) -> Reply:
        async for step in self._run(request):
            if isinstance(step, Reply):
                return step
        raise errors.ProtocolError("Segmind's job ended without a result.")  # pragma: no cover

    async def _run(self, request: ChatRequest) -> AsyncIterator[Waiting | Reply]:
        """One answer: what it waits for while it waits, then the reply."""
        if request.prefix is not None:
            raise errors.BadRequestError(
                "Segmind cannot continue a cut answer; regenerate it instead (^r).",
                status=400,
            )
        body = {k: v for k, v in request.body(stream=False).items() if k not in _NOT_FORWARDED}
        model = quote(request.model, safe="")
        log.info("segmind %s model=%s", self.api, request.model)
        text_log.debug("request messages: %s", json.dumps(body.get("messages"), ensure_ascii=False))
        deadline = asyncio.get_running_loop().time() + self.first_data_timeout
        if self.api == "v1":
            async for step in self._v1(model, body, deadline):
                yield step
        else:
            async for step in self._v2(model, body, deadline):
                yield step

    async def _v1(
        self, model: str, body: dict[str, Any], deadline: float
    ) -> AsyncIterator[Waiting | Reply]:
        yield Waiting("waiting")  # one request; the answer comes when the model is done
        answer: dict[str, Any] = {}
        async for step in self._call("POST", f"v1/{model}", deadline, body=body):
            if isinstance(step, Waiting):
                yield step
            else:
                answer = step
        yield parse_completion(json.dumps(answer).encode("utf-8"))

    async def _v2(
        self, model: str, body: dict[str, Any], deadline: float
    ) -> AsyncIterator[Waiting | Reply]:
        """Submit, poll and fetch one job."""
        loop = asyncio.get_running_loop()
        yield Waiting("connecting")
        job: dict[str, Any] = {}
        async for step in self._call("POST", f"v2/{model}", deadline, body=body):
            if isinstance(step, Waiting):
                yield step
            else:
                job = step
        job_id = str(job.get("request_id", ""))
        if not job_id:
            raise errors.ProtocolError("Segmind accepted the question but sent no job id.")
        log.info("segmind job %s submitted", job_id)
        said = ""
        interval = self.poll_interval
        while True:
            status: dict[str, Any] = {}
            async for step in self._call("GET", f"v2/requests/{job_id}/status", deadline, job_id):
                if isinstance(step, Waiting):
                    said = ""  # after a retry, say again what the job is doing
                    yield step
                else:
                    status = step
            state = status.get("status")
            log.info("segmind job %s: %s", job_id, state)
            if state == "COMPLETED":
                break
            if state == "FAILED":
                raise self._failed(status)
            stage = "queued" if state in ("QUEUED", "IN_QUEUE") else "running"
            if stage != said:
                said = stage
                yield Waiting(stage)
            left = deadline - loop.time()
            if left <= 0:
                raise self._late(job_id)
            # A job that is not done at once often takes a while: ask less often.
            await self._sleep(min(interval, left))
            interval = min(interval * _POLL_GROWTH, self.max_poll_interval)
        result: dict[str, Any] = {}
        async for step in self._call("GET", f"v2/requests/{job_id}", deadline, job_id):
            if isinstance(step, Waiting):
                yield step
            else:
                result = step
        if result.get("status") == "FAILED":
            raise self._failed(result)
        output = result.get("output")
        if isinstance(output, dict):
            output = json.dumps(output)
        if not isinstance(output, str):
            raise errors.ProtocolError("Segmind's result had no output.")
        yield parse_completion(output.encode("utf-8"))

    async def _call(
        self,
        method: str,
        path: str,
        deadline: float,
        job_id: str = "",
        *,
        body: dict[str, Any] | None = None,
    ) -> AsyncIterator[Waiting | dict[str, Any]]:
        """One request, retried while that is safe and worth it: a `Waiting("retrying")`
        before each new attempt, then the answer's JSON."""
        loop = asyncio.get_running_loop()
        # A poll (GET) only asks; a submit may queue a job, billed, each time it is sent.
        tries = max(self.max_attempts, _POLL_TRIES) if method == "GET" else self.max_attempts
        attempt = 0
        while True:
            attempt += 1
            left = deadline - loop.time()
            if left <= 0:
                raise self._late(job_id)
            # v1's one request has the whole answer's time; v2's each have the headers'.
            limit = left if path.startswith("v1/") else min(self.headers_timeout, left)
            try:
                data = await self._request(method, path, limit, json_body=body)
            except errors.ApiError as error:
                if loop.time() >= deadline and isinstance(error, errors.ApiTimeout):
                    raise self._late(job_id) from error
                again = error.retryable or (
                    method == "GET" and isinstance(error, errors.ApiTimeout)
                )
                if not again or attempt >= tries:
                    log.error(
                        "%s %s failed, attempt %d: %s: %s",
                        method,
                        path,
                        attempt,
                        type(error).__name__,
                        error,
                    )
                    raise
                delay = retry_delay(attempt, error, self.retry_base_delay)
                if loop.time() + delay >= deadline:
                    log.error("%s %s: the answer's time is up (job %s)", method, path, job_id)
                    raise self._late(job_id) from error
                log.warning(
                    "retrying %s %s in %.2f s (attempt %d of %d) after %s: %s",
                    method,
                    path,
                    delay,
                    attempt + 1,
                    tries,
                    type(error).__name__,
                    error,
                )
                yield Waiting("retrying", attempt + 1, tries, delay, errors.retry_reason(error))
                await self._sleep(delay)
            else:
                yield data
                return

    async def _request(
        self,
        method: str,
        path: str,
        limit: float,
        *,
        json_body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        url = f"{self.base_url}/{path}"
        sent = time.monotonic()
        try:
            async with asyncio.timeout(limit):
                self._check_url()
                response = await self._http.request(method, url, json=json_body)
        except TimeoutError:
            raise errors.HeadersTimeout(
                f"{self._host} took the request but did not answer within {limit:g} s."
            ) from None
        except httpx.WriteTimeout as error:
            raise errors.WriteTimeout(
                f"{self._host} stopped reading the request: nothing more could be sent "
                f"for {self.write_timeout:g} s."
            ) from error
        except httpx.HTTPError as error:
            raise transport_error(error, self._host) from error
        log.info(
            "%s %s: HTTP %d after %.3f s, request id %s",
            method,
            url,
            response.status_code,
            time.monotonic() - sent,
            request_id(response.headers),
        )
        self.remaining_credits = response.headers.get("x-remaining-credits", self.remaining_credits)
        try:
            data = json.loads(response.content) if response.content.strip() else {}
        except ValueError:
            data = None
        # A FAILED job answers 422 with its body still telling: read it first.
        if response.status_code == 422 and isinstance(data, dict) and data.get("status"):
            return data
        if response.status_code == 404 and "requests/" in path:
            raise errors.NotFoundError(
                "Segmind no longer knows this job (results are kept for one hour).", status=404
            )
        if response.status_code >= 400:
            error = errors.error_for_status(
                response.status_code,
                response.content,
                url=url,
                retry_after=response.headers.get("retry-after"),
            )
            if isinstance(error, errors.AuthenticationError):
                error.message = errors.key_rejected("segmind")
            raise error
        if not isinstance(data, dict):
            raise errors.ProtocolError(f"{self._host} answered with something that is not JSON.")
        return data

    def _late(self, job_id: str) -> errors.ApiError:
        """The whole answer's deadline has passed."""
        limit = f"{self.first_data_timeout:g} s"
        if not job_id:
            return errors.FirstDataTimeout(f"Segmind did not answer within {limit}.")
        return errors.FirstDataTimeout(
            f"Segmind's job did not finish within {limit}; it may still be running "
            f"there (request {job_id})."
        )

    @staticmethod
    def _failed(body: dict[str, Any]) -> errors.ApiError:
        said = errors.error_message(body.get("error") or "no reason given")
        return errors.StreamErrorEvent(f"Segmind could not answer: {said.rstrip('.')}.")
