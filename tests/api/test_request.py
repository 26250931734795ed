"""Building the request from a conversation (pure): the history rules."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from deepseek_tui.api import ChatRequest, build_messages
from deepseek_tui.api.models import model_traits


@dataclass
class M:
    role: str
    content: str
    reasoning: str | None = None


def test_system_prompt_goes_first_and_reasoning_is_never_sent() -> None:
    history = [M("user", "hi"), M("assistant", "hello", reasoning="thinking…"), M("user", "more")]
    messages = build_messages(history, "Be brief.")
    assert messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "more"},
    ]
    assert all("reasoning_content" not in m for m in messages)


def test_a_failed_turn_is_merged_so_roles_alternate() -> None:
    history = [M("user", "first"), M("assistant", ""), M("user", "second")]
    assert build_messages(history) == [{"role": "user", "content": "first\n\nsecond"}]


def test_a_leading_answer_is_dropped() -> None:
    assert build_messages([M("assistant", "orphan"), M("user", "q")]) == [
        {"role": "user", "content": "q"}
    ]


roles = st.sampled_from(["user", "assistant", "system"])
texts = st.text(min_size=0, max_size=20)


@given(st.lists(st.builds(M, roles, texts), max_size=30), st.text(max_size=10))
def test_any_history_gives_alternating_roles(history: list[M], system: str) -> None:
    messages = build_messages(history, system)
    body = [m for m in messages if m["role"] != "system"]
    assert all(m["role"] == "system" for m in messages[: len(messages) - len(body)])
    for before, after in itertools.pairwise(body):
        assert before["role"] != after["role"]
    if body:
        assert body[0]["role"] == "user"
    sent = [m["content"] for m in body if m["role"] == "user"]
    for typed in (m.content for m in history if m.role == "user" and m.content.strip()):
        assert any(typed in message for message in sent), "nothing the user typed is lost"


def test_thinking_requests_carry_no_sampling_or_logprobs() -> None:
    request = ChatRequest(
        "deepseek-reasoner",
        [{"role": "user", "content": "x"}],
        temperature=0.3,
        top_p=0.9,
        extra={"logprobs": True, "top_logprobs": 2},
    )
    body = request.body(stream=True)
    for key in ("temperature", "top_p", "logprobs", "top_logprobs"):
        assert key not in body
    assert "thinking" not in body


def test_chat_requests_carry_sampling() -> None:
    body = ChatRequest(
        "deepseek-chat",
        [{"role": "user", "content": "x"}],
        temperature=0.3,
        top_p=0.9,
        max_tokens=100,
    ).body(stream=False)
    assert body["temperature"] == 0.3 and body["top_p"] == 0.9 and body["max_tokens"] == 100
    assert body["stream"] is False and "stream_options" not in body


def test_toggle_models_get_the_thinking_field() -> None:
    on = ChatRequest("deepseek-v4-flash", [], thinking=True, temperature=1.0).body(stream=True)
    off = ChatRequest("deepseek-v4-flash", [], thinking=False, temperature=1.0).body(stream=True)
    assert on["thinking"] == {"type": "enabled"} and "temperature" not in on
    assert off["thinking"] == {"type": "disabled"} and off["temperature"] == 1.0


def test_model_traits_by_family() -> None:
    assert model_traits("deepseek-reasoner").thinking == "always"
    assert model_traits("deepseek/deepseek-r1:free").thinking == "always"
    assert model_traits("deepseek-chat").thinking == "never"
    assert model_traits("deepseek-v4-pro").thinks(None) is True
    assert model_traits("some-unknown-model").thinking == "never"
