"""The SSE parser and chunk decoder on arbitrary chunkings and junk (hypothesis)."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepseek_tui.api.chunks import (
    ChunkDecoder,
    EventBatch,
    ThinkTagSplitter,
    WireDecoder,
    error_event,
)
from deepseek_tui.api.errors import StreamErrorEvent, StreamLineTooLong
from deepseek_tui.api.events import ContentDelta, Finished, ReasoningDelta, Usage
from deepseek_tui.api.sse import ServerSentEvent, SSEParser


def chunk(delta: dict, finish: str | None = None, usage: dict | None = None) -> str:
    body = {
        "id": "0b5f3c1e-0000-4000-8000-000000000000",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    if usage is not None:
        body["usage"] = usage
    return json.dumps(body, separators=(",", ":"))


def stream_text(reasoning: list[str], content: list[str], *, eol: str = "\n") -> str:
    lines = [
        ": keep-alive",
        "",
        chunk({"role": "assistant", "content": None, "reasoning_content": ""}),
        "",
    ]
    for piece in reasoning:
        lines += ["data: " + chunk({"content": None, "reasoning_content": piece}), ""]
    for piece in content:
        lines += ["data:" + chunk({"content": piece, "reasoning_content": None}), ""]
    lines += [
        "data: "
        + chunk(
            {"content": "", "reasoning_content": None},
            "stop",
            {
                "prompt_tokens": 3,
                "completion_tokens": 9,
                "prompt_cache_hit_tokens": 1,
                "prompt_cache_miss_tokens": 2,
                "completion_tokens_details": {"reasoning_tokens": 4},
            },
        ),
        "",
        "data: [DONE]",
        "",
    ]
    lines[2] = "data: " + lines[2]
    return eol.join(lines) + eol


def run(text_pieces: list[str]) -> tuple[list, ChunkDecoder]:
    parser, decoder = SSEParser(), ChunkDecoder()
    events = []
    for piece in text_pieces:
        for sse in parser.feed(piece):
            events += list(decoder.feed(sse.data))
    for sse in parser.close():
        events += list(decoder.feed(sse.data))
    events += list(decoder.close())
    return events, decoder


def split_at(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(text[last:point])
        last = point
    pieces.append(text[last:])
    return pieces


safe_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


@settings(max_examples=300)
@given(
    st.lists(safe_text, max_size=6),
    st.lists(safe_text, min_size=1, max_size=6),
    st.lists(st.integers(min_value=0), max_size=40),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_any_chunking_and_line_ending_gives_the_same_events(
    reasoning: list[str], content: list[str], cuts: list[int], eol: str
) -> None:
    text = stream_text(reasoning, content, eol=eol)
    events, decoder = run(split_at(text, cuts))
    got_reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    got_content = "".join(e.text for e in events if isinstance(e, ContentDelta))
    assert got_reasoning == "".join(reasoning)
    assert got_content == "".join(content)
    assert events[-1] == Finished("stop")
    assert isinstance(events[-2], Usage) and events[-2].reasoning_tokens == 4
    assert decoder.skipped == 0


junk_lines = st.sampled_from(
    [
        "data: {not json",
        "data: [1, 2]",
        "data: 42",
        "event: ping",
        "id: 7",
        "retry: x",
        ": comment",
        "data: null",
        "garbage without colon",
        'data: {"choices": "nope"}',
    ]
)


@settings(max_examples=200)
@given(st.lists(junk_lines, max_size=8), st.lists(st.integers(min_value=0), max_size=20))
def test_junk_between_events_never_crashes_or_changes_the_answer(
    junk: list[str], cuts: list[int]
) -> None:
    text = stream_text(["think"], ["answer"])
    head, tail = text.split("data: [DONE]")
    noisy = head + "".join(line + "\n\n" for line in junk) + "data: [DONE]" + tail
    events, _ = run(split_at(noisy, cuts))
    assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == "answer"
    assert isinstance(events[-1], Finished)


@given(st.text(max_size=200), st.lists(st.integers(min_value=0), max_size=10))
def test_arbitrary_text_never_raises_anything_but_error_events(text: str, cuts: list[int]) -> None:
    with contextlib.suppress(StreamErrorEvent):
        run(split_at(text, cuts))


def test_eof_without_finish_is_not_complete() -> None:
    text = "data: " + chunk({"content": "partial"}) + "\n\n"
    events, decoder = run([text])
    assert [e for e in events if isinstance(e, ContentDelta)] == [ContentDelta("partial")]
    assert not any(isinstance(e, Finished) for e in events)
    assert not decoder.complete


def test_last_event_without_blank_line_is_dispatched_at_eof() -> None:
    text = "data: " + chunk({"content": "x"}, "stop") + "\n\ndata: [DONE]"
    events, decoder = run([text])
    assert decoder.done and events[-1] == Finished("stop")


def test_data_lines_without_blank_lines_between_are_separate_events() -> None:
    text = "data: " + chunk({"content": "a"}) + "\ndata: " + chunk({"content": "b"}, "stop")
    events, _ = run([text + "\n\n"])
    assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == "ab"


def test_usage_last_non_null_wins_and_may_come_in_an_empty_choices_chunk() -> None:
    decoder = ChunkDecoder()
    list(decoder.feed(chunk({"content": "hi"}, usage=None)))
    list(decoder.feed(chunk({"content": ""}, "stop")))
    list(
        decoder.feed(
            json.dumps({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}})
        )
    )
    events = list(decoder.close())
    assert events[0] == Usage(
        prompt_tokens=5, completion_tokens=2, total_tokens=7, prompt_cache_miss_tokens=5
    )


def test_first_reasoner_chunk_with_null_content_and_empty_reasoning() -> None:
    decoder = ChunkDecoder()
    first = list(
        decoder.feed(chunk({"role": "assistant", "content": None, "reasoning_content": ""}))
    )
    assert first == []


def test_error_event_raises() -> None:
    with pytest.raises(StreamErrorEvent, match="overloaded"):
        list(ChunkDecoder().feed('{"error": {"message": "overloaded", "type": "x"}}'))


@settings(max_examples=300)
@given(safe_text, safe_text, st.lists(st.integers(min_value=0), max_size=10))
def test_think_tags_split_anywhere(thought: str, answer: str, cuts: list[int]) -> None:
    thought = thought.replace("<", "(")
    answer = answer.replace("<", "(").lstrip("\r\n") or "a"
    text = f"<think>{thought}</think>\n\n{answer}"
    splitter = ThinkTagSplitter()
    events = []
    for piece in split_at(text, cuts):
        events += list(splitter.feed(piece))
    events += list(splitter.flush())
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == thought
    assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == answer


@given(safe_text)
def test_content_without_think_tags_passes_through(text: str) -> None:
    splitter = ThinkTagSplitter()
    events = [*splitter.feed(text), *splitter.flush()]
    if not text.lstrip().startswith("<think>"):
        assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == text


# --- wire bugs found by outside clients (issue 10 §7, issue 11 §7) -------------------


def test_an_empty_feed_between_cr_and_lf_does_not_split_the_event() -> None:
    parser = SSEParser()
    events = [*parser.feed("data: a\r"), *parser.feed(""), *parser.feed("\ndata: b\r\n\r\n")]
    assert events == [ServerSentEvent("a\nb")]


@pytest.mark.parametrize("pieces", [["\ufeffdata: x\n\n"], ["\ufeff", "data: x\n\n"]])
def test_a_byte_order_mark_at_the_start_of_the_stream_is_stripped(pieces: list[str]) -> None:
    parser = SSEParser()
    assert [event for piece in pieces for event in parser.feed(piece)] == [ServerSentEvent("x")]


def test_only_the_first_byte_order_mark_is_stripped() -> None:
    # The SSE spec strips one at the start; later it makes an unknown field name.
    parser = SSEParser()
    assert parser.feed("\ufeffdata: x\n\n\ufeffdata: y\n\n") == [ServerSentEvent("x")]


def test_an_error_event_keeps_its_name_and_the_name_resets_after_it() -> None:
    parser = SSEParser()
    events = parser.feed("event: error\ndata: upstream timed out\n\ndata: {}\n\nevent: error\n\n")
    assert events == [
        ServerSentEvent("upstream timed out", "error"),
        ServerSentEvent("{}"),
        ServerSentEvent("", "error"),  # no data, still an error
    ]


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ('{"message": "Upstream overloaded", "code": 503}', ": Upstream overloaded"),
        ('{"error": {"message": "Upstream overloaded"}}', ": Upstream overloaded"),
        ("Upstream overloaded", ": Upstream overloaded"),
        ("", "."),
    ],
)
def test_an_error_event_says_what_the_gateway_said(data: str, said: str) -> None:
    assert str(error_event(data)) == "The server reported an error mid-answer" + said


def test_a_line_longer_than_the_limit_is_an_error_however_it_arrives() -> None:
    parser = SSEParser(max_line=100)
    parser.feed("data: " + "x" * 94)  # exactly at the limit, not yet an error
    with pytest.raises(StreamLineTooLong, match="longer than 100 characters"):
        for _ in range(20):
            parser.feed("x" * 10)
    with pytest.raises(StreamLineTooLong):
        SSEParser(max_line=100).feed("data: " + "x" * 200 + "\n\n")


def test_a_line_at_the_limit_parses() -> None:
    parser = SSEParser(max_line=100)
    line = "data: " + "x" * 94
    assert [*parser.feed(line[:50]), *parser.feed(line[50:] + "\n\n")] == [
        ServerSentEvent("x" * 94)
    ]


def test_the_default_limit_is_8_mb() -> None:
    with pytest.raises(StreamLineTooLong, match="longer than 8 MB"):
        SSEParser().feed("x" * (8 * 1024 * 1024 + 1))


class _CountedPiece(str):
    """A piece of input that counts the characters copied by `+` on it."""

    copied = 0

    def __add__(self, other: str) -> str:
        _CountedPiece.copied += len(self) + len(other)
        return str.__add__(self, other)

    def __radd__(self, other: str) -> str:
        _CountedPiece.copied += len(self) + len(other)
        return str.__add__(other, self)


def test_a_long_line_in_small_pieces_is_joined_once_not_copied_per_piece() -> None:
    # Linear time without timing anything: gluing every new piece to the buffer (the
    # old way) copies the line's prefix again for each piece, O(n²) characters.
    line = "data: " + json.dumps({"x": "a" * (2 * 1024 * 1024)})
    _CountedPiece.copied = 0
    parser = SSEParser()
    events = []
    for start in range(0, len(line), 1024):
        events += parser.feed(_CountedPiece(line[start : start + 1024]))
    events += parser.feed(_CountedPiece("\n\n"))
    assert events == [ServerSentEvent(line.removeprefix("data: "))]
    assert _CountedPiece.copied <= 2 * len(line)


# --- the decoder's shortcut for chunks that differ only in their text -------------------


class _FullParse(ChunkDecoder):
    """The decoder without its shortcut: every chunk parsed whole."""

    def _learn_shape(self, *args: object) -> None:
        pass


def _chunk_text(literal: str, kind: str, compact: bool, extra: str) -> str:
    delta = (
        f'{{"content":{literal}}}'
        if kind == "content"
        else f'{{"content":null,"reasoning_content":{literal}}}'
    )
    text = f'{{"id":"c1",{extra}"choices":[{{"index":0,"delta":{delta},"finish_reason":null}}]}}'
    return text if compact else text.replace(":", ": ").replace(",", ", ")


any_text = st.text(max_size=8)  # surrogates, quotes, backslashes, controls…
literals = st.one_of(
    st.builds(json.dumps, any_text),
    st.builds(lambda t: json.dumps(t, ensure_ascii=False), any_text),
    st.builds(lambda t: f'"{t}"', any_text),  # often not one valid JSON string
)
payloads = st.one_of(
    st.builds(
        _chunk_text,
        literals,
        st.sampled_from(["content", "reasoning"]),
        st.booleans(),
        st.sampled_from(["", '"model":"m2",', '"usage":null,']),
    ),
    st.sampled_from(
        [
            chunk({"content": "x"}, "stop", {"prompt_tokens": 1, "completion_tokens": 2}),
            chunk({"content": "<think>"}),
            chunk({"content": "x", "tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}),
            "{not json",
            "[DONE]",
        ]
    ),
)


@settings(max_examples=300)
@given(st.lists(payloads, max_size=30))
def test_the_shortcut_gives_what_a_full_parse_gives(sequence: list[str]) -> None:
    fast, full = ChunkDecoder(), _FullParse()
    assert [e for p in sequence for e in fast.feed(p)] == [
        e for p in sequence for e in full.feed(p)
    ]
    assert [*fast.close()] == [*full.close()]
    assert (fast.skipped, fast.model, fast.usage, fast.done) == (
        full.skipped,
        full.model,
        full.usage,
        full.done,
    )


def test_chunks_that_differ_only_in_their_text_take_the_shortcut() -> None:
    decoder = ChunkDecoder()
    events = [e for piece in ["a", "b\n", '"c"'] for e in decoder.feed(chunk({"content": piece}))]
    assert decoder._shape is not None and decoder._shape_used
    assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == 'ab\n"c"'


def test_a_key_that_only_looks_like_the_text_is_not_taken_for_it() -> None:
    def sent(decoy: str) -> str:  # the real key escaped, a decoy key that ends the same
        return f'{{"choices":[{{"delta":{{"x\\"content":"{decoy}","\\u0063ontent":"a"}}}}]}}'

    decoder = ChunkDecoder()
    events = [e for decoy in ["a", "b", "c"] for e in decoder.feed(sent(decoy))]
    assert events == [ContentDelta("a")] * 3


# --- runs of records read straight to text (WireDecoder) -------------------------------


def _merged(events: list) -> list:
    """Adjacent deltas of one kind joined: how they are shown and saved."""
    out: list = []
    for event in events:
        delta = isinstance(event, ContentDelta | ReasoningDelta)
        if out and delta and type(out[-1]) is type(event):
            out[-1] = type(event)(out[-1].text + event.text)
        else:
            out.append(event)
    return out


def _by_wire_decoder(pieces: list[str]) -> tuple[list, ChunkDecoder]:
    wire = WireDecoder()
    batch = EventBatch()
    for piece in pieces:
        wire.read(piece, batch)
    wire.end(batch)
    return [*batch.take(), *wire.chunks.close()], wire.chunks


def _by_parser(pieces: list[str]) -> tuple[list, ChunkDecoder]:
    parser, decoder = SSEParser(), _FullParse()
    events = [e for piece in pieces for sse in parser.feed(piece) for e in decoder.feed(sse.data)]
    events += [e for sse in parser.close() for e in decoder.feed(sse.data)]
    return [*events, *decoder.close()], decoder


records = st.one_of(
    st.builds(lambda p: f"data: {p}\n\n", payloads),
    st.builds(lambda p: f"data:{p}\r\n\r\n", payloads),
    st.builds(
        lambda t: "data: " + chunk({"content": t}) + "\n\n",
        any_text,
    ),
    st.sampled_from([": keep-alive\n\n", "event: ping\ndata: {}\n\n", "id: 7\n", "\n"]),
)


@settings(max_examples=300)
@given(st.lists(records, max_size=40), st.lists(st.integers(min_value=0), max_size=30))
def test_runs_read_straight_to_text_give_what_the_parser_gives(
    stream: list[str], cuts: list[int]
) -> None:
    text = "".join(stream)
    pieces = split_at(text, cuts)
    ours, fast = _by_wire_decoder(pieces)
    theirs, full = _by_parser(pieces)
    assert _merged(ours) == _merged(theirs)
    assert (fast.skipped, fast.model, fast.usage, fast.done) == (
        full.skipped,
        full.model,
        full.usage,
        full.done,
    )


def test_a_long_stream_is_read_in_runs_across_reads() -> None:
    texts = [f'piece {n} \\ "quoted" é\n' for n in range(300)]
    text = "".join("data: " + chunk({"content": t}) + "\n\n" for t in texts)
    wire, batch, taken = WireDecoder(), EventBatch(), []
    original = wire.chunks.take_run

    def counted(*args: object) -> int:
        taken.append(original(*args))  # type: ignore[arg-type]
        return taken[-1]

    wire.chunks.take_run = counted  # type: ignore[method-assign]
    for start in range(0, len(text), 1000):  # reads that cut records anywhere
        wire.read(text[start : start + 1000], batch)
    wire.end(batch)
    assert batch.take() == [ContentDelta("".join(texts))]
    assert sum(taken) > 0.9 * len(text)  # nearly all of it in runs


def test_an_error_event_after_a_run_keeps_the_run() -> None:
    wire, batch = WireDecoder(), EventBatch()
    text = "".join("data: " + chunk({"content": t}) + "\n\n" for t in "abcd")
    with pytest.raises(StreamErrorEvent, match="overloaded"):
        wire.read(text + "event: error\ndata: overloaded\n\n", batch)
    assert batch.take() == [ContentDelta("abcd")]


def test_a_pair_split_between_two_chunks_of_a_run_reads_as_the_parser_reads_it() -> None:
    texts = ["a", "\ud83d", "\ude00", "b"]  # one emoji's surrogates in two chunks
    records = ["data: " + chunk({"content": t}) + "\n\n" for t in texts]
    pieces = [records[0], "".join(records[1:])]  # the first teaches the shape; a run
    assert _merged(_by_wire_decoder(pieces)[0]) == _merged(_by_parser(pieces)[0])


def test_a_line_over_the_limit_in_a_run_is_refused_as_the_parser_refuses_it() -> None:
    wire, batch = WireDecoder(), EventBatch()
    wire.parser.max_line = 300
    records = ["data: " + chunk({"content": t}) + "\n\n" for t in ["a", "b", "c" * 400]]
    wire.read(records[0], batch)  # the shape
    with pytest.raises(StreamLineTooLong):
        wire.read("".join(records[1:]), batch)  # a run with a line too long in it
