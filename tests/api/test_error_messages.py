"""Error answers of every shape become one plain sentence (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from deepseek_tui.api import errors


def test_deepseek_json_error() -> None:
    body = (
        b'{"error":{"message":"Authentication Fails, Your api key: ****abcd is invalid",'
        b'"type":"authentication_error","param":null,"code":"invalid_request_error"}}'
    )
    error = errors.error_for_status(401, body)
    assert isinstance(error, errors.AuthenticationError)
    assert error.server_message.startswith("Authentication Fails")
    assert "deepseek-tui key set" in str(error)


def test_segmind_shapes() -> None:
    assert errors.server_message(b'{"error": "Not enough credits"}') == "Not enough credits"
    assert isinstance(errors.error_for_status(406, b""), errors.InsufficientBalanceError)


def test_retry_after_as_seconds_and_date() -> None:
    assert errors.retry_after_seconds("3") == 3.0
    assert errors.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert errors.retry_after_seconds("soon") is None


@given(st.binary(max_size=400), st.integers(min_value=400, max_value=599))
def test_any_body_gives_one_line(body: bytes, status: int) -> None:
    message = str(errors.error_for_status(status, body))
    assert "\n" not in message
    assert len(message) < 600
    assert f"HTTP {status}" in message or status in (401, 402, 406)
