"""↑ edits the last question: a visible editing state, Esc puts everything back,
and the new branch can be switched at once."""

from __future__ import annotations

from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.messages import AssistantMessage
from deepseek_tui.tui.widgets.question import UserMessage
from tests.helpers import answered, screen_text, send, wait_for


def questions(app) -> list[str]:
    """The questions as they stand (not the faded ones an edit will replace)."""
    return [w.text for w in app.screen.query(UserMessage) if not w.has_class("-replaced")]


def faded(app) -> list[str]:
    return [w.text for w in app.screen.query(UserMessage) if w.has_class("-replaced")]


async def test_editing_shows_and_escape_restores_the_conversation(
    make_app, emulator: Emulator
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "echo: one")
        await answered(pilot)
        await send(pilot, "echo: two")
        await answered(pilot)
        history = list(app.session.messages)
        composer = app.screen.query_one(Composer)
        await pilot.press("up")
        await wait_for(pilot, lambda: composer.text == "echo: two", "the question is loaded")
        assert composer.editing
        assert "esc cancels" in screen_text(app)
        assert questions(app) == ["echo: one"]
        # What the edit replaces is still there to read, faded.
        assert faded(app) == ["echo: two"] and "two" in screen_text(app)
        composer.clear()
        await pilot.press("up")  # emptied, ↑ goes further back: the first question
        await wait_for(pilot, lambda: composer.text == "echo: one", "the first question")
        await pilot.press("escape")
        await wait_for(pilot, lambda: questions(app) == ["echo: one", "echo: two"], "restored")
        assert faded(app) == []
        assert composer.text == "" and not composer.editing
        assert "esc cancels" not in screen_text(app)
        assert app.session.messages == history
        assert [a.content for a in app.screen.query(AssistantMessage)] == ["one", "two"]
        # Nothing was sent.
        assert len(app.store.messages(app.session.conversation.id)) == 4


async def test_an_edit_is_a_branch_that_switches_at_once(make_app, emulator: Emulator) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: first")
        await answered(pilot)
        composer = app.screen.query_one(Composer)
        await pilot.press("up")
        await wait_for(pilot, lambda: composer.editing, "editing")
        composer.clear()
        await send(pilot, "echo: second")
        await answered(pilot)
        assert not composer.editing
        assert faded(app) == []  # the replaced question and answer are gone
        user = app.screen.query_one(UserMessage)
        assert user.text == "echo: second" and user.branch == "‹ 2/2 ›"
        await pilot.press("left")  # empty composer: the other branch
        await wait_for(pilot, lambda: questions(app) == ["echo: first"], "the first branch")
        assert app.screen.query_one(UserMessage).branch == "‹ 1/2 ›"
        assert app.screen.query_one(AssistantMessage).content == "first"
