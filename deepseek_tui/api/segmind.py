"""Segmind's submit-and-poll API (v2) behind the same `ChatClient` surface as DeepSeek's.

Segmind does not stream: a job is submitted, polled until COMPLETED or FAILED, and
its result fetched; the answer then comes up as one reasoning and one content event,
so the session and the UI need not know the difference.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import quote

import httpx

from deepseek_tui.api import errors
from deepseek_tui.api.client import HttpClient, parse_completion, transport_error
from deepseek_tui.api.events import (
    ContentDelta,
    Finished,
    ReasoningDelta,
    Reply,
    StreamEvent,
    Waiting,
)
from deepseek_tui.api.request import ChatRequest

SEGMIND_MODELS = ("deepseek-chat",)
# Fields Segmind takes from the URL or does not support.
_NOT_FORWARDED = ("model", "stream", "stream_options")


class SegmindClient(HttpClient):
    """`stream_chat`, `complete` and `list_models` over Segmind's v2 queue."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        connect_timeout: float = 10.0,
        first_data_timeout: float = 600.0,
        max_attempts: int = 3,
        retry_base_delay: float = 0.5,
        poll_interval: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            base_url,
            {"x-api-key": api_key} if api_key else {},
            connect_timeout=connect_timeout,
            read_timeout=60.0,
            transport=transport,
        )
        self.api_key = api_key
        self.first_data_timeout = first_data_timeout
        self.max_attempts = max(1, max_attempts)
        self.retry_base_delay = retry_base_delay
        self.poll_interval = poll_interval
        self.remaining_credits: str | None = None
        self._sleep = sleep

    async def list_models(self) -> list[str]:
        return list(SEGMIND_MODELS)  # Segmind has no model list endpoint

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        reply: Reply | None = None
        async for step in self._run(request):
            if isinstance(step, Waiting):
                yield step
            else:
                reply = step
        if reply is None:  # pragma: no cover - _run always ends with the reply
            raise errors.ProtocolError("Segmind's job ended without a result.")
        if reply.reasoning:
            yield ReasoningDelta(reply.reasoning)
        if reply.content:
            yield ContentDelta(reply.content)
        if reply.usage is not None:
            yield reply.usage
        yield Finished(reply.finish_reason)

    async def complete(self, request: ChatRequest) -> Reply:
        async for step in self._run(request):
            if isinstance(step, Reply):
                return step
        raise errors.ProtocolError("Segmind's job ended without a result.")  # pragma: no cover

    async def _run(self, request: ChatRequest) -> AsyncIterator[Waiting | Reply]:
        """Submit, poll and fetch one job: what it waits for while it waits, then
        the reply."""
        if request.prefix is not None:
            raise errors.BadRequestError(
                "Segmind cannot continue a cut answer; regenerate it instead (^r).",
                status=400,
            )
        body = {k: v for k, v in request.body(stream=False).items() if k not in _NOT_FORWARDED}
        yield Waiting("connecting")
        job = await self._submit(quote(request.model, safe=""), body)
        job_id = str(job.get("request_id", ""))
        if not job_id:
            raise errors.ProtocolError("Segmind accepted the question but sent no job id.")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.first_data_timeout
        said = ""
        while True:
            status = await self._request("GET", f"v2/requests/{job_id}/status")
            state = status.get("status")
            if state == "COMPLETED":
                break
            if state == "FAILED":
                raise self._failed(status)
            stage = "queued" if state in ("QUEUED", "IN_QUEUE") else "running"
            if stage != said:
                said = stage
                yield Waiting(stage)
            if loop.time() >= deadline:
                raise errors.FirstDataTimeout(
                    f"Segmind's job did not finish within {self.first_data_timeout:g} s."
                )
            await self._sleep(self.poll_interval)
        result = await self._request("GET", f"v2/requests/{job_id}")
        if result.get("status") == "FAILED":
            raise self._failed(result)
        output = result.get("output")
        if isinstance(output, dict):
            output = json.dumps(output)
        if not isinstance(output, str):
            raise errors.ProtocolError("Segmind's result had no output.")
        yield parse_completion(output.encode("utf-8"))

    async def _submit(self, model: str, body: dict[str, Any]) -> dict[str, Any]:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._request("POST", f"v2/{model}", json_body=body)
            except errors.ApiError as error:
                if not error.retryable or attempt >= self.max_attempts:
                    raise
                wait = getattr(error, "retry_after", None)
                await self._sleep(wait if wait is not None else self.retry_base_delay * attempt)

    async def _request(
        self, method: str, path: str, *, json_body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        url = f"{self.base_url}/{path}"
        try:
            response = await self._http.request(method, url, json=json_body)
        except httpx.HTTPError as error:
            raise transport_error(error, self._host) from error
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

    @staticmethod
    def _failed(body: dict[str, Any]) -> errors.ApiError:
        said = errors.error_message(body.get("error") or "no reason given")
        return errors.StreamErrorEvent(f"Segmind could not answer: {said.rstrip('.')}.")
