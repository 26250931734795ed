"""The emulator over real loopback HTTP: DeepSeek's exact wire format, every fault, every check."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.emulator.replies import reply_for
from tests.helpers import TEST_KEY

CHUNK_KEYS = ["id", "object", "created", "model", "system_fingerprint", "choices"]
CHOICE_KEYS = ["index", "delta", "logprobs", "finish_reason"]
USAGE_KEYS = [
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "prompt_tokens_details",
    "prompt_cache_hit_tokens",
    "prompt_cache_miss_tokens",
]
THINKING_USAGE_KEYS = [*USAGE_KEYS[:4], "completion_tokens_details", *USAGE_KEYS[4:]]
AUTH = {"Authorization": f"Bearer {TEST_KEY}"}
R1_REASONING = (
    "The reasoning_content is an intermediate result for display purposes only and will not "
    "be included in the context for inference. Please remove the reasoning_content from your "
    "message to reduce network traffic."
)


@pytest.fixture
def server(emulator: Emulator) -> Iterator[Emulator]:
    """The shared emulator, checked afterwards for exceptions its handlers swallowed."""
    yield emulator
    assert emulator.errors == []


@pytest.fixture
def http(server: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=5) as client:
        yield client


def chat(text: str = "hello", model: str = "deepseek-chat", **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **fields}


def stream_text(http: httpx.Client, body: dict[str, Any], path: str = "/chat/completions") -> str:
    with http.stream("POST", path, json={**body, "stream": True}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["transfer-encoding"] == "chunked"
        return response.read().decode()


def payloads(raw: str) -> list[str]:
    """The `data:` payloads of an SSE body, in order."""
    events = raw.replace("\r\n", "\n").split("\n\n")
    return [e.removeprefix("data:").lstrip(" ") for e in events if e.startswith("data:")]


def chunks_of(raw: str) -> list[dict[str, Any]]:
    return [json.loads(p) for p in payloads(raw) if p != "[DONE]"]


def deltas(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c["choices"][0]["delta"] for c in chunks if c["choices"]]


def read_until_failure(http: httpx.Client, body: dict[str, Any]) -> tuple[str, Exception | None]:
    """Everything that arrived, and the transport error that ended it (if any)."""
    received = b""
    with http.stream("POST", "/chat/completions", json={**body, "stream": True}) as response:
        try:
            for data in response.iter_raw():
                received += data
        except httpx.TransportError as error:
            return received.decode(), error
    return received.decode(), None


# --- chunk shapes ------------------------------------------------------------------


def test_chat_model_streams_deepseeks_exact_chunk_shape(http: httpx.Client) -> None:
    raw = stream_text(http, chat("what is a monad?"))
    assert raw.endswith("data: [DONE]\n\n")
    assert all(e.startswith("data: {") for e in raw.split("\n\n")[:-2])
    chunks = chunks_of(raw)
    assert len(chunks) > 5
    for chunk in chunks:
        assert list(chunk)[:6] == CHUNK_KEYS
        assert chunk["object"] == "chat.completion.chunk"
        assert chunk["model"] == "deepseek-chat"
        assert chunk["system_fingerprint"].startswith("fp_")
        assert list(chunk["choices"][0]) == CHOICE_KEYS
        assert chunk["choices"][0]["logprobs"] is None
    assert uuid.UUID(chunks[0]["id"]).version == 4
    assert {c["id"] for c in chunks} == {chunks[0]["id"]}
    assert {c["created"] for c in chunks} == {chunks[0]["created"]}
    found = deltas(chunks)
    assert found[0] == {"role": "assistant", "content": ""}
    assert all(list(d) == ["content"] for d in found[1:])
    assert found[-1] == {"content": ""}
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert ["usage" in c for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert (
        "".join(d["content"] for d in found)
        == reply_for([{"role": "user", "content": "what is a monad?"}], thinking=False)[1]
    )


def test_usage_rides_on_the_finish_chunk_and_adds_up(http: httpx.Client) -> None:
    chunks = chunks_of(stream_text(http, chat("echo: one two three")))
    usage = chunks[-1]["usage"]
    assert list(usage) == USAGE_KEYS
    assert usage["completion_tokens"] == len(chunks) - 2  # minus the role and finish chunks
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens"] == (
        usage["prompt_cache_hit_tokens"] + usage["prompt_cache_miss_tokens"]
    )
    assert usage["prompt_tokens_details"] == {"cached_tokens": usage["prompt_cache_hit_tokens"]}


def test_reasoner_streams_null_and_empty_string_pattern(http: httpx.Client) -> None:
    chunks = chunks_of(stream_text(http, chat("why is the sky blue?", "deepseek-reasoner")))
    found = deltas(chunks)
    assert found[0] == {"role": "assistant", "content": None, "reasoning_content": ""}
    body = found[1:-1]
    first_answer = next(i for i, d in enumerate(body) if d["content"] is not None)
    thinking, answering = body[:first_answer], body[first_answer:]
    assert thinking and answering
    assert all(list(d) == ["content", "reasoning_content"] for d in body)
    assert all(d["content"] is None and d["reasoning_content"] for d in thinking)
    assert all(d["content"] and d["reasoning_content"] is None for d in answering)
    assert found[-1] == {"content": "", "reasoning_content": None}
    usage = chunks[-1]["usage"]
    assert list(usage) == THINKING_USAGE_KEYS
    assert usage["completion_tokens_details"] == {"reasoning_tokens": len(thinking)}
    assert usage["completion_tokens"] == len(thinking) + len(answering)
    assert "sky blue" in "".join(d["reasoning_content"] for d in thinking)


def test_v4_models_think_by_default_and_on_request_only(http: httpx.Client) -> None:
    on = deltas(chunks_of(stream_text(http, chat("hi", "deepseek-v4-flash"))))
    assert on[0]["reasoning_content"] == ""
    off_body = chat("hi", "deepseek-v4-pro", thinking={"type": "disabled"})
    off = chunks_of(stream_text(http, off_body))
    assert all("reasoning_content" not in d for d in deltas(off))
    assert "completion_tokens_details" not in off[-1]["usage"]


def test_chat_model_never_thinks_even_when_asked(http: httpx.Client) -> None:
    found = deltas(chunks_of(stream_text(http, chat("hi", thinking={"type": "enabled"}))))
    assert all("reasoning_content" not in d for d in found)


def test_include_usage_puts_null_usage_on_every_earlier_chunk(http: httpx.Client) -> None:
    body = chat("hello", stream_options={"include_usage": True})
    chunks = chunks_of(stream_text(http, body))
    assert all(list(c)[-1] == "usage" and c["usage"] is None for c in chunks[:-1])
    assert chunks[-1]["usage"]["total_tokens"] > 0


def test_non_streaming_answer_has_the_completion_shape(http: httpx.Client) -> None:
    response = http.post("/chat/completions", json=chat("table please", "deepseek-reasoner"))
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    body = response.json()
    assert list(body) == [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "usage",
        "system_fingerprint",
    ]
    assert body["object"] == "chat.completion"
    (choice,) = body["choices"]
    assert list(choice) == ["index", "message", "logprobs", "finish_reason"]
    assert list(choice["message"]) == ["role", "content", "reasoning_content"]
    reasoning, content = reply_for([{"role": "user", "content": "table please"}], thinking=True)
    assert choice["message"]["content"] == content
    assert choice["message"]["reasoning_content"] == reasoning
    assert choice["finish_reason"] == "stop"
    assert list(body["usage"]) == THINKING_USAGE_KEYS


def test_repeated_prefix_is_a_cache_hit_in_64_token_units(http: httpx.Client) -> None:
    history = [{"role": "user", "content": "lorem ipsum " * 200}]
    first = http.post("/chat/completions", json={"model": "deepseek-chat", "messages": history})
    longer = [*history, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "?"}]
    second = http.post("/chat/completions", json={"model": "deepseek-chat", "messages": longer})
    assert first.json()["usage"]["prompt_cache_hit_tokens"] == 0
    usage = second.json()["usage"]
    assert usage["prompt_cache_hit_tokens"] > 0
    assert usage["prompt_cache_hit_tokens"] % 64 == 0
    assert (
        usage["prompt_cache_hit_tokens"] + usage["prompt_cache_miss_tokens"]
        == (usage["prompt_tokens"])
    )


def test_max_tokens_cuts_the_answer_with_length(http: httpx.Client) -> None:
    chunks = chunks_of(stream_text(http, chat("long 300", max_tokens=10)))
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["usage"]["completion_tokens"] == 10
    assert len(deltas(chunks)) == 12


def test_max_tokens_can_run_out_while_still_thinking(http: httpx.Client) -> None:
    response = http.post("/chat/completions", json=chat("hi", "deepseek-reasoner", max_tokens=5))
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["content"] == ""
    assert choice["message"]["reasoning_content"]
    assert response.json()["usage"]["completion_tokens_details"]["reasoning_tokens"] == 5


def test_stop_sequence_ends_the_answer_early(http: httpx.Client) -> None:
    response = http.post("/chat/completions", json=chat("echo: one two STOP three", stop="STOP"))
    choice = response.json()["choices"][0]
    assert choice["message"]["content"] == "one two "
    assert choice["finish_reason"] == "stop"


def test_lone_surrogates_are_echoed_as_valid_json(http: httpx.Client) -> None:
    text = "a\ud800b"
    body = json.dumps(chat(f"echo: {text}"))  # ensure_ascii keeps the surrogate escaped
    response = http.post(
        "/chat/completions", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.json()["choices"][0]["message"]["content"] == text


def test_long_answers_stream_about_n_chunks(http: httpx.Client) -> None:
    chunks = chunks_of(stream_text(http, chat("long 2000")))
    assert 1950 <= len(chunks) - 2 <= 2050
    assert chunks[-1]["usage"]["completion_tokens"] == len(chunks) - 2


def test_chunked_request_bodies_are_read(http: httpx.Client) -> None:
    body = json.dumps(chat("echo: chunked")).encode()
    response = http.post(
        "/chat/completions",
        content=iter([body[:10], body[10:]]),  # an iterator makes httpx send it chunked
        headers={"Content-Type": "application/json"},
    )
    assert response.json()["choices"][0]["message"]["content"] == "chunked"


def test_every_api_request_is_recorded_but_control_calls_are_not(
    server: Emulator, http: httpx.Client
) -> None:
    http.get("/models")
    http.get("/user/balance")
    http.post("/chat/completions", json=chat())
    http.get("/_emulator/requests")
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", "/models"),
        ("GET", "/user/balance"),
        ("POST", "/chat/completions"),
    ]
    assert server.requests[0].body is None


# --- faults on the wire ----------------------------------------------------------------


def test_keepalive_comments_come_before_the_first_data_line(
    server: Emulator, http: httpx.Client
) -> None:
    server.faults = Faults(keepalive_before=0.2, keepalive_interval=0.05)
    started = time.monotonic()
    raw = stream_text(http, chat())
    assert time.monotonic() - started >= 0.18
    assert raw.startswith(": keep-alive\n\n" * 4 + "data: {")


def test_non_streaming_keepalive_is_blank_lines_before_the_json(
    server: Emulator, http: httpx.Client
) -> None:
    server.faults = Faults(keepalive_before=0.1, keepalive_interval=0.05)
    response = http.post("/chat/completions", json=chat())
    assert response.text.startswith("\n\n{")
    assert response.json()["object"] == "chat.completion"


def test_token_delay_paces_the_chunks(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(token_delay=0.05)
    started = time.monotonic()
    chunks = chunks_of(stream_text(http, chat("echo: a b c")))
    assert len(chunks) == 5
    assert time.monotonic() - started >= 0.2


def test_cut_closes_the_connection_without_done(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(cut_after=3)
    received, error = read_until_failure(http, chat("long 200"))
    assert isinstance(error, httpx.RemoteProtocolError)
    assert len(payloads(received)) == 3
    assert "[DONE]" not in received


def test_cut_of_a_non_streaming_answer_is_an_incomplete_body(
    server: Emulator, http: httpx.Client
) -> None:
    server.faults = Faults(cut_after=0)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/chat/completions", json=chat())


def test_stall_sends_only_keepalives_then_drops(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(stall_after=2, stall_seconds=0.3, keepalive_interval=0.05)
    started = time.monotonic()
    received, error = read_until_failure(http, chat("long 200"))
    assert time.monotonic() - started >= 0.25
    assert isinstance(error, httpx.RemoteProtocolError)
    assert len(payloads(received)) == 2
    tail = received.split("\n\n")[2:]
    assert tail[:5] == [": keep-alive"] * 5
    assert set(tail) <= {": keep-alive", ""}


def test_garbage_line_then_the_stream_goes_on(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(garbage_after=2)
    raw = stream_text(http, chat("echo: a b c"))
    assert payloads(raw)[2] == "{not json"
    assert "data: {not json\n\n" in raw
    assert raw.endswith("data: [DONE]\n\n")


def test_error_event_ends_the_stream_without_done(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(error_event_after=2, error_message="upstream failed")
    found = payloads(stream_text(http, chat("echo: a b c")))
    assert len(found) == 3
    assert json.loads(found[-1]) == {
        "error": {
            "message": "upstream failed",
            "type": "server_error",
            "param": None,
            "code": "invalid_request_error",
        }
    }


@pytest.mark.parametrize(
    ("style", "frame"),
    [
        ("event", 'event: error\ndata: {"message":"upstream failed","code":"upstream_error"}\n\n'),
        ("event_text", "event: error\ndata: upstream failed\n\n"),
    ],
)
def test_error_event_can_come_as_a_gateways_event_error_frame(
    server: Emulator, http: httpx.Client, style: str, frame: str
) -> None:
    server.faults = Faults(
        error_event_after=2, error_message="upstream failed", error_event_style=style
    )
    raw = stream_text(http, chat("echo: a b c"))
    assert raw.endswith(frame)
    assert len(payloads(raw.removesuffix(frame))) == 2  # after two chunks, no [DONE]


def test_bom_comes_before_the_first_byte_of_the_stream(
    server: Emulator, http: httpx.Client
) -> None:
    server.faults = Faults(bom=True)
    with http.stream("POST", "/chat/completions", json={**chat(), "stream": True}) as response:
        raw = response.read()
    assert raw.startswith(b"\xef\xbb\xbfdata: {")
    assert raw.endswith(b"data: [DONE]\n\n")


def test_long_line_sends_one_data_line_that_never_ends(
    server: Emulator, http: httpx.Client
) -> None:
    server.faults = Faults(long_line=100_000)
    received = b""
    with http.stream("POST", "/chat/completions", json={**chat(), "stream": True}) as response:
        for piece in response.iter_bytes():
            received += piece
            if len(received) >= len("data: ") + 100_000:
                break
    assert received == b"data: " + b"x" * 100_000


def _raw_exchange(server: Emulator, body: bytes, *, until: bytes, limit: int) -> bytes:
    """Send a chat request on a bare socket; read until `until` or `limit` bytes."""
    head = (
        f"POST /chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {TEST_KEY}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((server.host, server.port), timeout=5) as connection:
        connection.sendall(head + body)
        received = b""
        while until not in received and len(received) < limit:
            piece = connection.recv(limit)
            if not piece:
                break
            received += piece
    return received


def test_hang_drip_headers_sends_them_one_byte_at_a_time(server: Emulator) -> None:
    server.faults = Faults(hang="drip_headers", drip_interval=0.001)
    body = json.dumps(chat()).encode()
    received = _raw_exchange(server, body, until=b"X-Drip-2: 1\r\n", limit=200)
    assert received.startswith(b"HTTP/1.1 200 OK\r\nX-Drip-0: 1\r\nX-Drip-1: 1\r\n")
    assert b"\r\n\r\n" not in received  # the headers never end


def test_hang_silent_reads_the_request_and_never_answers(server: Emulator) -> None:
    server.faults = Faults(hang="silent")
    with (
        httpx.Client(base_url=server.base_url, headers=AUTH, timeout=0.3) as http,
        pytest.raises(httpx.ReadTimeout),
    ):
        http.post("/chat/completions", json=chat())
    assert [r.body for r in server.requests] == [chat()]


def test_hang_no_read_leaves_the_request_unread(server: Emulator) -> None:
    server.faults = Faults(hang="no_read")
    with (
        httpx.Client(base_url=server.base_url, headers=AUTH, timeout=0.3) as http,
        pytest.raises(httpx.ReadTimeout),
    ):
        http.post("/chat/completions", json=chat())
    assert server.requests == []  # it never got as far as reading the body


def test_finish_length_cuts_the_answer_at_half(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(finish_length=True)
    chunks = chunks_of(stream_text(http, chat("echo: a b c d")))
    assert "".join(d["content"] for d in deltas(chunks)) == "a b"
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"


def test_no_space_after_data_colon(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(no_space=True)
    raw = stream_text(http, chat())
    events = [e for e in raw.split("\n\n") if e]
    assert all(e.startswith(("data:{", "data:[DONE]")) for e in events)
    assert events[-1] == "data:[DONE]"


def test_crlf_line_endings(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(crlf=True, keepalive_before=0.05)
    raw = stream_text(http, chat())
    assert raw.startswith(": keep-alive\r\n\r\ndata: {")
    assert raw.endswith("data: [DONE]\r\n\r\n")
    assert raw.count("\n") == raw.count("\r\n")


def test_reasoning_field_named_reasoning(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(reasoning_field="reasoning")
    found = deltas(chunks_of(stream_text(http, chat("hi", "deepseek-reasoner"))))
    assert found[0] == {"role": "assistant", "content": None, "reasoning": ""}
    assert all("reasoning_content" not in d for d in found)
    message = http.post("/chat/completions", json=chat("hi", "deepseek-reasoner")).json()
    assert list(message["choices"][0]["message"]) == ["role", "content", "reasoning"]


def test_think_tags_put_reasoning_inside_content(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(reasoning_field="think_tags")
    reasoning, content = reply_for([{"role": "user", "content": "hi"}], thinking=True)
    found = deltas(chunks_of(stream_text(http, chat("hi", "deepseek-reasoner"))))
    assert all(set(d) <= {"role", "content"} for d in found)
    expected = f"<think>\n{reasoning}\n</think>\n\n{content}"
    assert "".join(d["content"] for d in found) == expected
    message = http.post("/chat/completions", json=chat("hi", "deepseek-reasoner")).json()
    assert message["choices"][0]["message"] == {"role": "assistant", "content": expected}


def test_usage_in_a_separate_chunk_without_choices(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(usage_chunk="separate")
    chunks = chunks_of(stream_text(http, chat()))
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert "usage" not in chunks[-2]
    assert chunks[-1]["choices"] == []
    assert list(chunks[-1]) == [*CHUNK_KEYS, "usage"]
    assert chunks[-1]["usage"]["total_tokens"] > 0


def test_no_done_keeps_the_finish_chunk(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(no_done=True)
    found = payloads(stream_text(http, chat()))
    assert "[DONE]" not in found
    assert json.loads(found[-1])["choices"][0]["finish_reason"] == "stop"


def test_error_status_counts_down_and_sends_retry_after(
    server: Emulator, http: httpx.Client
) -> None:
    server.faults = Faults(error_status=429, error_count=2, retry_after="1")
    first, second, third = (http.post("/chat/completions", json=chat()) for _ in range(3))
    for response in (first, second):
        assert response.status_code == 429
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"]["message"] == "Rate Limit Reached"
    assert third.status_code == 200
    assert server.faults.error_count == 0


def test_error_body_and_content_type_are_sent_raw(server: Emulator, http: httpx.Client) -> None:
    page = "<html><body>502 Bad Gateway</body></html>"
    server.faults = Faults(error_status=502, error_body=page, error_content_type="text/html")
    for _ in range(2):  # error_count -1: every request
        response = http.post("/chat/completions", json=chat(), headers={"Connection": "close"})
        assert response.status_code == 502
        assert response.headers["content-type"] == "text/html"
        assert response.text == page


@pytest.mark.parametrize(
    ("status", "message", "type_"),
    [
        (400, "Model Not Exist", "invalid_request_error"),
        (401, "Authentication Fails, Your api key: ****abcd is invalid", "authentication_error"),
        (402, "Insufficient Balance", "unknown_error"),
        (422, "Invalid Parameters", "invalid_request_error"),
        (500, "Server Error", "server_error"),
        (503, "Server Overloaded", "server_error"),
    ],
)
def test_error_status_default_bodies(
    server: Emulator, http: httpx.Client, status: int, message: str, type_: str
) -> None:
    server.faults = Faults(error_status=status)
    response = http.post("/chat/completions", json=chat())
    assert response.status_code == status
    assert response.json() == {
        "error": {"message": message, "type": type_, "param": None, "code": "invalid_request_error"}
    }


def test_error_without_content_type(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(error_status=503, error_body="", error_content_type="")
    response = http.post("/chat/completions", json=chat())
    assert response.status_code == 503
    assert "content-type" not in response.headers
    assert response.content == b""


def test_error_message_overrides_the_default(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(error_status=400, error_message="Content Exists Risk")
    response = http.post("/chat/completions", json=chat())
    assert response.json()["error"]["message"] == "Content Exists Risk"


def test_injected_errors_only_hit_chat(server: Emulator, http: httpx.Client) -> None:
    server.faults = Faults(error_status=500)
    assert http.get("/models").status_code == 200
    assert http.get("/user/balance").status_code == 200


# --- validation ----------------------------------------------------------------------------

_DESERIALIZE = "Failed to deserialize the JSON body into the target type: "
_SYNTAX = "Failed to parse the request body as JSON: "
_MAX_TOKENS = "Invalid max_tokens value, the valid range of max_tokens is "


def _post_raw(http: httpx.Client, raw: str, path: str = "/chat/completions") -> httpx.Response:
    return http.post(path, content=raw, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{}", _DESERIALIZE + "missing field `messages` at line 1 column 2"),
        (
            '{"model":"deepseek-chat"}',
            _DESERIALIZE + "missing field `messages` at line 1 column 25",
        ),
        ("{nope", _SYNTAX + "key must be a string at line 1 column 2"),
        ("", _SYNTAX + "EOF while parsing a value at line 1 column 0"),
        (
            '{"model":"deepseek-chat","messages":{}}',
            _DESERIALIZE + "messages: invalid type: map, expected a sequence at line 1 column 38",
        ),
        (
            '{"model":"deepseek-v4-pro","messages":[{"role":"developer","content":"x"}]}',
            _DESERIALIZE + "messages[0].role: unknown variant `developer`, expected one of "
            "`system`, `user`, `assistant`, `tool`, `latest_reminder` at line 1 column 58",
        ),
        (
            '{"model":"deepseek-chat","messages":[{"role":"user","content":[{"type":"text"}]}]}',
            _DESERIALIZE + "messages[0]: invalid type: sequence, expected a string at line 1 "
            "column 80",
        ),
        ('{"model":"gpt-4o","messages":[{"role":"user","content":"x"}]}', "Model Not Exist"),
    ],
    ids=[
        "empty-object",
        "no-messages",
        "not-json",
        "empty-body",
        "messages-map",
        "developer",
        "content-parts",
        "unknown-model",
    ],
)
def test_malformed_bodies_get_deepseeks_messages(
    http: httpx.Client, raw: str, message: str
) -> None:
    response = _post_raw(http, raw)
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_request_error",
        }
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            chat(temperature=2.5),
            "Invalid temperature value, the valid range of temperature is [0, 2]",
        ),
        (chat(max_tokens=0), _MAX_TOKENS + "[1, 8192]"),
        (chat(max_tokens=8193), _MAX_TOKENS + "[1, 8192]"),
        (chat(model="deepseek-reasoner", max_tokens=65537), _MAX_TOKENS + "[1, 65536]"),
        (
            chat(model="deepseek-reasoner", logprobs=True),
            "deepseek-reasoner does not support the parameter `logprobs`",
        ),
        (
            chat(model="deepseek-v4-flash", top_logprobs=2),
            "deepseek-v4-flash does not support the parameter `top_logprobs`",
        ),
        (chat(model="deepseek-v4-pro", max_tokens=384_001), _MAX_TOKENS + "[1, 384000]"),
        (
            chat(frequency_penalty=2.5),
            "Invalid frequency_penalty value, the valid range of frequency_penalty is [-2, 2]",
        ),
        (
            chat(presence_penalty=-3),
            "Invalid presence_penalty value, the valid range of presence_penalty is [-2, 2]",
        ),
        (
            chat("hello", response_format={"type": "json_object"}),
            "Prompt must contain the word 'json' in some form to use 'response_format' of "
            "type 'json_object'.",
        ),
        (
            chat("reply in JSON", "deepseek-reasoner", response_format={"type": "json_object"}),
            "deepseek-reasoner does not support Json Output.",
        ),
        (
            chat("json", response_format={"type": "json_schema"}),
            "This response_format type is unavailable now",
        ),
    ],
    ids=[
        "temperature",
        "max-tokens-0",
        "max-tokens-chat",
        "max-tokens-reasoner",
        "logprobs",
        "top-logprobs",
        "max-tokens-v4",
        "frequency-penalty",
        "presence-penalty",
        "json-mode-without-json",
        "json-mode-reasoner",
        "json-schema",
    ],
)
def test_parameter_ranges_are_checked(
    http: httpx.Client, body: dict[str, Any], message: str
) -> None:
    response = http.post("/chat/completions", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message


def test_thinking_ignores_temperature_and_non_thinking_accepts_logprobs(
    http: httpx.Client,
) -> None:
    assert http.post("/chat/completions", json=chat(temperature=1.3)).status_code == 200
    body = chat(model="deepseek-v4-flash", logprobs=True, thinking={"type": "disabled"})
    assert http.post("/chat/completions", json=body).status_code == 200


def _history(*roles: str, **extra: Any) -> dict[str, Any]:
    messages = [{"role": role, "content": f"turn {i}"} for i, role in enumerate(roles)]
    messages[-1].update(extra)
    return {"model": "deepseek-reasoner", "messages": messages}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {
                "model": "deepseek-reasoner",
                "messages": [
                    {"role": "user", "content": "a"},
                    {"role": "assistant", "content": "b", "reasoning_content": "c"},
                    {"role": "user", "content": "d"},
                ],
            },
            R1_REASONING,
        ),
        (
            _history("system", "user", "user"),
            "deepseek-reasoner does not support successive user or assistant messages "
            "(messages[1] and messages[2] in your input). You should interleave the "
            "user/assistant messages in the message sequence.",
        ),
        (
            _history("system", "assistant", "user"),
            "The first message (except the system message) of deepseek-reasoner must be a user "
            "message, but an assistant message detected.",
        ),
        (
            _history("user", "assistant"),
            "The last message of deepseek-reasoner must be a user message, or an assistant "
            "message with prefix mode on (refer to "
            "https://api-docs.deepseek.com/guides/chat_prefix_completion).",
        ),
        (
            _history("user", "system", "user"),
            "The system message of deepseek-reasoner must be put on the beginning of the "
            "message sequence",
        ),
    ],
    ids=["reasoning-content", "successive", "first-not-user", "last-not-user", "system-late"],
)
def test_reasoner_enforces_r1_history_rules(
    http: httpx.Client, body: dict[str, Any], message: str
) -> None:
    response = http.post("/chat/completions", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message


def test_other_models_accept_any_history(http: httpx.Client) -> None:
    body = {**_history("user", "user", "assistant"), "model": "deepseek-v4-flash"}
    body["messages"][1]["reasoning_content"] = "ignored"
    assert http.post("/chat/completions", json=body).status_code == 200


def test_wrong_content_type_is_415_plain_text(http: httpx.Client) -> None:
    response = http.post(
        "/chat/completions", content=json.dumps(chat()), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_rejected_requests_are_recorded_too(server: Emulator, http: httpx.Client) -> None:
    http.post("/chat/completions", json=chat(model="nope"))
    _post_raw(http, "{broken")
    first, second = server.requests
    assert (first.method, first.path, first.body["model"]) == ("POST", "/chat/completions", "nope")
    assert first.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert second.body is None


# --- auth, paths, other endpoints -------------------------------------------------------------


def test_missing_authorization_is_a_short_plain_401(server: Emulator) -> None:
    response = httpx.post(f"{server.base_url}/chat/completions", json=chat())
    assert response.status_code == 401
    assert "content-type" not in response.headers
    assert response.content == b"Authorization header is missing"


def test_unknown_key_gets_the_masked_key_in_the_message() -> None:
    with Emulator(api_keys={"sk-good"}) as server:
        url = f"{server.base_url}/chat/completions"
        bad = httpx.post(url, json=chat(), headers={"Authorization": "Bearer sk-wrong-9f3e"})
        good = httpx.post(url, json=chat(), headers={"Authorization": "Bearer sk-good"})
        models = httpx.get(f"{server.base_url}/models", headers={"Authorization": "Bearer x"})
    assert bad.status_code == 401
    assert bad.json() == {
        "error": {
            "message": "Authentication Fails, Your api key: ****9f3e is invalid",
            "type": "authentication_error",
            "param": None,
            "code": "invalid_request_error",
        }
    }
    assert good.status_code == 200
    assert models.status_code == 401


def test_malformed_authorization_header(server: Emulator) -> None:
    response = httpx.get(f"{server.base_url}/models", headers={"Authorization": "sk-no-bearer"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["error"]["message"]


@pytest.mark.parametrize("path", ["/chat/completions", "/v1/chat/completions"])
def test_v1_prefix_is_the_same_api(http: httpx.Client, path: str) -> None:
    response = http.post(path, json=chat("echo: same"))
    assert response.json()["choices"][0]["message"]["content"] == "same"


def test_paths_and_methods_fail_like_the_router(http: httpx.Client) -> None:
    for response in (http.post("/chat/completion", json=chat()), http.get("/beta/models")):
        assert (response.status_code, response.content) == (404, b"")
    wrong_method = http.get("/chat/completions")
    assert (wrong_method.status_code, wrong_method.content) == (405, b"")
    assert http.post("/models").status_code == 405


def test_prefix_completion_continues_an_open_code_fence(http: httpx.Client) -> None:
    body = {
        "model": "deepseek-chat",
        "messages": [
            {"role": "user", "content": "Please write quick sort code"},
            {"role": "assistant", "content": "```python\n", "prefix": True},
        ],
        "stop": ["```"],
    }
    content = http.post("/beta/chat/completions", json=body).json()["choices"][0]["message"]
    assert content["content"].startswith("def quicksort(")
    assert "```" not in content["content"]
    outside_beta = http.post("/chat/completions", json=body)
    assert outside_beta.status_code == 400
    assert outside_beta.json()["error"]["message"] == (
        'prefix is only available when using beta api (set base_url="https://api.deepseek.com/beta")'
    )


def test_prefix_completion_returns_only_the_continuation(http: httpx.Client) -> None:
    question = [{"role": "user", "content": "hello"}]
    full = reply_for(question, thinking=False)[1]
    prefix = full[:20]
    body = {
        "model": "deepseek-reasoner",
        "messages": [*question, {"role": "assistant", "content": prefix, "prefix": True}],
        "stream": True,
    }
    chunks = chunks_of(stream_text(http, body, "/beta/chat/completions"))
    assert prefix + "".join(d["content"] or "" for d in deltas(chunks)) == full


def test_models_lists_the_four_models_without_created(http: httpx.Client) -> None:
    for path in ("/models", "/v1/models"):
        body = http.get(path).json()
        assert body["object"] == "list"
        assert [m["id"] for m in body["data"]] == [
            "deepseek-chat",
            "deepseek-reasoner",
            "deepseek-v4-flash",
            "deepseek-v4-pro",
        ]
        assert all(
            m == {"id": m["id"], "object": "model", "owned_by": "deepseek"} for m in body["data"]
        )


def test_balance_and_zero_balance() -> None:
    with Emulator(balance="0.00", currency="CNY") as server:
        client = httpx.Client(base_url=server.base_url, headers=AUTH)
        for path in ("/user/balance", "/v1/user/balance"):
            assert client.get(path).json() == {
                "is_available": False,
                "balance_infos": [
                    {
                        "currency": "CNY",
                        "total_balance": "0.00",
                        "granted_balance": "0.00",
                        "topped_up_balance": "0.00",
                    }
                ],
            }
        refused = client.post("/chat/completions", json=chat())
        client.close()
    assert refused.status_code == 402
    assert refused.json()["error"] == {
        "message": "Insufficient Balance",
        "type": "unknown_error",
        "param": None,
        "code": "invalid_request_error",
    }


def test_default_balance_is_available(http: httpx.Client) -> None:
    body = http.get("/user/balance").json()
    assert body["is_available"] is True
    assert body["balance_infos"][0]["total_balance"] == "12.34"


# --- control endpoints ------------------------------------------------------------------------


def test_control_endpoints_set_faults_and_list_requests(
    server: Emulator, http: httpx.Client
) -> None:
    set_faults = http.post("/_emulator/faults", json={"error_status": 503, "error_count": 1})
    assert set_faults.json()["error_status"] == 503
    assert server.faults == Faults(error_status=503, error_count=1)
    assert http.post("/chat/completions", json=chat("one")).status_code == 503
    assert http.post("/chat/completions", json=chat("two")).status_code == 200
    http.get("/models")
    bodies = http.get("/_emulator/requests").json()
    assert [b["messages"][0]["content"] for b in bodies] == ["one", "two"]
    assert http.get("/_emulator/faults").json()["error_count"] == 0
    http.delete("/_emulator/requests")
    assert server.requests == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"explode": True}, "unknown Faults fields: explode"),
        ({"cut_after": "soon"}, "Faults.cut_after must be int | None, not 'soon'"),
        ({"no_done": 1}, "Faults.no_done must be bool, not 1"),
    ],
)
def test_control_endpoint_rejects_bad_faults(
    server: Emulator, http: httpx.Client, body: dict[str, Any], message: str
) -> None:
    response = http.post("/_emulator/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
    assert server.faults == Faults()


# --- lifecycle ------------------------------------------------------------------------------


def test_stop_is_prompt_even_with_a_stalled_stream() -> None:
    server = Emulator(faults=Faults(stall_after=1, stall_seconds=30)).start()
    arrived = threading.Event()
    outcome: list[BaseException | None] = []

    def client() -> None:
        try:
            with (
                httpx.Client(base_url=server.base_url, headers=AUTH, timeout=10) as http,
                http.stream("POST", "/chat/completions", json=chat(stream=True)) as response,
            ):
                for _ in response.iter_raw():
                    arrived.set()
            outcome.append(None)
        except httpx.TransportError as error:
            outcome.append(error)

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    assert arrived.wait(5)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    thread.join(2)
    assert not thread.is_alive()
    assert isinstance(outcome[0], httpx.RemoteProtocolError)


def test_stop_closes_idle_keepalive_connections() -> None:
    server = Emulator().start()
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=2) as http:
        assert http.get("/models").status_code == 200
        server.stop()
        with pytest.raises(httpx.TransportError):
            http.get("/models")


def test_serve_forever_returns_when_stopped() -> None:
    server = Emulator()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while server.port == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert httpx.get(f"{server.base_url}/models", headers=AUTH).status_code == 200
    server.stop()
    thread.join(2)
    assert not thread.is_alive()


def test_start_returns_self_with_the_bound_port() -> None:
    server = Emulator()
    assert server.start() is server
    try:
        assert server.port > 0
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        assert server.start() is server  # idempotent
    finally:
        server.stop()
        server.stop()  # idempotent too


def test_json_mode_answers_one_json_object(http: httpx.Client) -> None:
    body = chat("echo: reply in JSON", response_format={"type": "json_object"})
    response = http.post("/chat/completions", json=body)
    assert response.status_code == 200
    answer = response.json()["choices"][0]["message"]["content"]
    assert json.loads(answer) == {"answer": "reply in JSON"}


def test_v4_takes_reasoning_effort_and_penalties(http: httpx.Client) -> None:
    for effort in ("high", "max", "low", "xhigh"):
        body = chat(model="deepseek-v4-flash", reasoning_effort=effort)
        assert http.post("/chat/completions", json=body).status_code == 200, effort
    body = chat(frequency_penalty=-2, presence_penalty=2, stop=["x"])
    assert http.post("/chat/completions", json=body).status_code == 200
    refused = http.post("/chat/completions", json=chat(reasoning_effort="extreme"))
    assert refused.status_code == 400
    assert "reasoning_effort: unknown variant `extreme`" in refused.json()["error"]["message"]
