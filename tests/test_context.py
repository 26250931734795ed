"""The context window's arithmetic: estimates, the calibration by a real count, the
gauge's label, what an overflow error tells, leaving the oldest turns out."""

from __future__ import annotations

from deepseek_tui.api.models import context_window
from deepseek_tui.context import (
    Calibration,
    Gauge,
    estimate_messages,
    format_tokens,
    is_context_overflow,
    prompt_tokens_from_error,
    window_from_error,
)
from deepseek_tui.emulator.replies import count_tokens
from deepseek_tui.messages import MessageDraft
from deepseek_tui.session import Session

REFUSAL = (
    "The server rejected the request (HTTP 400): This model's maximum context length is "
    "131072 tokens. However, you requested 136343 tokens (132247 in the messages, 4096 in "
    "the completion). Please reduce the length of the messages or completion."
)


def test_short_labels_use_the_k_of_128k() -> None:
    assert [format_tokens(n) for n in (0, 850, 1300, 12_700, 131_072, 1_048_576)] == [
        "0",
        "850",
        "1.2k",
        "12.4k",
        "128k",
        "1M",
    ]
    assert Gauge(12_700, 131_072).label == "ctx 12.4k/128k"
    assert Gauge(12_700, None).label == "ctx 12.4k"  # an unknown window is not guessed


def test_the_gauge_warns_from_80_percent_and_keeps_room_for_the_answer() -> None:
    assert not Gauge(79, 100, answer_room=0).warning
    assert Gauge(80, 100, answer_room=0).warning
    assert Gauge(900, 1000, answer_room=100).fits
    assert not Gauge(901, 1000, answer_room=100).fits
    assert Gauge(10**9, None).fits  # unknown window: the server decides


def test_a_real_count_anchors_the_estimate_and_sets_its_scale() -> None:
    exact = Calibration(prompt_tokens=1000, estimated=1000.0)
    assert exact.tokens(1000.0) == 1000
    assert exact.tokens(1500.0) == 1500
    # A denser tokenizer (twice our estimate) is learned: what is added counts double,
    # damped by the prior for a short prompt.
    dense = Calibration(prompt_tokens=20_000, estimated=10_000.0)
    assert dense.tokens(10_000.0) == 20_000
    assert 21_900 <= dense.tokens(11_000.0) <= 22_000


def test_the_estimate_matches_a_four_characters_a_token_count() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hello " * 300},
        {"role": "assistant", "content": "echo " * 120},
    ]
    wire = "".join(f"{m['role']}\n{m['content']}\n\n" for m in messages)
    assert abs(estimate_messages(messages) - count_tokens(wire)) <= 1
    assert estimate_messages(messages, extra_tokens=50) == estimate_messages(messages) + 50


def test_an_overflow_error_says_the_real_count_and_the_window() -> None:
    assert is_context_overflow(REFUSAL)
    assert prompt_tokens_from_error(REFUSAL) == 132_247
    assert window_from_error(REFUSAL) == 131_072
    assert not is_context_overflow("The server rejected the request (HTTP 400): Model Not Exist")
    assert prompt_tokens_from_error("Content Exists Risk") is None


def test_context_windows_by_family() -> None:
    assert context_window("deepseek-chat") == 131_072
    assert context_window("deepseek-reasoner") == 131_072
    assert context_window("deepseek-v4-pro") == 1_048_576
    assert context_window("accounts/fireworks/models/some-llm") is None


def test_the_session_omits_turns_from_requests_only_for_this_history() -> None:
    session = Session(None, None, model="deepseek-chat")
    session.messages = [
        MessageDraft("user", "q1"),
        MessageDraft("assistant", "a1"),
        MessageDraft("user", "q2"),
        MessageDraft("assistant", "a2"),
    ]
    session.omit_oldest_turns(1)
    assert [m["content"] for m in session.next_messages("q3")] == ["q2", "a2", "q3"]
    assert len(session.messages) == 4  # the history keeps them
    session.new()
    assert session.omitted_turns == 0  # another conversation is sent whole


def test_a_reopened_conversation_is_calibrated_by_its_last_usage() -> None:
    from deepseek_tui.api.events import Usage

    session = Session(None, None, model="deepseek-chat")
    session.context_size = 10_000
    session.messages = [
        MessageDraft("user", "q" * 4000),
        MessageDraft("assistant", "a" * 400, usage=Usage(prompt_tokens=2000)),
    ]
    # The server counted twice our estimate for the question: the gauge follows it.
    gauge = session.gauge()
    assert 2000 + 100 <= gauge.used <= 2000 + 2 * 100 + 5
    assert session.turns_to_omit("x" * 40_000) is None  # too big even alone
