"""Segmind's APIs for DeepSeek models: v1 synchronous, v2 submit-and-poll.

POST /v1/{model} answers with the chat.completion itself once it is done. POST
/v2/{model} queues a job; GET /v2/requests/{id}/status says QUEUED, PROCESSING,
COMPLETED or FAILED (HTTP 422 with the body still telling); GET /v2/requests/{id}
gives the result, whose `output` is the chat.completion JSON *as a string*. Auth is
the `x-api-key` header; credits left ride on `x-remaining-credits`; 406 means no
credits. Jobs are kept an hour, then unknown ids answer 404.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

JOB_TTL = 3600.0


@dataclass
class Job:
    id: str
    created: float
    output: str  # the chat.completion JSON, already encoded
    fail: str | None  # the error of a job that fails


class Jobs:
    """The in-memory job table: thread-safe, expiring after `JOB_TTL`."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def add(self, output: str, fail: str | None) -> Job:
        job = Job(str(uuid.uuid4()), time.monotonic(), output, fail)
        with self._lock:
            self._expire()
            self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            self._expire()
            return self._jobs.get(job_id)

    def _expire(self) -> None:
        now = time.monotonic()
        for job_id in [i for i, job in self._jobs.items() if now - job.created > JOB_TTL]:
            del self._jobs[job_id]


def state(job: Job, processing_seconds: float) -> str:
    """QUEUED for the first third of the processing time, PROCESSING until it is done."""
    age = time.monotonic() - job.created
    if age < processing_seconds / 3:
        return "QUEUED"
    if age < processing_seconds:
        return "PROCESSING"
    return "FAILED" if job.fail else "COMPLETED"


def submitted(job: Job, base_url: str) -> dict[str, Any]:
    return {
        "request_id": job.id,
        "status": "QUEUED",
        "poll_url": f"{base_url}/v1/requests/{job.id}",
        "status_url": f"{base_url}/v2/requests/{job.id}/status",
        "response_url": f"{base_url}/v2/requests/{job.id}",
    }


def status_body(job: Job, status: str, *, with_output: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "request_id": job.id, "metrics": {}}
    if status == "FAILED":
        body["error"] = job.fail
    if status == "COMPLETED":
        body["metrics"] = {"inference_time": 0.5}
        if with_output:
            body["error"] = None
            body["output"] = job.output
    return body
