"""Values that can never work are one sentence, not "unexpected error" (issue 11 §6)."""

from __future__ import annotations

import pytest

from tests.helpers import TEST_KEY, run


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:99999", b"Port out of range"),
        ("http://[::1", b"Invalid IPv6 URL"),
        ("ftp://example.test", b"not an http(s) URL"),
        ("127.0.0.1:8080", b"not an http(s) URL"),
        ("", b"is empty"),
    ],
)
def test_a_base_url_that_cannot_work_is_a_usage_error(url: str, words: bytes, tmp_path) -> None:
    result = run(
        "--config-dir", str(tmp_path), "ask", "--base-url", url, "hi",
        env={"DEEPSEEK_API_KEY": TEST_KEY},
    )  # fmt: skip
    assert result.returncode == 2
    assert words in result.stderr
    assert b"unexpected" not in result.stderr and b"Traceback" not in result.stderr


def test_an_empty_model_is_a_usage_error(tmp_path) -> None:
    result = run("--config-dir", str(tmp_path), "ask", "--demo", "--model", "", "hi")
    assert result.returncode == 2
    assert b"--model needs a model id" in result.stderr


def test_a_bad_base_url_from_the_environment_is_one_sentence(tmp_path) -> None:
    result = run(
        "--config-dir", str(tmp_path), "ask", "hi",
        env={"DEEPSEEK_API_KEY": TEST_KEY, "DEEPSEEK_BASE_URL": "http://[::1"},
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "Invalid IPv6 URL" in lines[0], lines
    assert "unexpected" not in lines[0]


def test_an_empty_output_is_a_usage_error(tmp_path) -> None:
    result = run("--config-dir", str(tmp_path), "export", "--output", "", "abcd")
    assert result.returncode == 2
    assert b"--output needs a file name" in result.stderr
