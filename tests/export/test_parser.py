"""Reading an export back: checks that name the field, and the store's plain values."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepseek_tui.api.events import FinishReason, Usage
from deepseek_tui.export import (
    InvalidExport,
    conversation_to_json,
    load_export,
    normalize_timestamp,
    parse_export,
    validate_export,
)
from deepseek_tui.messages import MessageDraft
from deepseek_tui.store import Store
from tests.helpers import export_of


def test_an_import_round_trips_exactly_and_keeps_a_free_id() -> None:
    store = Store.memory()
    data = export_of("Round trip")
    conversation = store.insert_conversation(parse_export(data))
    assert conversation.id == data["id"]
    messages = store.messages(conversation.id)
    assert messages[1].parent_id == messages[0].id and messages[0].parent_id is None
    assert messages[1].thinking is None
    assert conversation_to_json(conversation, messages) == data
    assert len(store.search("because")) == 1


def test_the_parsed_values_are_plain_and_typed() -> None:
    new = parse_export(export_of("Typed", messages=[export_of("x")["messages"][1]]))
    (answer,) = new.messages
    assert answer.finish_reason is FinishReason.STOP
    assert answer.usage == Usage(10, 20, 31, 5, 4, 6)
    weird = export_of("x")["messages"][1] | {"finish_reason": "made_up", "usage": {}}
    (kept,) = parse_export(export_of("Odd", messages=[weird])).messages
    assert kept.finish_reason == "made_up" and kept.usage == Usage()


def test_deleted_then_imported_from_its_export_is_the_same_conversation() -> None:
    store = Store.memory()
    conversation = store.create_conversation("keep me")
    question = store.add_message(conversation.id, MessageDraft("user", "keep me"))
    store.add_message(conversation.id, MessageDraft("assistant", "kept"), parent_id=question.id)
    conversation = store.get_conversation(conversation.id)
    saved = conversation_to_json(conversation, store.messages(conversation.id))
    store.delete_conversation(conversation.id)
    assert store.get_conversation(conversation.id) is None
    restored = store.insert_conversation(parse_export(saved))
    assert restored == conversation
    assert conversation_to_json(restored, store.messages(restored.id)) == saved


def test_an_invalid_export_names_the_problem() -> None:
    bad = export_of("bad")
    bad["messages"][1]["role"] = "robot"
    with pytest.raises(InvalidExport, match=r"messages\[1\]\.role") as caught:
        parse_export(bad)
    assert str(caught.value).startswith("is not a deepseek-tui export: ")
    assert len(caught.value.problems) == 1


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"title": "x", ', "is not valid JSON (line 1, column 16"),
        (b"\xff\xfe junk", "is not UTF-8 text"),
        (b"[" * 100_000, "nested too deeply"),
        (b"[]", "found a list"),
    ],
)
def test_a_file_that_is_not_an_export_says_why(raw: bytes, words: str) -> None:
    with pytest.raises(InvalidExport, match=words.replace("(", r"\(")):
        load_export(raw)


def test_a_byte_order_mark_is_fine() -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(export_of("bom")).encode()
    assert load_export(raw).title == "bom"


def test_timestamps_are_kept_as_the_store_writes_them() -> None:
    store = Store.memory()
    data = export_of("t", created_at="2026-11-23T09:00:00Z", updated_at="2026-11-23T10:00:00+01:00")
    conversation = store.insert_conversation(parse_export(data))
    assert conversation.created_at == "2026-11-23T09:00:00.000Z"
    assert conversation.updated_at == "2026-11-23T09:00:00.000Z"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"id": 7}, "id must be a non-empty string"),
        ({"title": ["x"]}, "title must be text"),
        ({"created_at": "soon"}, "created_at is not an ISO-8601 time"),
        ({"messages": {}}, "messages must be a list"),
        ({"messages": ["hi"]}, "messages[0] must be an object"),
    ],
)
def test_validation_names_the_field(change: dict, problem: str) -> None:
    problems = validate_export({**export_of("v"), **change})
    assert any(problem in p for p in problems), problems


def test_validation_of_message_fields() -> None:
    data = export_of("v")
    data["messages"][1].update(
        usage={"prompt_tokens": -1, "completion_tokens": True},
        model=3,
        created_at=None,
    )
    del data["messages"][0]["content"]
    problems = validate_export(data)
    assert "messages[0].content is missing." in problems
    assert any(
        p.startswith("messages[1].usage.prompt_tokens must be a whole number") for p in problems
    )
    assert any(p.startswith("messages[1].usage.completion_tokens") for p in problems)
    assert any(p.startswith("messages[1].model must be text or null") for p in problems)
    assert any(p.startswith("messages[1].created_at is missing") for p in problems)
    assert validate_export(export_of("fine")) == []
    assert validate_export([]) and validate_export("text") and validate_export(None)


def test_optional_fields_may_be_left_out() -> None:
    minimal = {
        "created_at": "2026-11-23T09:00:00Z",
        "updated_at": "2026-11-23T09:00:00Z",
        "messages": [{"role": "user", "content": "hi", "created_at": "2026-11-23T09:00:00Z"}],
    }
    assert validate_export(minimal) == []
    conversation = Store.memory().insert_conversation(parse_export(minimal))
    assert conversation.title == "" and len(conversation.id) == 36


def test_timestamps_normalize_to_utc_milliseconds() -> None:
    assert normalize_timestamp("2026-11-23T09:00:00.123Z") == "2026-11-23T09:00:00.123Z"
    assert normalize_timestamp("2026-11-23T09:00:00Z") == "2026-11-23T09:00:00.000Z"
    assert normalize_timestamp("2026-11-23T10:30:00.5+01:00") == "2026-11-23T09:30:00.500Z"
    assert normalize_timestamp("2026-11-23 09:00") == "2026-11-23T09:00:00.000Z"
    for bad in ("yesterday", "", "0001-01-01T00:00:00+01:00"):
        with pytest.raises(ValueError):
            normalize_timestamp(bad)


# Values shaped like an export, often wrong in one place.
_TIMES = st.sampled_from(["2026-11-23T09:00:00Z", "2026-11-23 09:00", "soon", "", 5, None])
_TEXT = st.one_of(st.text(max_size=8), st.none(), st.integers(), st.just("\ud800"))
_COUNTS = st.dictionaries(
    st.sampled_from(["prompt_tokens", "completion_tokens", "total_tokens", "other"]),
    st.one_of(st.integers(min_value=-1, max_value=2**64), st.booleans(), st.text(max_size=2)),
)
_MESSAGE = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["user", "assistant", "system", "tool", "robot"]),
        "created_at": _TIMES,
    },
    optional={
        "content": _TEXT,
        "reasoning_content": _TEXT,
        "model": _TEXT,
        "finish_reason": _TEXT,
        "usage": st.one_of(st.none(), _COUNTS, st.integers()),
        "tool_calls": st.one_of(
            st.none(),
            st.lists(
                st.fixed_dictionaries(
                    {"id": _TEXT, "function": st.fixed_dictionaries({"name": _TEXT})},
                    optional={"type": _TEXT},
                ),
                max_size=2,
            ),
            _TEXT,
        ),
        "tool_call_id": _TEXT,
        "tool": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {"tool": _TEXT, "status": _TEXT},
                optional={"server": _TEXT, "seconds": st.floats(), "cut": st.booleans()},
            ),
        ),
    },
)
_EXPORT = st.fixed_dictionaries(
    {"created_at": _TIMES, "updated_at": _TIMES},
    optional={
        "id": _TEXT,
        "title": _TEXT,
        "messages": st.one_of(st.lists(_MESSAGE, max_size=3), st.text(max_size=2)),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_EXPORT, st.lists(st.integers(), max_size=2), st.text(max_size=3)))
def test_whatever_the_parser_accepts_the_store_can_insert(data: object) -> None:
    try:
        new = parse_export(data)
    except InvalidExport as error:
        assert error.problems and all(p.endswith(".") for p in error.problems)
        return
    store = Store.memory()
    conversation = store.insert_conversation(new)
    assert len(store.messages(conversation.id)) == len(new.messages)


TOOL_TURN = [
    {
        "role": "assistant",
        "content": "",
        "reasoning_content": "I should look at the clock.",
        "model": "deepseek-v4",
        "finish_reason": "tool_calls",
        "usage": None,
        "created_at": "2026-11-23T09:00:02.000Z",
        "tool_calls": [
            {
                "id": "call_00_abc",
                "type": "function",
                "function": {"name": "demo__time", "arguments": '{"zone": "UTC"}'},
            }
        ],
    },
    {
        "role": "tool",
        "content": "09:00 UTC [cut]",
        "reasoning_content": None,
        "model": None,
        "finish_reason": None,
        "usage": None,
        "created_at": "2026-11-23T09:00:03.000Z",
        "tool_call_id": "call_00_abc",
        "tool": {
            "server": "demo",
            "tool": "time",
            "status": "done",
            "output": "09:00 UTC and the rest",
            "seconds": 0.25,
            "cut": True,
            "arguments": '{"zone": "UTC"}',
        },
    },
]


def test_tool_calls_and_results_round_trip_exactly() -> None:
    store = Store.memory()
    data = export_of("Tools")
    data["messages"][1:1] = TOOL_TURN
    conversation = store.insert_conversation(parse_export(data))
    messages = store.messages(conversation.id)
    assert [m.role for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[1].tool_calls[0].arguments == '{"zone": "UTC"}'
    assert messages[2].tool is not None and messages[2].tool.cut
    assert conversation_to_json(conversation, messages) == data


def test_a_bad_tool_call_is_named() -> None:
    bad = dict(TOOL_TURN[0], tool_calls=[{"id": 3, "function": {"name": "x"}}])
    problems = validate_export(export_of("Bad", messages=[bad, dict(TOOL_TURN[1], tool=[])]))
    assert problems == [
        "messages[0].tool_calls[0].id must be text, not 3.",
        "messages[0].tool_calls[0].function.arguments must be text, not null.",
        "messages[1].tool must be an object or null, not a list.",
    ]
