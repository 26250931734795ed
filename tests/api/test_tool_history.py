"""A conversation with tool calls on the wire: what `build_messages` sends back (pure,
checked by the emulator's own rules), byte for byte the same on every request, and a
whole tool turn against the emulator over loopback."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepseek_tui.api import ChatRequest, DeepSeekClient, ToolCall, ToolCalls
from deepseek_tui.api.events import ContentDelta, ReasoningDelta
from deepseek_tui.api.models import model_traits
from deepseek_tui.api.request import INTERRUPTED_RESULT, build_messages, pass_back_reasoning_for
from deepseek_tui.emulator import Emulator
from deepseek_tui.emulator.validation import Rejected, parse_chat_request


@dataclass
class R:
    """A stored message, as the session keeps one."""

    role: str
    content: str
    reasoning: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


TIME = ToolCall("call_00_a", "demo__time", "{}")
ROLL = ToolCall("call_01_b", "demo__roll", '{"sides": 6}')


def conversation() -> list[R]:
    return [
        R("user", "what time is it, and roll a die"),
        R("assistant", "Let me check.", "I need two tools.", (TIME, ROLL)),
        R("tool", "12:00 UTC", tool_call_id=TIME.id),
        R("tool", "4", tool_call_id=ROLL.id),
        R("assistant", "It is noon and you rolled a 4.", "Both are in."),
        R("user", "thanks"),
        R("assistant", "You're welcome.", "Nothing to call."),
        R("user", "and now?"),
    ]


def accepted(messages: list[dict], model: str = "deepseek-v4-flash", tools: bool = True) -> None:
    """The emulator's checks, DeepSeek's rules (raises Rejected with its 400)."""
    body = {"model": model, "messages": messages, "thinking": {"type": "enabled"}}
    if tools:
        body["tools"] = [{"type": "function", "function": {"name": "demo__time"}}]
    parse_chat_request(json.dumps(body).encode(), beta=False)


def test_a_tool_turn_goes_back_as_deepseek_wants_it() -> None:
    messages = build_messages(conversation())
    assert messages[1:5] == [
        {
            "role": "assistant",
            "content": "Let me check.",
            "reasoning_content": "I need two tools.",
            "tool_calls": [TIME.to_wire(), ROLL.to_wire()],
        },
        {"role": "tool", "tool_call_id": TIME.id, "content": "12:00 UTC"},
        {"role": "tool", "tool_call_id": ROLL.id, "content": "4"},
        {
            "role": "assistant",
            "content": "It is noon and you rolled a 4.",
            "reasoning_content": "Both are in.",
        },
    ]
    # A turn without tool calls sends its answer's content only.
    assert messages[6] == {"role": "assistant", "content": "You're welcome."}
    accepted(messages)


def test_without_pass_back_no_reasoning_is_sent_and_v4_thinking_refuses() -> None:
    messages = build_messages(conversation(), pass_back_reasoning=False)
    assert all("reasoning_content" not in m for m in messages)
    with pytest.raises(Rejected, match="must be passed back"):
        accepted(messages)


def test_a_call_without_text_or_reasoning_still_carries_both_fields() -> None:
    history = [R("user", "time?"), R("assistant", "", None, (TIME,))]
    history.append(R("tool", "noon", tool_call_id=TIME.id))
    messages = build_messages(history)
    assert messages[1] == {
        "role": "assistant",
        "content": None,  # never [] and never dropped for being empty
        "reasoning_content": "",  # the field must be there, even with no reasoning
        "tool_calls": [TIME.to_wire()],
    }
    accepted(messages)


def test_a_call_killed_before_its_result_gets_one_saying_so() -> None:
    history = [*conversation()[:3], R("user", "hello?")]  # ROLL's result never came
    messages = build_messages(history)
    assert messages[2:5] == [
        {"role": "tool", "tool_call_id": TIME.id, "content": "12:00 UTC"},
        {"role": "tool", "tool_call_id": ROLL.id, "content": INTERRUPTED_RESULT},
        {"role": "user", "content": "hello?"},
    ]
    accepted(messages)
    assert build_messages(conversation()[:2])[-1]["content"] == INTERRUPTED_RESULT


def test_results_that_answer_no_call_are_left_out_and_nothing_merges_across_tools() -> None:
    history = [
        R("tool", "orphan", tool_call_id="call_x"),
        R("user", "q"),
        R("assistant", "", None, (TIME,)),
        R("system", "a note stored between a call and its result"),
        R("tool", "noon", tool_call_id=TIME.id),
        R("tool", "noon again", tool_call_id=TIME.id),
        R("tool", "stray", tool_call_id="call_y"),
        R("user", "q2"),
        R("user", "q3"),
    ]
    messages = build_messages(history)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "user"]
    assert messages[3]["content"] == "noon" and messages[4]["content"] == "q2\n\nq3"
    accepted(messages)


def test_the_replayed_history_is_the_same_bytes_on_every_request() -> None:
    history = conversation()
    first = json.dumps(build_messages(history[:5]), ensure_ascii=False)
    # The same records as a JSON file (a reopened conversation, an import) gives them.
    stored = json.loads(json.dumps([asdict(m) for m in history]))
    reread = [
        R(**{**m, "tool_calls": tuple(ToolCall(**c) for c in m["tool_calls"])}) for m in stored
    ]
    again = build_messages(reread)
    assert json.dumps(build_messages(history), ensure_ascii=False) == json.dumps(
        again, ensure_ascii=False
    )
    # The next request's messages start with this one's, byte for byte (prefix cache).
    assert json.dumps(again, ensure_ascii=False)[: len(first) - 1] == first[:-1]
    # Records that keep calls as wire dicts serialize the same.
    as_dicts = [
        R(**{**asdict(m), "tool_calls": [c.to_wire() for c in m.tool_calls]}) for m in history
    ]
    assert build_messages(as_dicts) == again


tool_ids = st.sampled_from(["call_00_a", "call_01_b", "call_02_c"])
records = st.one_of(
    st.builds(R, st.sampled_from(["user", "assistant", "system"]), st.text(max_size=5)),
    st.builds(
        R,
        st.just("assistant"),
        st.text(max_size=5),
        st.one_of(st.none(), st.text(max_size=5)),
        st.lists(
            st.builds(ToolCall, tool_ids, st.just("f")), max_size=3, unique_by=lambda c: c.id
        ).map(tuple),
    ),
    st.builds(R, st.just("tool"), st.text(max_size=5), tool_call_id=tool_ids),
)


@settings(max_examples=300)
@given(st.lists(records, max_size=20), st.booleans())
def test_any_history_with_tool_calls_is_one_deepseek_accepts(history: list[R], back: bool) -> None:
    messages = build_messages([*history, R("user", "last")], pass_back_reasoning=back)
    accepted(messages, "deepseek-v4-flash" if back else "deepseek-chat")


def test_which_models_pass_reasoning_back_and_a_profile_decides() -> None:
    assert pass_back_reasoning_for("deepseek-v4-pro") is True
    assert pass_back_reasoning_for("deepseek-v3.2") is True
    assert pass_back_reasoning_for("deepseek-reasoner") is True  # the alias, V3.2+ with tools
    assert pass_back_reasoning_for("deepseek/deepseek-r1") is False  # R1 refused the field
    assert pass_back_reasoning_for("deepseek-chat") is False  # never thinks
    assert pass_back_reasoning_for("deepseek-v4-pro", False) is False
    assert model_traits("deepseek-r1").pass_back_reasoning is False


async def test_a_whole_tool_turn_over_loopback_then_the_next_question(
    client: DeepSeekClient, emulator: Emulator
) -> None:
    tools = ({"type": "function", "function": {"name": "demo__time", "parameters": {}}},)
    history = [R("user", "What time is it?")]

    async def ask() -> list:
        request = ChatRequest("deepseek-v4-flash", build_messages(history), tools=tools)
        return [event async for event in client.stream_chat(request)]

    found = await ask()
    (call,) = next(e for e in found if isinstance(e, ToolCalls)).calls
    said = "".join(e.text for e in found if isinstance(e, ContentDelta))
    thought = "".join(e.text for e in found if isinstance(e, ReasoningDelta))
    history += [
        R("assistant", said, thought, (call,)),
        R("tool", "12:00 UTC", tool_call_id=call.id),
    ]
    found = await ask()
    answer = "".join(e.text for e in found if isinstance(e, ContentDelta))
    assert answer == "The `demo__time` tool says: 12:00 UTC"
    history += [R("assistant", answer, "done"), R("user", "Thanks!")]
    found = await ask()
    assert found[-1].reason == "stop"
    usage = [e for e in found if type(e).__name__ == "Usage"][-1]
    assert usage.prompt_cache_hit_tokens > 0  # the replayed turn is a cached prefix
