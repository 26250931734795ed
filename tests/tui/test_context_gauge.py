"""The context gauge in the status line: right after every answer and close while
typing; past 80 % it warns; a message that would not fit is not sent, and the user
chooses what happens (issue 12 §2)."""

from __future__ import annotations

import random

import pytest

from deepseek_tui.config import Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.session import SUMMARY_REQUEST
from deepseek_tui.tui.screens.chat_context import SUMMARY_INTRO
from deepseek_tui.tui.screens.context_full import ContextFull
from deepseek_tui.tui.widgets.prompt import Prompt
from deepseek_tui.tui.widgets.status_bar import StatusBar
from tests.helpers import answered, chat_requests, send, wait_for

WORDS = [
    "the",
    "of",
    "context",
    "window",
    "tokens",
    "answer",
    "model",
    "gauge",
    "paste",
    "block",
    "code",
    "line",
    "def",
    "return",
]


def pasted_block(chars: int, seed: int = 12) -> str:
    """A large pasted block of text: lines of words, some indented like code."""
    rng = random.Random(seed)
    lines: list[str] = []
    size = 0
    while size < chars:
        line = ("    " * rng.randint(0, 2)) + " ".join(rng.choices(WORDS, k=rng.randint(3, 12)))
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def small_window(window: int = 2000) -> Settings:
    """A model with a small window (the profile's figure), and answers kept short."""
    return Settings(max_tokens=100, providers={"deepseek": {"context_window": window}})


async def typed(pilot, text: str) -> None:
    """Type `text` (as one paste) and wait for the gauge to count it."""
    screen = pilot.app.screen
    screen.composer.insert(text)
    want = screen.session.gauge(screen.composer.text).label
    await wait_for(
        pilot,
        lambda: screen.query_one(StatusBar).context == want,
        lambda: f"the gauge shows {want}, not {screen.query_one(StatusBar).context!r}",
    )


@pytest.mark.parametrize("model", ["deepseek-chat", "deepseek-reasoner"])
async def test_the_gauge_is_within_5_percent_of_the_next_prompt_over_ten_turns(
    make_app, emulator: Emulator, model: str
) -> None:
    questions = [
        "hello",
        "Tell me about context windows.",
        f"Here is my file, please read it:\n\n```\n{pasted_block(24_000)}\n```\n\nWhat does it do?",
        "write a python function for primes",
        "show me a table of models",
        "echo: " + "a fairly long line to come straight back " * 20,
        "long 300",
        "And in Chinese? 上下文窗口是多少？",
        "Summarize the file again.",
        "thanks",
    ]
    app = make_app(settings=Settings(model=model))
    errors: list[float] = []
    async with app.run_test(size=(100, 30)) as pilot:
        status = app.screen.query_one(StatusBar)
        for question in questions:
            await typed(pilot, question)
            gauge = app.screen.session.gauge(app.screen.composer.text)
            assert status.context == gauge.label
            await pilot.press("enter")
            await answered(pilot)
            real = app.session.messages[-1].usage.prompt_tokens
            errors.append(abs(gauge.used - real) / real)
        # After the last answer the gauge counts the answer as context too.
        await wait_for(pilot, lambda: status.context == app.screen.session.gauge().label)
    print("relative errors:", [f"{e:.2%}" for e in errors])
    assert max(errors) <= 0.05, errors
    assert len(chat_requests(emulator)) == 10


async def test_the_gauge_warns_past_80_percent(make_app) -> None:
    app = make_app(settings=small_window())
    async with app.run_test(size=(100, 30)) as pilot:
        status = app.screen.query_one(StatusBar)
        await typed(pilot, "x" * 4000)  # ~1000 of 2000 tokens
        assert status.context.endswith("/2000") or status.context.endswith("/1.9k")
        assert not status.context_warning
        await typed(pilot, "x" * 2600)  # ~1650: past 80 %, still fits with 100 for the answer
        assert status.context_warning
        assert app.screen.session.gauge(app.screen.composer.text).fits
        drawn = status.render()
        start = drawn.plain.index(status.context)
        assert any(span.start <= start < span.end for span in drawn.spans)


async def test_a_message_that_would_not_fit_is_not_sent(make_app, emulator: Emulator) -> None:
    app = make_app(settings=small_window())
    async with app.run_test(size=(100, 30)) as pilot:
        await typed(pilot, "y" * 8000)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ContextFull), "the choices")
        buttons = {b.id for b in app.screen.query("Button")}
        # With nothing to leave out, dropping turns is not offered.
        assert buttons == {"summary", "new", "cancel"}
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ContextFull))
        assert app.screen.composer.text == "y" * 8000  # kept, nothing lost
        # A shorter message goes, alone: the long one was never sent, not even on Esc
        # (anything Esc started would have come before this).
        app.screen.composer.clear()
        await send(pilot, "echo: shorter")
        await answered(pilot)
        [request] = chat_requests(emulator)
        assert request.body["messages"] == [{"role": "user", "content": "echo: shorter"}]
        assert [m.content for m in app.session.messages] == ["echo: shorter", "shorter"]


async def conversation_of(pilot, turns: int) -> None:
    for index in range(turns):
        await send(pilot, f"echo: turn {index} " + "words and more words " * 14)
        await answered(pilot)


async def test_dropping_the_oldest_turns_sends_without_them(make_app, emulator: Emulator) -> None:
    emulator.context_window = 2000
    app = make_app(settings=small_window())
    async with app.run_test(size=(100, 30)) as pilot:
        await conversation_of(pilot, 4)  # ~620 tokens
        before = len(chat_requests(emulator))
        draft = "echo: now " + "z" * 5200  # ~1300 more: does not fit with all four turns
        await typed(pilot, draft)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ContextFull), "the choices")
        assert len(chat_requests(emulator)) == before  # refused before sending
        drop = app.screen.drop
        assert drop and app.screen.query_one("#drop").label.plain.startswith(
            f"Leave out the {drop} oldest"
        )
        await pilot.press("d")
        await wait_for(pilot, lambda: len(chat_requests(emulator)) == before + 1, "the send")
        await answered(pilot)
        sent = chat_requests(emulator)[-1].body["messages"]
        assert sent[-1] == {"role": "user", "content": draft}
        assert not any(m["content"].startswith("echo: turn 0") for m in sent)
        assert sent[0]["content"].startswith(f"echo: turn {drop}")
        assert app.session.messages[0].content.startswith("echo: turn 0")  # kept in history
        assert app.session.messages[-1].error is None
        assert app.session.omitted_turns == drop


async def test_a_new_conversation_keeps_the_message(make_app, emulator: Emulator) -> None:
    app = make_app(settings=small_window())
    async with app.run_test(size=(100, 30)) as pilot:
        await conversation_of(pilot, 2)
        first = app.session.conversation.id
        before = len(chat_requests(emulator))
        draft = "w" * 7000
        await typed(pilot, draft)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ContextFull), "the choices")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.session.messages == [], "a new conversation")
        assert app.screen.composer.text == draft
        assert app.session.conversation is None or app.session.conversation.id != first
        assert len(chat_requests(emulator)) == before


async def test_a_new_conversation_from_a_summary(make_app, emulator: Emulator) -> None:
    app = make_app(settings=small_window())
    async with app.run_test(size=(100, 30)) as pilot:
        await conversation_of(pilot, 3)
        before = len(chat_requests(emulator))
        draft = "the question that would not fit " + "v" * 6000
        await typed(pilot, draft)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ContextFull), "the choices")
        await pilot.press("s")
        await wait_for(
            pilot, lambda: app.screen.composer.text.startswith(SUMMARY_INTRO), "the summary"
        )
        asked = chat_requests(emulator)[before:]
        assert len(asked) == 1  # the summary request only; the draft was not sent
        messages = asked[0].body["messages"]
        assert messages[-1] == {"role": "user", "content": SUMMARY_REQUEST}
        assert messages[0]["content"].startswith("echo: turn 0")
        assert app.session.messages == []  # a new conversation
        assert app.screen.composer.text.endswith(draft)


async def test_the_servers_refusal_offers_the_same_choices(make_app, emulator: Emulator) -> None:
    # The server's window is smaller than we were told: our check lets it through,
    # DeepSeek's 400 comes back, and the same choices follow.
    emulator.context_window = 1200
    app = make_app(settings=small_window(2000))
    async with app.run_test(size=(100, 30)) as pilot:
        await conversation_of(pilot, 3)  # ~470 tokens
        await send(pilot, "echo: big " + "q" * 2800)  # ~1170: over the server's 1200 - 100
        await wait_for(pilot, lambda: isinstance(app.screen, ContextFull), "the choices")
        assert "The server refused" in str(app.screen.question)
        assert app.session.messages[-1].error
        assert "maximum context length" in app.session.messages[-1].error
        before = len(chat_requests(emulator))
        await pilot.press("d")
        await wait_for(pilot, lambda: len(chat_requests(emulator)) > before, "the retry")
        await answered(pilot)
        assert app.session.messages[-1].error is None
        assert app.session.messages[-1].content.startswith("big ")
        # The refusal's own count ("N in the messages") set the gauge right.
        assert app.session.omitted_turns >= 1


async def test_the_gauge_counts_an_attached_file_over_ten_turns(
    make_app, emulator: Emulator, tmp_path, monkeypatch
) -> None:
    """The Done-when of issue 12 §2 with a real attachment (^a), not a paste."""
    from deepseek_tui.tui.screens.attach_picker import AttachPicker
    from deepseek_tui.tui.screens.chat import ChatScreen
    from deepseek_tui.tui.widgets.attachments import AttachmentChips

    (tmp_path / "module.py").write_text(pasted_block(24_000))
    monkeypatch.chdir(tmp_path)
    turns = [
        ("hello", None),
        ("Tell me about context windows.", None),
        ("Here is my file, please read it. What does it do?", "module.py"),
        ("write a python function for primes", None),
        ("show me a table of models", None),
        ("echo: " + "a fairly long line to come straight back " * 20, None),
        ("long 300", None),
        ("And in Chinese? 上下文窗口是多少？", None),
        ("Summarize the file again.", None),
        ("thanks", None),
    ]
    app = make_app()
    errors: list[float] = []
    async with app.run_test(size=(100, 30)) as pilot:
        status = app.screen.query_one(StatusBar)
        for question, attachment in turns:
            screen = app.screen
            if attachment:
                await pilot.press("ctrl+a")
                await wait_for(pilot, lambda: isinstance(app.screen, AttachPicker), "picker")
                await pilot.press(*attachment, "enter")
                await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
                chips = screen.query_one(AttachmentChips)
                await wait_for(pilot, lambda chips=chips: chips.attachments, "the chip")
            screen.composer.insert(question)

            def expected(screen=screen):
                draft = screen.query_one(Prompt).draft  # the text and the files
                return screen.session.next_request(draft.text, draft.attachments).gauge

            await wait_for(
                pilot,
                lambda: status.context == expected().label,
                lambda: f"the gauge shows {expected().label}, not {status.context!r}",
            )
            gauge = expected()
            await pilot.press("enter")
            await answered(pilot)
            real = app.session.messages[-1].usage.prompt_tokens
            errors.append(abs(gauge.used - real) / real)
    print("relative errors:", [f"{e:.2%}" for e in errors])
    assert max(errors) <= 0.05, errors
    body = chat_requests(emulator)[2].body
    assert "module.py" in body["messages"][-1]["content"]  # the file went as a block
