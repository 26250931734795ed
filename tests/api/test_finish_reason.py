"""Finish reasons: one type, the wire's values and ours, one table of sentences."""

from __future__ import annotations

import pytest

from deepseek_tui.api import FinishReason, finish_sentence


def test_members_are_the_plain_strings_stored_and_sent() -> None:
    assert FinishReason.STOP == "stop" and f"{FinishReason.LENGTH}" == "length"
    assert {str(reason) for reason in FinishReason} == {
        "stop",
        "length",
        "content_filter",
        "insufficient_system_resource",
        "tool_calls",
        "stopped",
        "interrupted",
        "error",
    }


def test_a_reason_we_do_not_know_stays_a_plain_string() -> None:
    assert FinishReason.parse("length") is FinishReason.LENGTH
    made_up = FinishReason.parse("made_up")
    assert made_up == "made_up" and not isinstance(made_up, FinishReason)
    assert finish_sentence("made_up") == "Finish reason: made_up."


@pytest.mark.parametrize("reason", list(FinishReason))
def test_every_reason_has_one_plain_sentence(reason: FinishReason) -> None:
    sentence = finish_sentence(reason)
    assert sentence == reason.sentence == finish_sentence(str(reason))
    assert sentence[0].isupper() and sentence.endswith(".")
    assert "ctrl+" not in sentence  # keys are the UI's business


def test_which_reasons_cut_an_answer_short() -> None:
    assert {r for r in FinishReason if r.cut_short} == {
        FinishReason.LENGTH,
        FinishReason.STOPPED,
        FinishReason.INTERRUPTED,
    }
    assert finish_sentence(None).startswith("Unfinished")
