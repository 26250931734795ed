"""A conversation keeps its own request parameters (issue 10 §4): set from the
settings or the palette, saved with it, sent with every request of it."""

from __future__ import annotations

import contextlib

import pytest

from deepseek_tui.api import DeepSeekClient
from deepseek_tui.api.request import JSON_MODE_MISSING, Parameters
from deepseek_tui.config import Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.messages import MessageDraft
from deepseek_tui.session import Session
from deepseek_tui.store import Store
from tests.helpers import chat_bodies


@pytest.fixture
def store() -> Store:
    return Store.memory()


async def drain(events) -> None:
    async with contextlib.aclosing(events) as stream:
        async for _ in stream:
            pass


async def test_a_new_conversation_starts_from_the_settings_and_saves_them(
    client: DeepSeekClient, store: Store, emulator: Emulator
) -> None:
    settings = Settings(json_mode=True, stop=["END"], frequency_penalty=0.25)
    session = Session.from_settings(client, store, settings)
    await drain(session.send("answer in JSON please"))
    body = chat_bodies(emulator)[-1]
    assert body["response_format"] == {"type": "json_object"}
    assert body["stop"] == ["END"] and body["frequency_penalty"] == 0.25
    saved = store.conversation_parameters(session.conversation.id)
    assert saved == {"json_mode": True, "stop": ["END"], "frequency_penalty": 0.25}


async def test_parameters_changed_mid_conversation_are_saved_and_reopened(
    client: DeepSeekClient, store: Store, emulator: Emulator
) -> None:
    session = Session.from_settings(client, store, Settings())
    await drain(session.send("first"))
    session.set_parameters(Parameters(stop=("STOP",), max_tokens=100))
    await drain(session.send("second"))
    assert chat_bodies(emulator)[-1]["stop"] == ["STOP"]

    # Another session (the TUI reopening it, or `ask --continue`), other settings.
    again = Session.from_settings(client, store, Settings(json_mode=True, max_tokens=5))
    assert again.parameters.json_mode, "a new conversation would use the settings'"
    again.open(session.conversation.id)
    assert again.parameters == Parameters(stop=("STOP",), max_tokens=100)
    await drain(again.send("third"))
    body = chat_bodies(emulator)[-1]
    assert body["stop"] == ["STOP"] and body["max_tokens"] == 100
    assert "response_format" not in body
    again.new()
    assert again.parameters.json_mode and again.parameters.max_tokens == 5


async def test_json_mode_without_json_is_refused_before_anything_is_saved_or_sent(
    client: DeepSeekClient, store: Store, emulator: Emulator
) -> None:
    session = Session(client, store, model="deepseek-chat")
    session.set_parameters(Parameters(json_mode=True))
    assert session.json_mode_problem("hello") == JSON_MODE_MISSING
    with pytest.raises(ValueError, match="mentions JSON"):
        await drain(session.send("hello"))
    assert chat_bodies(emulator) == [] and store.list_conversations() == []
    # The system prompt may say it; a model without JSON mode has no such rule.
    session.system_prompt = "You reply in JSON."
    assert session.json_mode_problem("hello") is None
    session.system_prompt = ""
    session.model = "deepseek-reasoner"
    assert session.json_mode_problem("hello") is None


async def test_switching_provider_keeps_the_conversations_parameters(
    client: DeepSeekClient, store: Store
) -> None:
    settings = Settings()
    session = Session.from_settings(client, store, settings)
    session.set_parameters(Parameters(stop=("END",)))
    session.use_provider(settings, "segmind")
    assert session.parameters.stop == ("END",)
    # Saving the settings applies what they changed to the open conversation; what
    # the conversation set for itself, and the settings left alone, stays (issue 18 §1).
    session.apply_settings(Settings(presence_penalty=1.0))
    assert session.parameters == Parameters(stop=("END",), presence_penalty=1.0)


def test_turns_left_out_are_saved_as_the_last_message_left_out(store: Store) -> None:
    """Issue 18 §1: reopened, the same turns are left out; a branch that does not go
    through the last message left out is sent whole."""
    conversation = store.create_conversation("Three turns")
    parent = None
    for index in range(3):
        question = store.add_message(
            conversation.id, MessageDraft("user", f"q{index}"), parent_id=parent
        )
        answer = MessageDraft("assistant", f"a{index}", model="deepseek-chat")
        parent = store.add_message(conversation.id, answer, parent_id=question.id).id
    session = Session(None, store, model="deepseek-chat")
    session.open(conversation.id)
    session.omit_oldest_turns(1)
    sent = session.next_request("q3").request.messages
    assert [m["content"] for m in sent] == ["q1", "a1", "q2", "a2", "q3"]

    again = Session(None, store, model="deepseek-chat")
    again.open(conversation.id)
    assert again.omitted_turns == 1
    assert again.next_request("q3").request.messages == sent
    other = store.add_message(conversation.id, MessageDraft("user", "q0, asked again"))
    again.open_at(other.id)
    assert again.omitted_turns == 0
    assert [m["content"] for m in again.next_messages()] == ["q0, asked again"]
