"""Typed errors of the wire, each with one plain sentence a user can act on.

The hierarchy lets callers catch by meaning, the way httpx does:
`ApiError` ▸ `StatusError` (the server answered with an error status) ▸ one class per
status that matters; `ApiError` ▸ `TransportError` (no usable answer) ▸ connection,
DNS, TLS, timeouts; `StreamError` for failures after the answer began.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from deepseek_tui.config import hide_keys


class ApiError(Exception):
    """Anything the wire can go wrong with. `str(err)` is the user-facing sentence."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        # Set by the client when the error cut an answer short: how many characters
        # of answer and reasoning had arrived (the caller has seen them as deltas).
        self.delivered = 0

    def __str__(self) -> str:
        return self.message

    def hide(self, key: str | None) -> None:
        """Mask `key` wherever the server echoed it into this error (its sentence and
        what the server said), so it is neither shown nor saved."""
        self.message = hide_keys(self.message, key)
        self.args = (self.message,)
        said = getattr(self, "server_message", None)
        if isinstance(said, str):
            self.server_message = hide_keys(said, key)


# --- the server answered with an error status ---------------------------------


class StatusError(ApiError):
    """An HTTP error status. `server_message` is what the body said, if anything."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        server_message: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.server_message = server_message
        self.retry_after = retry_after


class BadRequestError(StatusError):
    """400: the request was wrong (unknown model, context too long, content risk…)."""


class AuthenticationError(StatusError):
    """401: the API key is missing or invalid."""


class InsufficientBalanceError(StatusError):
    """402 (DeepSeek) or 406 (Segmind): no credit left."""


class InvalidParametersError(StatusError):
    """422: the parameters were invalid."""


class RateLimitError(StatusError):
    """429: rate or concurrency limit."""

    retryable = True


class ServerError(StatusError):
    """5xx: the server failed or is overloaded."""

    retryable = True


class NotFoundError(StatusError):
    """404: wrong base URL or path."""


# --- no usable answer --------------------------------------------------------


class TransportError(ApiError):
    """The request did not get through (network, DNS, TLS)."""

    retryable = True


class ConnectError(TransportError):
    """Connection refused or reset before an answer."""


class InvalidBaseUrl(ConnectError):
    """The base URL cannot be used at all (not http(s), no host, a bad port)."""

    retryable = False


class DnsError(TransportError):
    """The host name did not resolve."""


class TlsError(TransportError):
    """The TLS handshake failed (certificate, protocol)."""

    retryable = False


class ApiTimeout(TransportError):
    """A time limit ran out: connecting, waiting for the first data, or a stall."""


class FirstDataTimeout(ApiTimeout):
    """No data arrived within the first-data limit (keep-alives do not count)."""

    retryable = False


class StallTimeout(ApiTimeout):
    """Data stopped flowing for longer than the stall limit."""

    retryable = False


class WriteTimeout(ApiTimeout):
    """The server stopped reading the request for longer than the write limit."""

    retryable = False


class HeadersTimeout(ApiTimeout):
    """The server took the request but its answer's headers did not come in time
    (silent, or dripping them a byte at a time)."""

    retryable = False


# --- failures after the answer began ----------------------------------------


class StreamError(ApiError):
    """The stream failed after HTTP 200: cut, an error event, or an unusable body."""


class StreamInterrupted(StreamError):
    """The connection ended before the answer finished; the partial text is kept."""


class StreamErrorEvent(StreamError):
    """The server sent `data: {"error": …}` in the middle of the stream."""


class ProtocolError(StreamError):
    """The server's answer could not be understood at all."""


class StreamLineTooLong(StreamError):
    """One line of the stream grew past the limit without ending."""


# --- turning an HTTP error answer into one of the above ----------------------

_MAX_SERVER_TEXT = 300


def server_message(body: bytes) -> str | None:
    """What an error body says, whatever its content type: JSON, text, HTML, empty."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if data is not None:
        if isinstance(data, dict):
            value = data.get("error", data.get("detail", data.get("message", data)))
            message = error_message(value)
        else:
            message = error_message(data)
        return _clip(message) or None
    lowered = text[:500].lower()
    if lowered.startswith(("<!doctype", "<html")) or "<html" in lowered:
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.IGNORECASE | re.DOTALL)
        found = title or heading
        if found:
            plain = re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip()
            return _clip(f"an HTML page titled “{plain}”") if plain else "an HTML page"
        return "an HTML page"
    return _clip(text.splitlines()[0])


def error_message(error: Any) -> str:
    """The human part of an `error` value, whatever its shape."""
    if isinstance(error, dict):
        for key in ("message", "msg", "detail", "error"):
            value = error.get(key)
            if isinstance(value, str) and value.strip():
                return hide_keys(value.strip())
        return _clip(json.dumps(error, ensure_ascii=False))
    return _clip(str(error))


def _clip(text: str) -> str:
    text = hide_keys(" ".join(text.split()))
    return text if len(text) <= _MAX_SERVER_TEXT else text[: _MAX_SERVER_TEXT - 1] + "…"


def _with(message: str, said: str | None) -> str:
    """Our sentence, then what the server said, unless that only repeats it ("Rate
    limit reached" after "Rate or concurrency limit reached (HTTP 429)")."""
    if said and not set(_words(said)) <= set(_words(message)):
        return f"{message}: {said.rstrip('.')}."
    return f"{message}."


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def key_rejected(provider: str = "deepseek") -> str:
    """The one sentence for an API key the server refused (HTTP 401), naming how to
    set another for `provider`."""
    flag = "" if provider == "deepseek" else f" --provider {provider}"
    whose = "" if provider == "deepseek" else f"{provider.capitalize()} "
    return (
        f"The {whose}API key was rejected (HTTP 401): set a valid key in Settings "
        f"(^s) or with `deepseek-tui key set{flag}`."
    )


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


NO_CONTINUE = (
    "This server does not support continuing an answer (it has no /beta endpoint); "
    "regenerate it instead."
)


def retry_reason(error: ApiError) -> str:
    """Why an attempt is repeated, in a few lower-case words (for "… retrying 2/3")."""
    if isinstance(error, RateLimitError):
        return "rate limited"
    if isinstance(error, StatusError):
        return f"server error {error.status}"
    if isinstance(error, ApiTimeout):
        return "timed out"
    if isinstance(error, TransportError):
        return "connection failed"
    return "failed"


def error_for_status(
    status: int, body: bytes, *, url: str = "", retry_after: str | None = None
) -> StatusError:
    """One typed error with one plain sentence for an HTTP error answer."""
    said = server_message(body)
    wait = retry_after_seconds(retry_after)
    kwargs = {"status": status, "server_message": said, "retry_after": wait}
    if status == 400:
        return BadRequestError(_with("The server rejected the request (HTTP 400)", said), **kwargs)
    if status == 401:
        return AuthenticationError(key_rejected(), **kwargs)
    if status in (402, 406):
        # 402 is DeepSeek's (its /user/balance tells what is left); 406 Segmind's.
        see = "; `deepseek-tui balance` shows what is left" if status == 402 else ""
        return InsufficientBalanceError(
            f"Your account has no balance left (HTTP {status}): top up your balance{see}.",
            **kwargs,
        )
    if status == 404:
        where = f" at {url}" if url else ""
        return NotFoundError(f"Nothing was found{where} (HTTP 404): check the base URL.", **kwargs)
    if status == 422:
        return InvalidParametersError(
            _with("The server found the request's parameters invalid (HTTP 422)", said), **kwargs
        )
    if status == 429:
        return RateLimitError(
            _with("Rate or concurrency limit reached (HTTP 429)", said),
            **kwargs,
        )
    if status >= 500:
        what = {
            500: "The server had an internal error (HTTP 500)",
            502: "The gateway got a bad answer from the server (HTTP 502)",
            503: "The server is overloaded (HTTP 503)",
            504: "The gateway timed out waiting for the server (HTTP 504)",
        }.get(status, f"The server failed (HTTP {status})")
        return ServerError(_with(what, said), **kwargs)
    return StatusError(_with(f"The server answered HTTP {status}", said), **kwargs)
