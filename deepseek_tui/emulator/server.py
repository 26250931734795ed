"""A DeepSeek-compatible HTTP server on 127.0.0.1 with injectable faults, for --demo and tests."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import socket
import socketserver
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from deepseek_tui.emulator.chunks import (
    Completion,
    HugeReasoning,
    ToolCallPieces,
    completion_body,
    encode,
    error_body,
    stream_chunks,
)
from deepseek_tui.emulator.replies import count_tokens, reply_for, split_tokens
from deepseek_tui.emulator.segmind import Jobs, state, status_body, submitted
from deepseek_tui.emulator.tools import call_id, plan_tools
from deepseek_tui.emulator.validation import (
    MODELS,
    ChatRequest,
    Rejected,
    check_context,
    parse_chat_request,
)

__all__ = ["Emulator", "Faults", "RecordedRequest"]


@dataclass
class Faults:
    """Misbehaviour to inject. Tests may change or replace it between requests: each request
    works on its own copy, except `error_count`, which counts down on the live object.

    "After N chunks" counts `data:` chunks (the role chunk included); when the reply is
    shorter, the fault fires just before `[DONE]`, so it is always observable.
    """

    keepalive_before: float = 0.0  # seconds of ": keep-alive" comments (non-stream: "\n") first
    keepalive_interval: float = 0.05  # seconds between keep-alive comments
    token_delay: float = 0.0  # seconds between chunks
    pieces_per_chunk: int = 1  # tokens in one delta (usage still counts each)
    error_status: int | None = None  # answer chat requests with this HTTP status…
    error_body: str | None = None  # …and this raw body (None: DeepSeek's JSON for the status)
    error_content_type: str = "application/json"  # "" sends no Content-Type at all
    error_message: str | None = None  # the message inside the default JSON error body
    error_count: int = -1  # how many requests get the error; -1 = all
    retry_after: str | None = None  # a Retry-After header value sent with the error
    cut_after: int | None = None  # drop the connection after N chunks (no [DONE])
    stall_after: int | None = None  # after N chunks only keep-alives for stall_seconds, then drop
    stall_seconds: float = 30.0
    garbage_after: int | None = None  # one "data: {not json" line after N chunks
    error_event_after: int | None = None  # a `data: {"error": …}` event after N chunks, then end
    # How that error is framed: "data" (`data: {"error": {…}}`, DeepSeek's), "event"
    # (`event: error` + `data: {"message": …}`, a gateway's) or "event_text" (`event:
    # error` + the message as plain text).
    error_event_style: str = "data"
    bom: bool = False  # a UTF-8 byte-order mark before the stream's first byte
    long_line: int = 0  # one `data:` line this many characters long that never ends, then silence
    # Chat requests that hang: "silent" (read the request, never answer), "no_read" (never
    # read the body) or "drip_headers" (headers one byte every drip_interval, forever).
    hang: str | None = None
    drip_interval: float = 0.02
    finish_length: bool = False  # finish_reason "length", the answer cut at half
    # A thinking answer's reasoning replaced by this many characters, made as they
    # are sent (`chunks.HugeReasoning`), in deltas of `reasoning_chunk` characters.
    reasoning_chars: int = 0
    reasoning_chunk: int = 2_000
    reasoning_shape: str = "paragraphs"  # or "line": one line without a line end
    no_space: bool = False  # "data:{…}" without the space
    crlf: bool = False  # "\r\n" line endings
    reasoning_field: str = "reasoning_content"  # or "reasoning", or "think_tags" (in content)
    usage_chunk: str = "finish"  # or "separate": an extra chunk with "choices": [] and usage
    no_done: bool = False  # omit "data: [DONE]"
    segmind_seconds: float = 0.2  # how long a Segmind job takes (QUEUED, then PROCESSING)
    segmind_fail: str | None = None  # a Segmind job that ends FAILED with this error
    # Segmind polls (GET /v2/requests/…) answered with this status (429, 502…), with
    # `retry_after` as its Retry-After; counts down on the live object like error_count.
    segmind_poll_error: int | None = None
    segmind_poll_error_count: int = 1
    no_beta: bool = False  # /beta/… is 404, as on a gateway without DeepSeek's beta API
    extra_delta: str | None = None  # one more content delta after extra_delta_after chunks;
    extra_delta_after: int = 1  # a lone surrogate in it goes out as its JSON escape ("\\ud800")
    # A hostile or broken metadata server: GET /models and /user/balance answered with
    # this raw body (None: the real shape) and status.
    models_body: str | None = None
    models_status: int = 200
    balance_body: str | None = None
    balance_status: int = 200


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; header names are lower-case, body is parsed JSON or None."""

    method: str
    path: str
    headers: dict[str, str] = field(hash=False)
    body: Any = field(hash=False)


# Default bodies for injected error statuses. DeepSeek's own 429/500/503 bodies were
# never captured; their `type` values follow OpenAI's naming (unverified).
_FAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("Model Not Exist", "invalid_request_error"),
    402: ("Insufficient Balance", "unknown_error"),
    422: ("Invalid Parameters", "invalid_request_error"),
    429: ("Rate Limit Reached", "rate_limit_error"),
    500: ("Server Error", "server_error"),
    503: ("Server Overloaded", "server_error"),
}
_ROUTES: dict[str, tuple[str, str]] = {
    "/chat/completions": ("chat", "POST"),
    "/v1/chat/completions": ("chat", "POST"),
    "/beta/chat/completions": ("chat", "POST"),
    "/models": ("models", "GET"),
    "/v1/models": ("models", "GET"),
    "/user/balance": ("balance", "GET"),
    "/v1/user/balance": ("balance", "GET"),
}
_MISSING_AUTH = b"Authorization header is missing"  # 31 bytes, like the real one
_BAD_AUTH_FORMAT = "Authentication Fails (auth header format should be Bearer sk-...)"


class Emulator:
    """DeepSeek's API on a local port: start(), point a client at base_url, stop()."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        faults: Faults | None = None,
        api_keys: Collection[str] | None = None,
        balance: str = "12.34",
        currency: str = "USD",
        credits: float = 100.0,
    ) -> None:
        self.host = host
        self.port = port
        self.faults = faults if faults is not None else Faults()
        self.api_keys = frozenset(api_keys) if api_keys is not None else None
        self.balance = balance
        self.currency = currency
        self.credits = credits  # Segmind's, in dollars
        self.jobs = Jobs()
        self.requests: list[RecordedRequest] = []
        # Unexpected exceptions inside handlers; kept instead of printed (the TUI owns stderr).
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._prompts: deque[str] = deque(maxlen=64)
        # Every model's context window in tokens, when a test wants a small one.
        self.context_window: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Emulator:
        """Bind and serve in a daemon thread; returns self so `Emulator().start()` chains."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.host, self.port), self)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=self._serve, args=(server,), name=f"deepseek-emulator-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop every open connection, stalled streams included."""
        with self._lock:  # stop() may race with serve_forever()'s own stop()
            server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes every handler that is waiting inside a fault
        server.wake()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        server.server_close()
        server.close_connections()

    def serve_forever(self) -> None:
        """Serve in the foreground until KeyboardInterrupt (or stop() from another thread)."""
        self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self, server: _Server) -> None:
        # handle_request() blocks in select() without polling; stop() wakes it by connecting.
        while not self._stopping.is_set():
            server.handle_request()

    # --- state shared by handler threads ---------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _take_faults(self) -> tuple[Faults, bool]:
        """A private copy of the faults, and whether this request gets the injected error."""
        with self._lock:
            live = self.faults
            inject = live.error_status is not None and live.error_count != 0
            if inject and live.error_count > 0:
                live.error_count -= 1  # counts down on the live object: "errors left"
            return dataclasses.replace(live), inject

    def _take_poll_fault(self) -> int | None:
        """The status a Segmind poll gets instead of its answer, if any is left."""
        with self._lock:
            live = self.faults
            if live.segmind_poll_error is None or live.segmind_poll_error_count == 0:
                return None
            if live.segmind_poll_error_count > 0:
                live.segmind_poll_error_count -= 1
            return live.segmind_poll_error

    def _balance_available(self) -> bool:
        try:
            return float(self.balance) > 0
        except ValueError:
            return False

    def _balance_body(self) -> dict[str, Any]:
        return {
            "is_available": self._balance_available(),
            "balance_infos": [
                {
                    "currency": self.currency,
                    "total_balance": self.balance,
                    "granted_balance": "0.00",
                    "topped_up_balance": self.balance,
                }
            ],
        }

    def _complete(self, request: ChatRequest, faults: Faults) -> Completion:
        """Write the answer and cut it the way max_tokens, stop and finish_length demand."""
        answer_id = str(uuid.uuid4())
        plan = plan_tools(request.messages, request.tools)
        calls: tuple[ToolCallPieces, ...] = ()
        if plan is None:
            reasoning, content = reply_for(request.messages, thinking=request.thinking)
        else:
            reasoning = plan.reasoning if request.thinking else None
            content = plan.text
            calls = tuple(
                ToolCallPieces(
                    call_id(i, answer_id), call.name, tuple(split_tokens(call.arguments))
                )
                for i, call in enumerate(plan.calls)
            )
        finish = "tool_calls" if calls else "stop"
        if request.json_mode:
            # JSON mode: the answer is one JSON object (compact, so stop sequences and
            # max_tokens still cut it where a test expects).
            content = json.dumps({"answer": content}, ensure_ascii=False)
        content = _apply_stop(content, request.stop)
        thought = split_tokens(reasoning or "")
        answer = split_tokens(content)
        if faults.finish_length:
            answer, finish, calls = answer[: len(answer) // 2], "length", ()
        reasoning_done = True
        limit = request.max_tokens
        if limit is not None and len(thought) + len(answer) > limit:
            finish, calls = "length", ()
            # max_tokens counts reasoning too, so it can run out while still thinking.
            reasoning_done = limit >= len(thought)
            thought, answer = thought[:limit], answer[: max(0, limit - len(thought))]
        prompt = _prompt_text(request)
        prompt_tokens = count_tokens(prompt)
        return Completion(
            id=answer_id,
            created=int(time.time()),
            model=request.model,
            thinking=request.thinking,
            reasoning=tuple(thought),
            content=tuple(answer),
            finish_reason=finish,
            prompt_tokens=prompt_tokens,
            cache_hit_tokens=min(self._cache_hit(prompt), prompt_tokens),
            reasoning_done=reasoning_done,
            tool_calls=calls,
        )

    def _cache_hit(self, prompt: str) -> int:
        """Tokens of the longest prefix shared with an earlier prompt, in 64-token units."""
        with self._lock:
            shared = max((_shared_prefix(prompt, p) for p in self._prompts), default=0)
            self._prompts.append(prompt)
        return shared // 4 // 64 * 64


def _shared_prefix(a: str, b: str) -> int:
    """Length of the common prefix; a binary search keeps the comparisons in C."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _apply_stop(content: str, stops: tuple[str, ...]) -> str:
    cuts = [i for i in (content.find(s) for s in stops) if i >= 0]
    return content[: min(cuts)] if cuts else content


# What a message carries besides its text, counted (and cached) as its JSON.
_MESSAGE_EXTRAS = ("reasoning_content", "tool_calls", "tool_call_id")


def _prompt_text(request: ChatRequest) -> str:
    """The prompt as the model reads it: the tools offered, then each message. Tool
    calls and passed-back reasoning count as their JSON, so a history replayed with
    other bytes misses the prefix cache, as DeepSeek's does."""
    parts = [f"tools\n{encode(list(request.tools))}\n\n"] if request.tools else []
    for m in request.messages:
        extras = {key: m[key] for key in _MESSAGE_EXTRAS if key in m}
        extra = f"{encode(extras)}\n" if extras else ""
        parts.append(f"{m.get('role')}\n{m.get('content') or ''}\n{extra}\n")
    return "".join(parts)


def _segmind_v1(path: str) -> bool:
    """`/v1/{model}` that is not one of DeepSeek's own /v1 routes: Segmind's sync API."""
    return path.startswith("/v1/") and path not in _ROUTES and path.count("/") == 2


def _auth_failure(key: str) -> str:
    return f"Authentication Fails, Your api key: ****{key[-4:]} is invalid"


def _models_body() -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "owned_by": "deepseek"}
            for name, spec in MODELS.items()
            if spec.listed
        ],
    }


# --- HTTP server ------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that never blocks shutdown and can drop its open connections."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    # A fallback only: stop() normally wakes the accept loop at once through wake().
    timeout = 0.5

    def wake(self) -> None:
        """Unblock handle_request() with a throw-away loopback connection."""
        with contextlib.suppress(OSError):
            socket.create_connection(self.server_address[:2], timeout=0.2).close()

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can stall offline.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handlers blocked on idle keep-alive connections and end stalled streams."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):
            self.emulator.errors.append(error)


class _Abort(Exception):
    """Close the connection now, without finishing the response (a cut, not an answer)."""


class _ChunkedWriter:
    """Writes a chunked body; batches writes when there is no delay between events."""

    def __init__(self, wfile: BinaryIO, *, batch: bool) -> None:
        self._wfile = wfile
        self._batch = batch
        self._buffer: list[bytes] = []
        self._size = 0

    def write(self, text: str) -> None:
        # backslashreplace turns a lone surrogate into its JSON escape, keeping JSON valid.
        data = text.encode("utf-8", "backslashreplace")
        if not self._batch:
            self._send(data)
            return
        self._buffer.append(data)
        self._size += len(data)
        if self._size >= 16384:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            data = b"".join(self._buffer)
            self._buffer.clear()
            self._size = 0
            self._send(data)

    def finish(self) -> None:
        self.flush()
        self._wfile.write(b"0\r\n\r\n")

    def _send(self, data: bytes) -> None:
        self._wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


@dataclass(frozen=True)
class _Framing:
    """How SSE lines look on the wire under the current faults."""

    no_space: bool
    crlf: bool

    @property
    def eol(self) -> str:
        return "\r\n" if self.crlf else "\n"

    def data(self, payload: str) -> str:
        return f"data:{'' if self.no_space else ' '}{payload}{self.eol}{self.eol}"

    def comment(self) -> str:
        return f": keep-alive{self.eol}{self.eol}"


def _position(after: int | None, total: int) -> int | None:
    """Where a fault fires: after N data chunks, or just before [DONE] if the reply is shorter."""
    return None if after is None else min(max(after, 0), total)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small SSE writes must leave at once
    server: _Server

    def version_string(self) -> str:
        return "CW"  # the Server header DeepSeek's edge sends

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a demo runs inside the TUI: nothing may print

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    def _handle(self) -> None:
        try:
            self._route()
        except _Abort:
            self.close_connection = True
        except OSError:
            self.close_connection = True  # the client went away

    def _route(self) -> None:
        path = urlsplit(self.path).path
        if _ROUTES.get(path, ("", ""))[0] == "chat" and self.emulator.faults.hang == "no_read":
            self._hang("no_read")  # the body stays in the socket; the client's write blocks
        raw = self._read_body()
        if path.startswith("/_emulator/"):
            self._control(path, raw)
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.emulator._record(RecordedRequest(self.command, path, headers, _json_or_none(raw)))
        if path.startswith("/v2/") or _segmind_v1(path):
            self._segmind(path, raw)
            return
        route = _ROUTES.get(path)
        hang = self.emulator.faults.hang if route is not None and route[0] == "chat" else None
        if hang is not None:
            self._hang(hang)
            return
        if route is None or (path.startswith("/beta/") and self.emulator.faults.no_beta):
            self._send(404)
            return
        name, method = route
        if self.command != method:
            self._send(405, headers={"Allow": method})
            return
        key = self._authorize()
        if key is None:
            return
        faults = self.emulator.faults
        if name == "models" and faults.models_body is not None:
            self._send_raw_json(faults.models_status, faults.models_body)
        elif name == "models":
            self._send_json(200, _models_body())
        elif name == "balance" and faults.balance_body is not None:
            self._send_raw_json(faults.balance_status, faults.balance_body)
        elif name == "balance":
            self._send_json(200, self.emulator._balance_body())
        else:
            self._chat(raw, key, beta=path.startswith("/beta/"))

    # --- request plumbing ------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            try:
                size = int(self.rfile.readline(65537).split(b";")[0].strip() or b"0", 16)
            except ValueError:
                self.close_connection = True
                return b"".join(parts)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _authorize(self) -> str | None:
        """The Bearer key, or None after answering 401 like DeepSeek does."""
        header = self.headers.get("Authorization")
        if header is None:
            self._send(401, _MISSING_AUTH)  # plain bytes, no content type, like the real API
            return None
        scheme, _, key = header.strip().partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            self._send_error(401, _BAD_AUTH_FORMAT, "authentication_error")
            return None
        keys = self.emulator.api_keys
        if keys is not None and key not in keys:
            self._send_error(401, _auth_failure(key), "authentication_error")
            return None
        return key

    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        body = encode(obj).encode("utf-8", "backslashreplace")
        self._send(status, body, "application/json", headers)

    def _send_raw_json(self, status: int, body: str) -> None:
        self._send(status, body.encode("utf-8", "backslashreplace"), "application/json")

    def _send_error(self, status: int, message: str, type_: str) -> None:
        self._send_json(status, error_body(message, type_))

    def _hang(self, mode: str) -> None:
        """Never finish answering; end (cutting the connection) only when the emulator stops."""
        if mode == "drip_headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for number in range(sys.maxsize):
                for byte in b"X-Drip-%d: 1\r\n" % number:
                    self.wfile.write(bytes((byte,)))
                    self.wfile.flush()
                    self._wait(max(self.emulator.faults.drip_interval, 0.001))
        self.emulator._stopping.wait()
        raise _Abort

    def _wait(self, seconds: float) -> None:
        """Sleep, but end the response at once when the emulator stops."""
        if seconds > 0 and self.emulator._stopping.wait(seconds):
            raise _Abort

    # --- Segmind v1 and v2 --------------------------------------------------------

    def _segmind(self, path: str, raw: bytes) -> None:
        emulator = self.emulator
        key = self.headers.get("x-api-key", "").strip()
        credits = {"x-remaining-credits": f"{emulator.credits:.4f}"}
        if not key or (emulator.api_keys is not None and key not in emulator.api_keys):
            self._send_json(401, {"error": "User authentication failed"})
            return
        parts = path.strip("/").split("/")
        faults, inject = emulator._take_faults()
        if inject:
            self._send_fault_error(faults, key)
            return
        if parts[:2] == ["v2", "requests"] and self.command == "GET" and len(parts) in (3, 4):
            self._segmind_poll(parts, faults, credits)
            return
        if len(parts) != 2 or self.command != "POST":
            self._send(404)
            return
        if emulator.credits <= 0:
            self._send_json(406, {"error": "Not enough credits"}, credits)
            return
        body = _json_or_none(raw)
        if not isinstance(body, dict):
            self._send_json(400, {"error": "Request body must be a JSON object"})
            return
        # Segmind does not forward tools: a request that offers some is answered without.
        body = {**body, "model": parts[1], "stream": False}
        body.pop("tools", None)
        body.pop("tool_choice", None)
        try:
            request = parse_chat_request(encode(body).encode(), beta=False)
        except Rejected as rejected:
            self._send_json(400, {"error": rejected.message})
            return
        completion = emulator._complete(request, faults)
        answer = completion_body(completion, reasoning_field=faults.reasoning_field)
        if parts[0] == "v1":  # synchronous: the answer itself, once the job is done
            self._wait(faults.segmind_seconds)
            self._send_json(200, answer, credits)
            return
        job = emulator.jobs.add(encode(answer), faults.segmind_fail)
        self._send_json(200, submitted(job, emulator.base_url), credits)

    def _segmind_poll(self, parts: list[str], faults: Faults, credits: dict[str, str]) -> None:
        """GET /v2/requests/{id}[/status]: the job's state, or its result."""
        failing = self.emulator._take_poll_fault()
        if failing is not None:
            headers = {"Retry-After": faults.retry_after} if faults.retry_after is not None else {}
            self._send_json(failing, {"error": _phrase(failing)}, headers)
            return
        job = self.emulator.jobs.get(parts[2])
        if job is None or (len(parts) == 4 and parts[3] != "status"):
            self._send_json(404, {"error": "Request not found or expired"})
            return
        status = state(job, faults.segmind_seconds)
        body = status_body(job, status, with_output=len(parts) == 3)
        self._send_json(422 if status == "FAILED" else 200, body, credits)

    # --- chat ------------------------------------------------------------------

    def _chat(self, raw: bytes, key: str, *, beta: bool) -> None:
        faults, inject = self.emulator._take_faults()
        if inject:
            self._send_fault_error(faults, key)
            return
        if not self.emulator._balance_available():
            self._send_error(402, "Insufficient Balance", "unknown_error")
            return
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            body = b"Expected request with `Content-Type: application/json`"
            self._send(415, body, "text/plain; charset=utf-8")
            return
        try:
            request = parse_chat_request(raw, beta=beta)
            prompt_tokens = count_tokens(_prompt_text(request))
            check_context(request, prompt_tokens, self.emulator.context_window)
        except Rejected as rejected:
            self._send_error(rejected.status, rejected.message, rejected.type)
            return
        completion = self.emulator._complete(request, faults)
        if request.stream:
            self._stream(completion, request, faults)
        else:
            self._respond(completion, faults)

    def _send_fault_error(self, faults: Faults, key: str) -> None:
        status = faults.error_status or 500
        headers = {"Retry-After": faults.retry_after} if faults.retry_after is not None else {}
        if faults.error_body is not None:
            body = faults.error_body.encode("utf-8", "backslashreplace")
        else:
            if status == 401:
                message, type_ = _auth_failure(key), "authentication_error"
            else:
                default_type = "server_error" if status >= 500 else "invalid_request_error"
                message, type_ = _FAULT_ERRORS.get(status, (_phrase(status), default_type))
            message = faults.error_message if faults.error_message is not None else message
            body = encode(error_body(message, type_)).encode("utf-8", "backslashreplace")
        self._send(status, body, faults.error_content_type, headers)

    def _stream(self, completion: Completion, request: ChatRequest, faults: Faults) -> None:
        chunks: Sequence[dict[str, Any]]
        if faults.reasoning_chars and completion.thinking:
            chunks = HugeReasoning(
                completion,
                faults.reasoning_chars,
                chunk=faults.reasoning_chunk,
                shape=faults.reasoning_shape,
            )
        else:
            chunks = stream_chunks(
                completion,
                include_usage=request.include_usage,
                reasoning_field=faults.reasoning_field,
                usage_chunk=faults.usage_chunk,
                pieces_per_chunk=faults.pieces_per_chunk,
            )
        framing = _Framing(no_space=faults.no_space, crlf=faults.crlf)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        out = _ChunkedWriter(self.wfile, batch=faults.token_delay <= 0)
        if faults.bom:
            out.write("\ufeff")
        self._keep_alive(out, framing.comment(), faults.keepalive_before, faults)
        if faults.long_line > 0:
            self._endless_line(out, faults.long_line)
        for position in range(len(chunks) + 1):
            if self._fault_ends_stream(position, len(chunks), out, framing, faults):
                return
            if position == len(chunks):
                break
            if position:
                self._wait(faults.token_delay)
            out.write(framing.data(encode(chunks[position])))
        if not faults.no_done:
            out.write(framing.data("[DONE]"))
        out.finish()

    def _fault_ends_stream(
        self, position: int, total: int, out: _ChunkedWriter, framing: _Framing, faults: Faults
    ) -> bool:
        """Inject the faults due after `position` data chunks; True when the stream is over."""
        if position == _position(faults.cut_after, total):
            out.flush()
            raise _Abort
        if position == _position(faults.stall_after, total):
            out.flush()
            self._stall(out, framing.comment(), faults)
        if position == _position(faults.error_event_after, total):
            message = faults.error_message or "Internal server error"
            if faults.error_event_style == "data":
                out.write(framing.data(encode(error_body(message, "server_error"))))
            else:
                text = message
                if faults.error_event_style == "event":
                    text = encode({"message": message, "code": "upstream_error"})
                out.write(f"event: error{framing.eol}{framing.data(text)}")
            out.finish()  # a clean end of the HTTP body, but no finish_reason and no [DONE]
            return True
        if position == _position(faults.garbage_after, total):
            out.write(framing.data("{not json"))
        if faults.extra_delta is not None and position == _position(
            faults.extra_delta_after, total
        ):
            delta = {"index": 0, "delta": {"content": faults.extra_delta}, "finish_reason": None}
            out.write(framing.data(encode({"object": "chat.completion.chunk", "choices": [delta]})))
        return False

    def _endless_line(self, out: _ChunkedWriter, size: int) -> None:
        """`data: xxx…` of `size` characters and no line end; then nothing until stop."""
        out.write("data: ")
        for start in range(0, size, 65536):
            out.write("x" * min(65536, size - start))
        out.flush()
        self.emulator._stopping.wait()
        raise _Abort

    def _keep_alive(self, out: _ChunkedWriter, line: str, seconds: float, faults: Faults) -> None:
        """Send `line` every keepalive_interval for `seconds`, like a queued request."""
        if seconds <= 0:
            return
        interval = max(faults.keepalive_interval, 0.001)
        for _ in range(max(1, math.ceil(seconds / interval - 1e-9))):
            out.write(line)
            out.flush()
            self._wait(interval)

    def _stall(self, out: _ChunkedWriter, line: str, faults: Faults) -> None:
        """Keep the connection open with comments only, then drop it."""
        interval = max(faults.keepalive_interval, 0.001)
        deadline = time.monotonic() + faults.stall_seconds
        while (remaining := deadline - time.monotonic()) > 0:
            out.write(line)
            out.flush()
            self._wait(min(interval, remaining))
        raise _Abort

    def _respond(self, completion: Completion, faults: Faults) -> None:
        """A non-streaming answer, possibly after blank lines (DeepSeek's queue keep-alive)."""
        body = encode(completion_body(completion, reasoning_field=faults.reasoning_field))
        data = body.encode("utf-8", "backslashreplace")
        blank = b"\r\n" if faults.crlf else b"\n"
        interval = max(faults.keepalive_interval, 0.001)
        blanks = 0
        if faults.keepalive_before > 0:
            blanks = max(1, math.ceil(faults.keepalive_before / interval - 1e-9))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data) + blanks * len(blank)))
        self.end_headers()
        for _ in range(blanks):
            self.wfile.write(blank)
            self._wait(interval)
        if faults.stall_after is not None:
            self._wait(faults.stall_seconds)  # nothing arrives, then the connection drops
            raise _Abort
        if faults.cut_after is not None:
            self.wfile.write(data[: len(data) // 2])
            raise _Abort
        self.wfile.write(data)

    # --- control endpoints (for tests in another process) ---------------------------

    def _control(self, path: str, raw: bytes) -> None:
        emulator = self.emulator
        if path == "/_emulator/faults" and self.command == "POST":
            try:
                emulator.faults = _faults_from_json(raw)
            except ValueError as err:
                self._send_error(400, str(err), "invalid_request_error")
                return
            self._send_json(200, dataclasses.asdict(emulator.faults))
        elif path == "/_emulator/faults" and self.command == "GET":
            self._send_json(200, dataclasses.asdict(emulator.faults))
        elif path == "/_emulator/requests" and self.command == "GET":
            with emulator._lock:
                bodies = [r.body for r in emulator.requests if r.path.endswith("chat/completions")]
            self._send_json(200, bodies)
        elif path == "/_emulator/requests" and self.command == "DELETE":
            with emulator._lock:
                emulator.requests.clear()
            self._send_json(200, [])
        else:
            self._send(404)


def _phrase(status: int) -> str:
    return BaseHTTPRequestHandler.responses.get(status, ("Error",))[0]


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        return None


_FAULT_TYPES: dict[str, tuple[type, ...]] = {
    "float": (int, float),
    "int": (int,),
    "str": (str,),
    "bool": (bool,),
}


def _faults_from_json(raw: bytes) -> Faults:
    """Faults from a JSON object; unknown fields and wrong types are a ValueError."""
    try:
        values = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ValueError("the body must be a JSON object of Faults fields") from None
    if not isinstance(values, dict):
        raise ValueError("the body must be a JSON object of Faults fields")
    fields = {f.name: str(f.type) for f in dataclasses.fields(Faults)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"unknown Faults fields: {', '.join(unknown)}")
    for name, value in values.items():
        annotation = fields[name]
        if value is None and "None" in annotation:
            continue
        allowed = _FAULT_TYPES[annotation.split("|")[0].strip()]
        if isinstance(value, bool) != (bool in allowed) or not isinstance(value, allowed):
            raise ValueError(f"Faults.{name} must be {annotation}, not {value!r}")
    return Faults(**values)
