"""Two windows on one config dir: one streams an answer, the other deletes that
conversation and quits (issue 19 §3). The first keeps what it writes: the database
then holds its whole conversation, it says so once, and its next question goes out."""

from __future__ import annotations

import asyncio
import sys

import pytest

from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.session import Session
from deepseek_tui.session.engine import DELETED_ELSEWHERE
from deepseek_tui.store import Store
from deepseek_tui.tui.widgets.messages import AssistantMessage
from tests.helpers import (
    answered,
    chat_bodies,
    highlight_in_sidebar,
    notices,
    send,
    sidebar_ids,
    streaming_under_way,
    wait_for,
)

# What a second window does to the conversation: ^l, delete (hidden, undoable), then
# its quit deletes it for good. In a process of its own, as a second window is.
SECOND_WINDOW = """
import sys
from deepseek_tui.history import History
from deepseek_tui.store import Store
store = Store.open(sys.argv[1])
history = History(store)
history.delete(store.last_conversation().id)
history.close()
store.close()
"""


def saved(paths: Paths) -> list[tuple[str, str]]:
    """Every message in the database, read apart from the app."""
    store = Store.open(paths.database)
    try:
        return [
            (message.role, message.content)
            for summary in store.list_conversations()
            for message in store.messages(summary.conversation.id)
        ]
    finally:
        store.close()


async def test_a_conversation_deleted_in_another_window_loses_nothing(
    make_app, emulator: Emulator, paths: Paths
) -> None:
    words = " ".join(f"word{index}" for index in range(300))
    emulator.faults = Faults(token_delay=0.01)
    app = make_app()
    said: list[str] = []  # every notice, however briefly shown
    notify = app.notify
    app.notify = lambda message, *args, **kwargs: (  # type: ignore[method-assign]
        said.append(str(message)),
        notify(message, *args, **kwargs),
    )[1]
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, f"echo: {words}")
        await streaming_under_way(pilot, chars=50)
        second = await asyncio.create_subprocess_exec(
            sys.executable, "-c", SECOND_WINDOW, str(paths.database)
        )
        assert await second.wait() == 0
        answer = app.screen.query_one(AssistantMessage)
        await wait_for(pilot, lambda: answer.finished, "the answer ended")
        await answered(pilot)
        # Deleted before the answer ended, it is saved again at once (deleted after,
        # at the next question): either way the database holds what the window shows.
        emulator.faults = Faults()
        await send(pilot, "echo: and after it")
        await wait_for(pilot, lambda: len(app.screen.query(AssistantMessage)) == 2)
        await answered(pilot)
        assert chat_bodies(emulator)[-1]["messages"][-1]["content"] == "echo: and after it"
        assert [m["content"] for m in chat_bodies(emulator)[-1]["messages"]][:2] == [
            f"echo: {words}",
            words,
        ]
        assert said.count(DELETED_ELSEWHERE) == 1
    assert saved(paths) == [
        ("user", f"echo: {words}"),
        ("assistant", words),
        ("user", "echo: and after it"),
        ("assistant", "and after it"),
    ]


async def test_deleting_the_streaming_conversation_in_this_window_still_deletes_it(
    make_app, emulator: Emulator, paths: Paths
) -> None:
    # The answer's last save comes after this window's own delete: that is not a
    # delete made elsewhere, and the conversation must not come back.
    emulator.faults = Faults(token_delay=0.01)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: " + "word " * 300)
        await streaming_under_way(pilot, chars=50)
        conversation_id = app.session.conversation.id
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: conversation_id in sidebar_ids(app), "listed")
        highlight_in_sidebar(app, conversation_id)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: app.session.conversation is None, "a new conversation")
        assert app.store.get_conversation(conversation_id).archived
        # The stopped answer went with its conversation, not into the new one (it was
        # appended to the new conversation's messages, the parent of its first question).
        assert app.session.messages == []
    assert saved(paths) == []


async def test_a_reply_that_fails_in_an_unforeseen_way_says_so(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before, an exception inside the reply (the assert of a vanished row) left an
    # empty answer header: nothing sent, nothing said.
    def broken(*_: object) -> None:
        raise AssertionError("a bug")

    monkeypatch.setattr(Session, "_persist_user", broken)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello")
        await wait_for(
            pilot, lambda: "The answer failed: AssertionError: a bug" in notices(app), "said"
        )
