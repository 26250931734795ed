"""The reasoning panel has one label, live and after reopening."""

from __future__ import annotations

import re

from textual.widgets import Collapsible

from deepseek_tui.api.events import thought_label
from deepseek_tui.config import Settings
from deepseek_tui.tui.widgets.messages import AssistantMessage
from tests.helpers import answered, send, wait_for


def test_the_label_reads_well_at_every_length() -> None:
    assert thought_label(3.24) == "Thought for 3.2 s"
    assert thought_label(12.4, 340) == "Thought for 12 s · 340 tokens"
    assert thought_label(125, 1200) == "Thought for 2 min 5 s · 1,200 tokens"
    assert thought_label(None, 340) == "Reasoning · 340 tokens"


async def test_the_label_is_the_same_live_and_reopened(make_app) -> None:
    app = make_app(settings=Settings(model="deepseek-reasoner"))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "Why is the sky blue?")
        await answered(pilot)
        live = app.screen.query_one(AssistantMessage).query_one(".reasoning", Collapsible).title
        conversation_id = app.session.conversation.id
    assert re.fullmatch(r"Thought for [\d.]+ s · [\d,]+ tokens", live), live

    reopened = make_app(conversation_id=conversation_id)
    async with reopened.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: reopened.screen.query(AssistantMessage), "the answer")
        panel = reopened.screen.query_one(AssistantMessage).query_one(".reasoning", Collapsible)
        assert panel.title == live


async def test_the_live_label_is_the_final_one(make_app, monkeypatch) -> None:
    """The live "Thought for 0.5 s" became "0.4 s" when done: the widget timed thinking
    itself, from its own start. A widget clock far off the session's shows any gap."""
    import itertools

    from deepseek_tui.tui.widgets import spinner

    ticks = itertools.count(0.0, 1.0)
    monkeypatch.setattr(spinner, "clock", lambda: next(ticks))
    live: list[str] = []
    finish = AssistantMessage.finish

    async def noted(self, **kwargs) -> None:
        live.append(self.query_one(".reasoning", Collapsible).title)
        await finish(self, **kwargs)

    monkeypatch.setattr(AssistantMessage, "finish", noted)
    app = make_app(settings=Settings(model="deepseek-reasoner"))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "Why is the sky blue?")
        await answered(pilot)
        final = app.screen.query_one(AssistantMessage).query_one(".reasoning", Collapsible).title
    assert live and final.startswith(live[0] + " · "), (live, final)
