"""The client against the emulator over loopback: every streaming rule of the wire."""

from __future__ import annotations

import httpx
import pytest

from deepseek_tui.api import (
    ChatRequest,
    ContentDelta,
    DeepSeekClient,
    Finished,
    ReasoningDelta,
    Usage,
    Waiting,
    errors,
)
from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import TEST_KEY


def ask(text: str, model: str = "deepseek-chat", **kwargs) -> ChatRequest:
    return ChatRequest(model=model, messages=[{"role": "user", "content": text}], **kwargs)


async def collect(client: DeepSeekClient, request: ChatRequest) -> dict:
    events = [event async for event in client.stream_chat(request)]
    return {
        "events": events,
        "content": "".join(e.text for e in events if isinstance(e, ContentDelta)),
        "reasoning": "".join(e.text for e in events if isinstance(e, ReasoningDelta)),
        "usage": [e for e in events if isinstance(e, Usage)],
        "finished": [e for e in events if isinstance(e, Finished)],
    }


async def test_chat_model_streams_an_answer_without_reasoning(client: DeepSeekClient) -> None:
    result = await collect(client, ask("echo: Hello, **world**"))
    assert result["content"] == "Hello, **world**"
    assert result["reasoning"] == ""
    assert result["finished"] == [Finished("stop")]
    assert result["events"][-1] == Finished("stop")
    usage = result["usage"][-1]
    assert usage.completion_tokens > 0
    assert usage.prompt_tokens == usage.prompt_cache_hit_tokens + usage.prompt_cache_miss_tokens


async def test_reasoner_streams_reasoning_first_then_content(client: DeepSeekClient) -> None:
    result = await collect(client, ask("Why is the sky blue?", model="deepseek-reasoner"))
    kinds = [type(e) for e in result["events"] if isinstance(e, ReasoningDelta | ContentDelta)]
    first_content = kinds.index(ContentDelta)
    assert all(kind is ReasoningDelta for kind in kinds[:first_content])
    assert all(kind is ContentDelta for kind in kinds[first_content:])
    assert result["reasoning"] and result["content"]
    assert result["usage"][-1].reasoning_tokens > 0


@pytest.mark.parametrize("field", ["reasoning", "think_tags"])
async def test_reasoning_from_other_hosts_lands_in_reasoning(
    client: DeepSeekClient, emulator: Emulator, field: str
) -> None:
    plain = await collect(client, ask("Why is grass green?", model="deepseek-reasoner"))
    emulator.faults = Faults(reasoning_field=field)
    other = await collect(client, ask("Why is grass green?", model="deepseek-reasoner"))
    assert other["reasoning"].strip() == plain["reasoning"].strip()
    assert other["content"] == plain["content"]
    assert "<think>" not in other["content"]


@pytest.mark.parametrize(
    "faults",
    [
        Faults(no_space=True),
        Faults(crlf=True),
        Faults(keepalive_before=0.2, keepalive_interval=0.02),
        Faults(usage_chunk="separate"),
    ],
    ids=["data-without-space", "crlf", "keep-alive-comments", "usage-in-extra-chunk"],
)
async def test_wire_variants_give_the_same_answer(
    client: DeepSeekClient, emulator: Emulator, faults: Faults
) -> None:
    expected = await collect(client, ask("What is SSE?", model="deepseek-reasoner"))
    emulator.faults = faults
    result = await collect(client, ask("What is SSE?", model="deepseek-reasoner"))
    assert result["content"] == expected["content"]
    assert result["reasoning"] == expected["reasoning"]
    assert result["usage"] and result["usage"][-1] == expected["usage"][-1]
    assert result["finished"] == [Finished("stop")]


async def test_a_malformed_line_is_skipped_and_counted(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    expected = await collect(client, ask("echo: one two three four five six"))
    emulator.faults = Faults(garbage_after=2)
    result = await collect(client, ask("echo: one two three four five six"))
    assert result["content"] == expected["content"]
    assert result["finished"] == [Finished("stop", skipped_lines=1)]


async def test_finish_reason_length_is_reported(client: DeepSeekClient, emulator: Emulator) -> None:
    emulator.faults = Faults(finish_length=True)
    result = await collect(client, ask("Tell me about tables"))
    assert result["finished"] == [Finished("length")]
    assert result["content"]


async def test_max_tokens_while_thinking_gives_length_and_no_answer(
    client: DeepSeekClient,
) -> None:
    result = await collect(client, ask("Why?", model="deepseek-reasoner", max_tokens=3))
    assert result["finished"] == [Finished("length")]
    assert result["content"] == ""
    assert result["reasoning"]


async def test_a_cut_connection_is_interrupted_with_the_partial_answer(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    emulator.faults = Faults(cut_after=5)
    seen = ""
    with pytest.raises(errors.StreamInterrupted) as caught:
        async for event in client.stream_chat(ask("echo: " + "word " * 50)):
            if isinstance(event, ContentDelta):
                seen += event.text
    assert seen
    assert caught.value.delivered == len(seen)
    assert "what arrived is kept" in str(caught.value)


async def test_eof_without_finish_or_done_is_interrupted(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    emulator.faults = Faults(error_event_after=None, cut_after=3)
    with pytest.raises(errors.StreamInterrupted):
        await collect(client, ask("echo: a b c d e f g h"))


async def test_finish_without_done_still_completes(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    emulator.faults = Faults(no_done=True)
    result = await collect(client, ask("echo: fine"))
    assert result["content"] == "fine"
    assert result["finished"] == [Finished("stop")]


async def test_an_error_event_mid_stream_raises_with_the_partial(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    emulator.faults = Faults(error_event_after=4)
    with pytest.raises(errors.StreamErrorEvent) as caught:
        await collect(client, ask("echo: " + "word " * 20))
    assert "mid-answer" in str(caught.value)
    assert caught.value.delivered > 0


@pytest.mark.parametrize("style", ["event", "event_text"])
async def test_a_gateways_event_error_shows_the_gateways_message(
    client: DeepSeekClient, emulator: Emulator, style: str
) -> None:
    emulator.faults = Faults(
        error_event_after=4, error_message="upstream timed out", error_event_style=style
    )
    with pytest.raises(errors.StreamErrorEvent) as caught:
        await collect(client, ask("echo: " + "word " * 20))
    assert str(caught.value) == "The server reported an error mid-answer: upstream timed out"
    assert caught.value.delivered > 0


@pytest.mark.parametrize("usage_chunk", ["finish", "separate"])
async def test_a_finished_answer_followed_only_by_keep_alives_ends_at_once(
    emulator: Emulator, usage_chunk: str
) -> None:
    # After the finish reason and the usage: keep-alives for minutes, no [DONE]. The
    # limits are long, so waiting for them would fail (StallTimeout), not just be slow.
    emulator.faults = Faults(
        stall_after=10_000, stall_seconds=300, keepalive_interval=0.05, usage_chunk=usage_chunk
    )
    async with DeepSeekClient(
        emulator.base_url, TEST_KEY, first_data_timeout=60, stall_timeout=60
    ) as client:
        result = await collect(client, ask("echo: all done"))
    assert result["content"] == "all done"
    assert result["finished"] == [Finished("stop")]
    assert result["usage"] and result["usage"][-1].completion_tokens > 0


async def test_a_finish_without_usage_then_only_keep_alives_ends_as_finished_at_the_stall_limit(
    emulator: Emulator,
) -> None:
    request = ask("echo: all done")
    emulator.faults = Faults(usage_chunk="separate")
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {TEST_KEY}"}) as http:
        url = f"{emulator.base_url}/chat/completions"
        raw = await http.post(url, json=request.body(stream=True))
    chunks = raw.text.count("data: {")  # role, words, finish, then the usage alone
    emulator.faults = Faults(
        usage_chunk="separate", stall_after=chunks - 1, stall_seconds=300, keepalive_interval=0.05
    )
    async with DeepSeekClient(
        emulator.base_url, TEST_KEY, first_data_timeout=60, stall_timeout=0.5
    ) as client:
        result = await collect(client, request)
    assert result["content"] == "all done"
    assert result["finished"] == [Finished("stop")]
    assert result["usage"] == []


async def test_a_byte_order_mark_before_the_stream_changes_nothing(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    emulator.faults = Faults(bom=True)
    result = await collect(client, ask("echo: with a BOM"))
    assert result["content"] == "with a BOM"
    assert result["finished"] == [Finished("stop")]


async def test_keep_alives_do_not_extend_the_first_data_limit(emulator: Emulator) -> None:
    emulator.faults = Faults(keepalive_before=3.0, keepalive_interval=0.05)
    async with DeepSeekClient(
        emulator.base_url, TEST_KEY, first_data_timeout=0.5, max_attempts=1
    ) as client:
        with pytest.raises(errors.FirstDataTimeout) as caught:
            await collect(client, ask("hello"))
    assert "0.5 s" in str(caught.value)


async def test_a_stall_with_keep_alives_times_out_and_keeps_the_partial(
    emulator: Emulator,
) -> None:
    emulator.faults = Faults(stall_after=4, keepalive_interval=0.05, stall_seconds=5)
    async with DeepSeekClient(
        emulator.base_url, TEST_KEY, stall_timeout=0.5, max_attempts=3, retry_base_delay=0.01
    ) as client:
        with pytest.raises(errors.StallTimeout) as caught:
            await collect(client, ask("echo: " + "word " * 30))
    assert caught.value.delivered > 0
    assert "stalled" in str(caught.value)
    chats = [r for r in emulator.requests if r.path.endswith("chat/completions")]
    assert len(chats) == 1, "content had arrived: no retry"


async def test_non_streaming_reply(client: DeepSeekClient) -> None:
    reply = await client.complete(ask("Why is the sky blue?", model="deepseek-reasoner"))
    streamed = await collect(client, ask("Why is the sky blue?", model="deepseek-reasoner"))
    assert reply.content == streamed["content"]
    assert reply.reasoning == streamed["reasoning"]
    assert reply.finish_reason == "stop"
    assert reply.usage is not None and reply.usage.reasoning_tokens > 0


async def test_non_streaming_reply_after_keep_alive_blank_lines(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    emulator.faults = Faults(keepalive_before=0.2, keepalive_interval=0.02)
    reply = await client.complete(ask("echo: ok"))
    assert reply.content == "ok"


async def test_models_and_balance(client: DeepSeekClient) -> None:
    models = await client.list_models()
    assert {"deepseek-chat", "deepseek-reasoner"} <= set(models)
    report = await client.balance()
    assert report.is_available
    assert report.balances[0].total == "12.34"
    assert report.balances[0].currency == "USD"


@pytest.mark.parametrize("prefix", ["", "/v1"])
async def test_base_url_with_or_without_v1(emulator: Emulator, prefix: str) -> None:
    async with DeepSeekClient(emulator.base_url + prefix, TEST_KEY) as client:
        result = await collect(client, ask("echo: hi"))
    assert result["content"] == "hi"


async def test_the_request_carries_the_key_and_streams_usage(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    await collect(client, ask("echo: hi"))
    request = emulator.requests[-1]
    assert request.headers.get("authorization") == f"Bearer {TEST_KEY}"
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}


async def test_the_stream_says_what_it_waits_for_before_the_first_token(
    client: DeepSeekClient,
) -> None:
    got = await collect(client, ask("echo: hi"))
    events = got["events"]
    first_text = next(i for i, e in enumerate(events) if isinstance(e, ContentDelta))
    waits = [e for e in events[:first_text] if isinstance(e, Waiting)]
    assert [w.stage for w in waits] == ["connecting", "waiting"]
    assert waits[0].describe() == "connecting…"
    assert waits[1].describe() == "waiting for the model"
    assert not any(isinstance(e, Waiting) for e in events[first_text:])
