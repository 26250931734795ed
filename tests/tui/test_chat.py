"""The chat screen driven with Pilot against the emulator over loopback."""

from __future__ import annotations

import pytest
from textual.command import CommandList
from textual.widgets import Collapsible

from deepseek_tui.config import Settings
from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.tui.screens.chat import ChatScreen
from deepseek_tui.tui.widgets.composer import Composer
from deepseek_tui.tui.widgets.messages import AssistantMessage
from deepseek_tui.tui.widgets.question import UserMessage
from tests.helpers import (
    answered,
    chat_bodies,
    notices,
    palette,
    screen_text,
    send,
    streaming_under_way,
    wait_for,
)


async def test_opens_into_a_new_conversation_with_the_composer_focused(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert isinstance(app.focused, Composer)
        status = str(app.screen.query_one("#status").render())
        assert "deepseek-chat" in status


async def test_send_and_see_the_answer(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: Hello from the test")
        await answered(pilot)
        assert app.screen.query_one(UserMessage).text == "echo: Hello from the test"
        answer = app.screen.query_one(AssistantMessage)
        assert answer.content == "Hello from the test"
        assert answer.model == "deepseek-chat"
        assert app.screen.query_one(Composer).text == ""


async def test_reasoning_panel_streams_then_collapses(make_app) -> None:
    app = make_app(settings=Settings(model="deepseek-reasoner"))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "Why is the sky blue?")
        await answered(pilot)
        answer = app.screen.query_one(AssistantMessage)
        panel = answer.query_one(".reasoning", Collapsible)
        assert answer.reasoning and answer.content
        assert panel.display and panel.collapsed
        assert panel.title.startswith("Thought for")
        assert "tokens" in panel.title


async def test_switching_model_mid_conversation(make_app, emulator: Emulator) -> None:
    app = make_app(settings=Settings(model="deepseek-reasoner"))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "first question")
        await answered(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"deepseek-chat")
        await pilot.press("enter")
        await pilot.pause()
        await send(pilot, "second question")
        await answered(pilot)
        answers = list(app.screen.query(AssistantMessage))
        assert [a.model for a in answers] == ["deepseek-reasoner", "deepseek-chat"]
    body = chat_bodies(emulator)[-1]
    assert body["model"] == "deepseek-chat"
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert all("reasoning_content" not in m for m in body["messages"])


async def test_escape_stops_and_keeps_what_arrived(make_app, emulator: Emulator) -> None:
    emulator.faults = Faults(token_delay=0.02)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: " + "word " * 300)
        await streaming_under_way(pilot)
        await pilot.press("escape")
        await answered(pilot)
        answer = app.screen.query_one(AssistantMessage)
        assert 20 < len(answer.content) < len("word " * 300)
        assert "stopped" in answer.status
        stored = app.store.messages(app.session.conversation.id)
        assert stored[-1].finish_reason == "stopped"


async def test_a_stopped_answer_says_stopped_until_the_next_one_starts(
    make_app, emulator: Emulator
) -> None:
    # Issue 18, item 7: "stopped" stayed in the status line while the next answer streamed.
    emulator.faults = Faults(token_delay=0.02)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: " + "word " * 300)
        await streaming_under_way(pilot)
        await pilot.press("escape")
        await answered(pilot)
        assert app.screen.status.last == "stopped"
        await send(pilot, "echo: " + "again " * 300)
        await wait_for(
            pilot,
            lambda: (
                len(app.screen.query(AssistantMessage)) == 2
                and len(app.screen.query(AssistantMessage).last().content) > 20
            ),
            "the second answer streaming",
        )
        assert app.screen.conversation.streaming
        assert "stopped" not in app.screen.status.last
        await pilot.press("escape")
        await answered(pilot)


async def test_errors_show_in_the_conversation_with_the_next_step(
    make_app, emulator: Emulator
) -> None:
    emulator.faults = Faults(error_status=401)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hello")
        await answered(pilot)
        error = app.screen.query_one(".error")
        text = str(error.render())
        assert "HTTP 401" in text and "Settings" in text
        assert "{" not in text


async def test_markup_and_escapes_in_answers_are_shown_literally(make_app) -> None:
    app = make_app()
    payload = "[bold red]not markup[/] and \x1b[31mansi\x1b[0m"
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: " + payload)
        await answered(pilot)
        user = app.screen.query_one(UserMessage)
        assert "[bold red]" in str(user.render())
        answer = app.screen.query_one(AssistantMessage)
        rendered = answer.query_one(".answer").source
        assert "[bold red]not markup[/]" in rendered
        assert "\x1b" not in rendered and "␛[31m" in rendered


def test_sanitize_shows_every_control_character() -> None:
    from deepseek_tui.terminal import sanitize

    text = "a\x1b]52;c;ZXZpbA==\x07b\x08c\x9bd\r\ne\tf"
    shown = sanitize(text)
    assert shown == "a␛]52;c;ZXZpbA==␇b␈c\ufffdd\ne\tf"
    assert sanitize("plain text\n") == "plain text\n"


async def test_new_conversation_clears_the_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: one")
        await answered(pilot)
        first = app.session.conversation.id
        await pilot.press("ctrl+n", "enter")  # ^n: the first row is blank
        # The empty conversation's hint is back: the new conversation is on screen.
        await wait_for(pilot, lambda: "press ⏎" in screen_text(app), "the empty conversation")
        assert app.session.conversation is None
        assert not list(app.screen.query(AssistantMessage))
        await send(pilot, "echo: two")
        await answered(pilot)
        assert app.session.conversation.id != first


async def test_welcome_offers_the_demo_without_a_key(make_app) -> None:
    app = make_app(api_key=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "Try the offline demo" in screen_text(app), "the welcome")
        await pilot.click("#demo")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        assert app.demo
        await send(pilot, "echo: demo works")
        await answered(pilot)
        assert app.screen.query_one(AssistantMessage).content == "demo works"


async def test_welcome_saves_a_pasted_key(make_app, paths) -> None:
    app = make_app(api_key=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press(*"sk-test-0000000000000000abcd")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
    assert "sk-test-0000000000000000abcd" in paths.credentials_file.read_text()


async def test_help_lists_the_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: "^o" in screen_text(app), "the help lists ^o")
        shown = screen_text(app)
        model_row = next(line for line in shown.splitlines() if "^o " in line and "│" in line)
        assert "model" in model_row.lower()
        assert "^l" in shown and "Chats" in shown and "Composer" in shown
        await pilot.press("escape")
        # The chat is drawn again (its empty state), and the help is gone from it.
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ChatScreen) and "press ⏎" in screen_text(app),
            "the chat again",
        )
        assert "Pick the model for the next message" not in screen_text(app)


async def test_copy_last_answer_and_code_block(make_app) -> None:
    app = make_app()
    text = "Look:\n\n```python\nprint('hi')\n```\n"
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: " + text)
        await answered(pilot)
        await pilot.press("ctrl+b")
        assert app.clipboard == text
        assert app.screen.copying.code_blocks() == [("python", "print('hi')")]


async def test_command_palette_switches_model_by_name(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"deepseek-reasoner")

        def offered() -> bool:
            listing = app.screen.query(CommandList)
            option = listing.first().highlighted_option if listing else None
            return option is not None and "deepseek-reasoner" in str(option.prompt)

        await wait_for(pilot, offered, "the palette offers deepseek-reasoner")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.model == "deepseek-reasoner", "the model")


async def test_regenerate_makes_a_sibling_and_edit_resends(make_app, emulator: Emulator) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: first")
        await answered(pilot)
        await pilot.press("ctrl+r")
        await answered(pilot)
        assert len(list(app.screen.query(AssistantMessage))) == 1
        await pilot.press("up")  # empty composer: edit the last question
        await pilot.pause()
        composer = app.screen.query_one(Composer)
        assert composer.text == "echo: first"
        composer.clear()
        await send(pilot, "echo: edited")
        await answered(pilot)
        assert [w.text for w in app.screen.query(UserMessage)] == ["echo: edited"]
        stored = app.store.messages(app.session.conversation.id)
        assert [m.content for m in stored] == ["echo: edited", "edited"]
    last = chat_bodies(emulator)[-1]["messages"]
    assert last == [{"role": "user", "content": "echo: edited"}]


async def test_toggle_reasoning_panels(make_app) -> None:
    app = make_app(settings=Settings(model="deepseek-reasoner"))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "Why?")
        await answered(pilot)
        panel = app.screen.query_one(".reasoning", Collapsible)
        assert panel.collapsed
        await pilot.press("ctrl+g")
        assert not panel.collapsed
        await pilot.press("ctrl+g")
        assert panel.collapsed


async def test_continue_reopens_the_last_conversation_with_its_reasoning(make_app) -> None:
    first = make_app(settings=Settings(model="deepseek-reasoner"))
    async with first.run_test(size=(120, 40)) as pilot:
        await send(pilot, "Why is the sky blue?")
        await answered(pilot)
        reasoning = first.screen.query_one(AssistantMessage).reasoning
    again = make_app(continue_last=True)
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert [w.text for w in again.screen.query(UserMessage)] == ["Why is the sky blue?"]
        answer = again.screen.query_one(AssistantMessage)
        assert answer.reasoning == reasoning and answer.model == "deepseek-reasoner"
        assert again.session.model == "deepseek-reasoner", "goes on with the last model"
        assert answer.query_one(".reasoning", Collapsible).display


async def test_quitting_mid_stream_saves_the_answer_as_stopped(
    make_app, emulator: Emulator, paths
) -> None:
    from deepseek_tui.store import Store

    emulator.faults = Faults(token_delay=0.02)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: " + "word " * 300)
        await streaming_under_way(pilot)
        await pilot.press("ctrl+q")
    store = Store.open(paths.database)
    conversation = store.last_conversation()
    answer = store.messages(conversation.id)[-1]
    assert answer.finish_reason == "stopped"
    assert len(answer.content) > 20
    store.close()


async def test_pasting_a_multi_line_block_inserts_and_never_sends(
    make_app, emulator: Emulator
) -> None:
    from textual import events

    app = make_app()
    block = "line one\nline two\n\nline four"
    async with app.run_test(size=(120, 40)) as pilot:
        composer = app.screen.query_one(Composer)
        app.post_message(events.Paste(block))  # as the driver delivers a paste
        await wait_for(pilot, lambda: composer.text == block, "the paste inserted")
        # Enter sends it: one question, the whole block. A send started by the paste's
        # newlines would have come first (messages keep their order) and shown here.
        await pilot.press("enter")
        await answered(pilot)
        assert [w.text for w in app.screen.query(UserMessage)] == [block]
        assert len(chat_bodies(emulator)) == 1


async def test_the_picker_turns_thinking_off_for_a_toggle_model(
    make_app, emulator: Emulator
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the server's model list has arrived
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"v4-flash")
        await pilot.pause()
        assert "Thinking on" in str(app.screen.query_one("#thinking-label").render())
        await pilot.press("ctrl+t")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.model == "deepseek-v4-flash", "the pick")
        assert app.session.thinks is False
        await send(pilot, "echo: quick")
        await answered(pilot)
    assert chat_bodies(emulator)[-1]["thinking"] == {"type": "disabled"}


async def test_a_stopped_answer_continues_in_place(make_app, emulator: Emulator) -> None:
    emulator.faults = Faults(token_delay=0.02)
    app = make_app()
    full = "word " * 300
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: " + full)
        await streaming_under_way(pilot)
        await pilot.press("escape")
        await answered(pilot)
        cut = app.screen.query_one(AssistantMessage).content
        assert "^f" in app.screen.query_one(AssistantMessage).status
        emulator.faults = Faults()
        await pilot.press("ctrl+f")
        await answered(pilot)
        answers = list(app.screen.query(AssistantMessage))
        assert len(answers) == 1
        assert answers[0].content.startswith(cut) and len(answers[0].content) > len(cut)
        stored = app.store.messages(app.session.conversation.id)
        assert [m.role for m in stored] == ["user", "assistant"]
        assert stored[-1].content == answers[0].content
        assert stored[-1].finish_reason == "stop"
    request = [r for r in emulator.requests if r.path.endswith("chat/completions")][-1]
    assert request.path.startswith("/beta/")
    assert request.body["messages"][-1] == {"role": "assistant", "content": cut, "prefix": True}


async def test_the_view_follows_the_answer_unless_scrolled_up(make_app, emulator: Emulator) -> None:
    from textual.containers import VerticalScroll

    emulator.faults = Faults(token_delay=0.003)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "long 1000")
        conversation = app.screen.query_one("#conversation", VerticalScroll)
        await wait_for(pilot, lambda: conversation.max_scroll_y > 40, "the answer fills the view")
        assert conversation.scroll_y == conversation.max_scroll_y, "pinned to the bottom"
        conversation.scroll_to(y=0, animate=False)  # the user scrolls up to read
        await pilot.pause()
        answer = app.screen.query_one(AssistantMessage)
        height = conversation.max_scroll_y
        await wait_for(
            pilot,
            lambda: conversation.max_scroll_y > height or answer.finished,
            "more of the answer arrives",
        )
        assert conversation.scroll_y < 5, "stays where the user is reading"
        await answered(pilot)
        await pilot.press("ctrl+down")
        await pilot.pause()
        assert conversation.scroll_y == conversation.max_scroll_y


async def test_continuing_a_thinking_answer_keeps_its_panel_closed(
    make_app, emulator: Emulator
) -> None:
    emulator.faults = Faults(token_delay=0.01)
    app = make_app(settings=Settings(model="deepseek-reasoner"))
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: " + "word " * 200)
        await streaming_under_way(pilot)
        await pilot.press("escape")
        await answered(pilot)
        emulator.faults = Faults()
        await pilot.press("ctrl+f")
        await answered(pilot)
        panel = app.screen.query_one(AssistantMessage).query_one(".reasoning", Collapsible)
        assert panel.collapsed and panel.title.startswith("Thought for")


async def test_a_conversation_through_segmind(make_app, emulator: Emulator) -> None:
    app = make_app(provider="segmind")
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: queued, polled, answered")
        await answered(pilot)
        assert app.screen.query_one(AssistantMessage).content == "queued, polled, answered"
    assert emulator.requests[0].path == "/v2/deepseek-chat"


@pytest.mark.parametrize("width", [80, 110])
async def test_a_question_that_just_wraps_shows_every_line(make_app, width: int) -> None:
    """A question is as tall as its wrapped text (a layout that measured it without
    its left margin once cut the last line of questions near a wrap)."""
    from rich.text import Text

    from deepseek_tui.tui.widgets.conversation import ConversationView

    app = make_app()
    async with app.run_test(size=(width, 40)) as pilot:
        conversation = app.screen.query_one(ConversationView)
        lengths = range(width - 20, width + 4)
        for length in lengths:
            await conversation.add(
                UserMessage(("x" * 9 + " ") * (length // 10) + "y" * (length % 10))
            )
        await pilot.pause()
        for question in app.screen.query(UserMessage):
            lines = Text(question.text).wrap(app.console, question.content_region.width)
            assert question.content_region.height == len(lines), question.text


async def test_model_ids_from_outside_show_as_text_in_picker_and_palette(make_app) -> None:
    """An id a server or config lists is shown as typed: no markup, no escapes."""
    hostile = "[bold]evil\x1b[2J"
    app = make_app(settings=Settings(models=[hostile]))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: "evil" in screen_text(app), "the picker lists it")
        assert "[bold]evil" in screen_text(app) and "\x1b" not in screen_text(app)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"evil")
        await wait_for(pilot, lambda: "[bold]evil" in screen_text(app), "the palette lists it")
        assert "\x1b" not in screen_text(app)


async def test_the_palette_lists_one_help_and_saves_a_screenshot_where_it_says(
    make_app, tmp_path, monkeypatch
) -> None:
    """Textual's "Keys" and "Maximize" are not listed beside our help; "Screenshot"
    saves in the working folder and says where (Textual's said only that it failed)."""
    from deepseek_tui.tui.screens.help import HelpScreen

    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: "Search for commands" in screen_text(app), "the palette")
        await pilot.press(*"Keys")
        await wait_for(pilot, lambda: "Help: every key" in screen_text(app), "our help")
        assert "Show help for the focused widget" not in screen_text(app)
        await pilot.press(*["backspace"] * 4, *"Maximize")
        await pilot.pause()
        assert "Maximize the focused widget" not in screen_text(app)
        await pilot.press(*["backspace"] * 8, *"Keys", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "our help")
        await pilot.press("escape")
        await palette(pilot, "Screenshot")
        await wait_for(pilot, lambda: list(tmp_path.glob("*.svg")), "the picture saved")
        (saved,) = tmp_path.glob("*.svg")
        await wait_for(pilot, lambda: f"Screenshot saved to {saved}" in notices(app), "said")


async def test_ctrl_t_on_a_model_that_cannot_toggle_says_why(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:

        def footer() -> str:
            return screen_text(app).splitlines()[-1]

        await wait_for(pilot, lambda: "^o" in footer(), "the footer")
        assert "^t" not in footer()  # not offered
        await pilot.press("ctrl+t")
        await wait_for(
            pilot,
            lambda: any("does not think" in notice for notice in notices(app)),
            "a notice",
        )


async def test_an_answer_posts_one_finished_however_it_ended(
    make_app, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Events are the only channel (issue 17 §2): done, failed or stopped, the screen
    # hears of an answer's end once, and the reply says how it ended.
    seen: list[tuple[str | None, bool, bool]] = []
    handled = ChatScreen.on_assistant_message_finished

    def spy(screen: ChatScreen, event: AssistantMessage.Finished) -> None:
        reply = event.reply
        seen.append((reply.finish_reason, event.stopped, reply.error is not None))
        handled(screen, event)

    monkeypatch.setattr(ChatScreen, "on_assistant_message_finished", spy)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "echo: one")
        await wait_for(pilot, lambda: len(seen) == 1, "the first answer's end")
        emulator.faults = Faults(error_status=400)
        await send(pilot, "echo: two")
        await wait_for(pilot, lambda: len(seen) == 2, "the failed answer's end")
        emulator.faults = Faults(token_delay=0.02)
        await send(pilot, "echo: " + "word " * 300)
        await wait_for(
            pilot, lambda: len(app.screen.query(AssistantMessage).last().content) > 20, "words"
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(seen) == 3, "the stopped answer's end")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert seen == [("stop", False, False), ("error", False, True), ("stopped", True, False)]
        assert app.screen.status.last == "stopped"
