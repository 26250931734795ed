"""A conversation's request parameters (issue 10 §4): JSON mode, stop sequences,
penalties, max_tokens, reasoning effort — each reaches the request only for models
that take it, checked on the bodies the emulator received."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepseek_tui.api import ContentDelta, DeepSeekClient, errors
from deepseek_tui.api.request import ChatRequest, Parameters, mentions_json
from deepseek_tui.emulator import Emulator

EVERYTHING = Parameters(
    json_mode=True,
    stop=("END", "\n\n"),
    frequency_penalty=0.5,
    presence_penalty=-0.5,
    max_tokens=9000,
    reasoning_effort="max",
)
QUESTION = [{"role": "user", "content": "echo: reply in JSON"}]


async def sent_body(
    client: DeepSeekClient, emulator: Emulator, model: str, **more: Any
) -> dict[str, Any]:
    """Send one request with every parameter set; the body the server received."""
    request = ChatRequest.with_parameters(model, QUESTION, EVERYTHING, **more)
    async for _ in client.stream_chat(request):
        pass
    chats = [r for r in emulator.requests if r.path.endswith("/chat/completions")]
    return chats[-1].body


async def test_a_chat_model_gets_every_parameter_but_effort(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    body = await sent_body(client, emulator, "deepseek-chat")
    assert body["response_format"] == {"type": "json_object"}
    assert body["stop"] == ["END", "\n\n"]
    assert (body["frequency_penalty"], body["presence_penalty"]) == (0.5, -0.5)
    assert body["max_tokens"] == 8192, "held to the model's limit, not refused"
    assert "reasoning_effort" not in body


async def test_the_reasoner_gets_no_json_mode_penalties_or_effort(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    body = await sent_body(client, emulator, "deepseek-reasoner")
    for name in ("response_format", "frequency_penalty", "presence_penalty", "reasoning_effort"):
        assert name not in body, name
    assert body["stop"] == ["END", "\n\n"]
    assert body["max_tokens"] == 9000


async def test_a_thinking_v4_model_gets_effort_but_no_penalties(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    body = await sent_body(client, emulator, "deepseek-v4-flash")
    assert body["reasoning_effort"] == "max"
    assert body["response_format"] == {"type": "json_object"}
    assert "frequency_penalty" not in body and "presence_penalty" not in body


async def test_v4_with_thinking_off_gets_penalties_and_no_effort(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    body = await sent_body(client, emulator, "deepseek-v4-pro", thinking=False)
    assert body["thinking"] == {"type": "disabled"}
    assert (body["frequency_penalty"], body["presence_penalty"]) == (0.5, -0.5)
    assert "reasoning_effort" not in body


async def test_defaults_send_none_of_them(client: DeepSeekClient, emulator: Emulator) -> None:
    request = ChatRequest.with_parameters("deepseek-chat", QUESTION, Parameters())
    async for _ in client.stream_chat(request):
        pass
    body = emulator.requests[-1].body
    for name in ("response_format", "stop", "frequency_penalty", "presence_penalty"):
        assert name not in body, name
    assert "max_tokens" not in body and "reasoning_effort" not in body


async def test_a_stop_sequence_ends_the_answer_there(client: DeepSeekClient) -> None:
    request = ChatRequest.with_parameters(
        "deepseek-chat",
        [{"role": "user", "content": "echo: one, two, three"}],
        Parameters(stop=(", three",)),
    )
    events = [event async for event in client.stream_chat(request)]
    assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == "one, two"


async def test_json_mode_without_json_in_the_prompt_is_refused_by_the_server(
    client: DeepSeekClient,
) -> None:
    request = ChatRequest.with_parameters(
        "deepseek-chat", [{"role": "user", "content": "hello"}], Parameters(json_mode=True)
    )
    with pytest.raises(errors.BadRequestError, match="word 'json'"):
        async for _ in client.stream_chat(request):
            pass


def test_problems_name_the_models_limit_and_bad_values() -> None:
    assert Parameters(max_tokens=8192).problems("deepseek-chat") == []
    assert Parameters(max_tokens=8193).problems("deepseek-chat") == [
        "deepseek-chat takes max_tokens up to 8,192, not 8,193."
    ]
    assert Parameters(max_tokens=100_000).problems("deepseek-v4-flash") == []
    assert Parameters(max_tokens=100_000).problems("some-gateway-model") == []
    problems = Parameters(
        frequency_penalty=2.5, stop=("",), reasoning_effort="low", max_tokens=0
    ).problems()
    assert problems == [
        "frequency_penalty must be between -2 and 2, got 2.5.",
        "A stop sequence must not be empty.",
        "reasoning_effort must be high or max, got 'low'.",
        "max_tokens must be at least 1, got 0.",
    ]
    assert Parameters(stop=tuple("abcdefghijklmnopq")).problems() == [
        "At most 16 stop sequences, got 17."
    ]


def test_saved_form_round_trips_and_leaves_defaults_out() -> None:
    assert Parameters().to_json() == {}
    saved = EVERYTHING.to_json()
    assert saved["stop"] == ["END", "\n\n"]
    assert Parameters.from_json(saved) == EVERYTHING
    # A zero penalty is a choice, not the default: it is kept.
    assert Parameters.from_json(Parameters(presence_penalty=0.0).to_json()).presence_penalty == 0.0


@given(
    st.dictionaries(
        st.text(max_size=20),
        st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.lists(st.text()),
    )
)
def test_anything_saved_opens(data: dict[str, Any]) -> None:
    parameters = Parameters.from_json(data)
    assert parameters.problems() == []


def test_the_json_rule_looks_at_every_message() -> None:
    assert mentions_json([{"role": "system", "content": "Answer in Json."}])
    assert not mentions_json([{"role": "user", "content": "hello"}])
