"""Titles asked of the model (issue 12 §4): with `model_titles` on, a new
conversation's first answer is followed by one small non-streaming request whose
reply renames the conversation, unless the user renamed it first; off, nothing extra
is sent. Pilot drives the app; the emulator over loopback answers and records.

The emulator echoes what follows "echo:" in the last user message, and the title
request's user message starts with the question, so its reply's first line (all
that `clean_title` keeps) is the question's echoed text."""

from __future__ import annotations

import asyncio
import logging

from deepseek_tui.config import Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.titles import TITLE_MAX_TOKENS, clean_title, title_from, title_messages
from deepseek_tui.tui.screens.chat import ChatScreen
from deepseek_tui.tui.widgets.dialogs import TextPrompt
from deepseek_tui.tui.widgets.sidebar import Sidebar
from tests.helpers import (
    answered,
    chat_bodies,
    highlight_in_sidebar,
    notices,
    screen_text,
    send,
    sidebar_ids,
    wait_for,
)

QUESTION = "echo: Borrow checker **basics**"
TITLE = "Borrow checker basics"


def titled(make_app):
    return make_app(settings=Settings(model_titles=True))


async def test_the_first_answer_is_followed_by_a_title_from_the_model(
    make_app, emulator: Emulator
) -> None:
    app = titled(make_app)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+l")  # the sidebar open: it follows the rename too
        app.screen.composer.focus()
        await send(pilot, QUESTION)
        await answered(pilot)
        await wait_for(
            pilot,
            lambda: app.session.conversation.title == TITLE,
            lambda: f"the title, got {app.session.conversation.title!r}",
        )
        chat: ChatScreen = app.screen
        assert chat.title_bar.title == TITLE
        assert app.history.get(app.session.conversation.id).title == TITLE
        await wait_for(pilot, lambda: TITLE in screen_text(app), "the sidebar's row")
        assert app.screen.query_one(Sidebar).display
        # One streamed answer, then one small non-streaming request for the title.
        answer, title = chat_bodies(emulator)
        assert answer["stream"] is True
        assert title.get("stream") is False
        assert title["max_tokens"] == TITLE_MAX_TOKENS
        assert title["messages"][-1]["content"].startswith(QUESTION)
        # Its cost is added to the last answer's on the status bar.
        assert "+ title $" in chat.status.last
        # The second answer asks for nothing more.
        await send(pilot, "echo: more")
        await answered(pilot)
        assert len(chat_bodies(emulator)) == 3
        assert app.session.conversation.title == TITLE


async def test_off_by_default_no_request_is_made_and_the_question_is_the_title(
    make_app, emulator: Emulator
) -> None:
    app = make_app()
    assert not app.settings.model_titles
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, QUESTION)
        await answered(pilot)
        assert len(chat_bodies(emulator)) == 1
        assert app.session.conversation.title == title_from(QUESTION)


async def hold_title_requests(app) -> asyncio.Event:
    """Hold the client's non-streaming requests (only the title's) until released."""
    app.connect()
    client = app.client
    release = asyncio.Event()
    complete = client.complete

    async def held(request):
        await release.wait()
        return await complete(request)

    client.complete = held
    return release


async def test_a_rename_by_the_user_before_the_title_arrives_is_kept(
    make_app, emulator: Emulator, caplog
) -> None:
    app = titled(make_app)
    caplog.set_level(logging.INFO, logger="deepseek_tui.wire")
    async with app.run_test(size=(120, 30)) as pilot:
        release = await hold_title_requests(app)
        await send(pilot, QUESTION)
        chat: ChatScreen = app.screen
        await wait_for(pilot, lambda: not chat.streaming and app.session.messages, "the answer")
        await wait_for(pilot, lambda: len(app.session.messages) == 2, "the answer saved")
        conversation_id = app.session.conversation.id
        # The user renames it in the sidebar while the title request is held.
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: conversation_id in sidebar_ids(app), "listed")
        highlight_in_sidebar(app, conversation_id)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt), "the rename prompt")
        await pilot.press("ctrl+u", *"Mine", "enter")
        await wait_for(pilot, lambda: chat.title_bar.title == "Mine", "the rename shown")
        assert app.history.get(conversation_id).title == "Mine"
        release.set()
        await app.workers.wait_for_complete()
        # The title arrived and was looked at: what the worker says when it keeps a rename.
        await wait_for(pilot, lambda: "renamed or deleted meanwhile" in caplog.text, "decided")
        assert len(chat_bodies(emulator)) == 2  # the title was asked for…
        assert app.history.get(conversation_id).title == "Mine"  # …and not used
        assert chat.title_bar.title == "Mine"


async def test_a_failed_title_request_is_only_logged(make_app, emulator: Emulator, caplog) -> None:
    app = titled(make_app)
    caplog.set_level(logging.INFO, logger="deepseek_tui.wire")
    async with app.run_test(size=(120, 30)) as pilot:
        release = await hold_title_requests(app)
        await send(pilot, QUESTION)
        chat: ChatScreen = app.screen
        await wait_for(pilot, lambda: len(app.session.messages) == 2, "the answer saved")
        emulator.faults.error_status = 400
        release.set()
        await app.workers.wait_for_complete()
        # The failure was handled: it is in the log. Then whatever it posted is handled
        # too (a pause runs every message queued so far), and nothing else happened.
        await wait_for(pilot, lambda: "title request failed" in caplog.text, "the failure")
        await pilot.pause()
        assert len(chat_bodies(emulator)) == 2  # the title was asked for
        assert app.session.conversation.title == title_from(QUESTION)
        assert notices(app) == []  # nothing said on screen
        assert chat.status.last.startswith("last:") and "+ title" not in chat.status.last


# --- the request and the reply, without a screen ------------------------------------


def test_title_replies_lose_markdown_quotes_labels_and_extra_lines() -> None:
    assert clean_title('**Title:** "Rust borrow checker".\nWhy: …') == "Rust borrow checker"
    assert clean_title("\n\n# Sky colour, explained") == "Sky colour, explained"
    assert clean_title("> 1. [Link](https://x) basics!") == "Link basics"
    assert clean_title("“Don't panic”") == "Don't panic"
    assert clean_title('""') == ""
    assert clean_title("a\x1b[31mred\u0007") == "a[31mred"


def test_a_long_title_is_cut_at_a_word_within_sixty_characters() -> None:
    title = clean_title("word " * 30)
    assert len(title) <= 60
    assert title.endswith("…")
    assert "\n" not in clean_title("one\ntwo")


def test_the_title_request_starts_with_the_question_and_quotes_the_answer() -> None:
    messages = title_messages("echo: hi", "x" * 5000)
    assert messages[0]["role"] == "system"
    assert "3 to 6 words" in messages[0]["content"]
    user = messages[1]["content"]
    assert user.startswith("echo: hi\n")
    assert len(user) < 1200


async def test_a_conversation_started_by_files_alone_gets_a_model_title_too(
    make_app, emulator: Emulator, tmp_path, monkeypatch
) -> None:
    from deepseek_tui.tui.screens.attach_picker import AttachPicker

    (tmp_path / "notes.txt").write_text("echo: Notes about lifetimes\n")
    monkeypatch.chdir(tmp_path)
    app = titled(make_app)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPicker), "the picker")
        await pilot.press(*"notes.txt", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "back in the chat")
        await pilot.press("enter")  # the file alone is the question
        await answered(pilot)
        # Titled after the file at first; the model's title replaces it.
        await wait_for(
            pilot,
            lambda: len(chat_bodies(emulator)) == 2,
            lambda: f"a title request, got {len(chat_bodies(emulator))} requests",
        )
        await wait_for(
            pilot,
            lambda: app.session.conversation.title != "notes.txt",
            lambda: f"renamed, got {app.session.conversation.title!r}",
        )


async def test_the_demo_emulator_titles_in_3_to_6_words(make_app, emulator: Emulator) -> None:
    """As a real model does: not the canned answer's heading ("A long answer" for
    "hello") and not a whole sentence for a code question."""
    app = titled(make_app)
    async with app.run_test(size=(80, 24)) as pilot:
        titles = []
        for question in ("hello", "write fizzbuzz in python for me and explain each line"):
            await pilot.press("ctrl+n", "enter")  # a new, blank conversation
            await send(pilot, question)
            await answered(pilot)
            await wait_for(
                pilot,
                lambda q=question: app.session.conversation.title != title_from(q),
                "the model's title",
            )
            titles.append(app.session.conversation.title)
        assert titles == ["Greeting and demo tour", "A Python FizzBuzz"]
        assert all(3 <= len(title.split()) <= 6 for title in titles)
