"""Presets in the chat (issue 12 §3): ^n offers them in a picker, the palette lists
them, `--preset` starts from one, and a reopened conversation keeps its own. Pilot
drives the app; the emulator over loopback records what was sent."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList

from deepseek_tui.config import BUILTIN_PRESETS, Settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.screens.chat import ChatScreen
from deepseek_tui.tui.screens.preset_picker import PresetPicker
from deepseek_tui.tui.widgets.messages import AssistantMessage
from tests.helpers import answered, chat_bodies, palette, send, wait_for

REVIEWER = {
    "description": "code review",
    "system_prompt": "You review code.",
    "model": "deepseek-reasoner",
    "stop": ["END"],
}


def settings() -> Settings:
    return Settings(system_prompt="Top level.", presets={"reviewer": dict(REVIEWER)})


def system_of(body: dict) -> str | None:
    first = body["messages"][0]
    return first["content"] if first["role"] == "system" else None


async def open_picker(pilot) -> PresetPicker:
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PresetPicker), "the picker")
    return pilot.app.screen


async def test_ctrl_n_then_enter_is_a_blank_conversation_as_before(
    make_app, emulator: Emulator
) -> None:
    app = make_app(settings=settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo: one")
        await answered(pilot)
        first = app.session.conversation.id
        picker = await open_picker(pilot)
        # A modal like the others: the chat stays visible, dimmed, behind it.
        assert picker.styles.background.a < 1
        rows = picker.query_one(OptionList)
        assert rows.highlighted == 0
        assert str(rows.get_option_at_index(0).prompt) == "Blank conversation"
        names = [rows.get_option_at_index(i).id for i in range(1, rows.option_count)]
        assert names == ["coder", "translator", "concise", "reviewer"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat again")
        await wait_for(pilot, lambda: app.session.conversation is None, "a new conversation")
        assert not list(app.screen.query(AssistantMessage))
        assert app.session.preset is None
        await send(pilot, "echo: two")
        await answered(pilot)
        assert app.session.conversation.id != first
        assert system_of(chat_bodies(emulator)[-1]) == "Top level."


async def test_ctrl_n_starts_from_a_preset_whose_prompt_and_model_are_sent(
    make_app, emulator: Emulator
) -> None:
    app = make_app(settings=settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await open_picker(pilot)
        await pilot.press("down", "down", "down", "down", "enter")  # the fourth preset
        await wait_for(pilot, lambda: app.session.preset == "reviewer", "the preset")
        assert app.session.model == "deepseek-reasoner"
        await send(pilot, "echo: look")
        await answered(pilot)
        body = chat_bodies(emulator)[-1]
        assert body["model"] == "deepseek-reasoner"
        assert system_of(body) == "You review code."
        assert body["stop"] == ["END"]


async def test_ctrl_n_twice_is_a_blank_conversation(make_app) -> None:
    app = make_app(settings=settings(), preset="coder")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_picker(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat again")
        await wait_for(pilot, lambda: app.session.system_prompt == "Top level.", "blank")
        assert app.session.preset is None


async def test_esc_in_the_picker_keeps_the_conversation(make_app, emulator: Emulator) -> None:
    app = make_app(settings=settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo: keep me")
        await answered(pilot)
        kept = app.session.conversation.id
        await open_picker(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat again")
        # The next question goes on in the same conversation, with what came before.
        await send(pilot, "echo: still here")
        await answered(pilot)
        assert app.session.conversation.id == kept
        assert [m.content for m in app.store.messages(kept)] == [
            "echo: keep me",
            "keep me",
            "echo: still here",
            "still here",
        ]
        assert len(chat_bodies(emulator)[-1]["messages"]) == 4  # with what came before


async def test_the_palette_lists_new_conversation_from_each_preset(
    make_app, emulator: Emulator
) -> None:
    app = make_app(settings=settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await palette(pilot, "New conversation: translator")
        await wait_for(pilot, lambda: app.session.preset == "translator", "the preset")
        await send(pilot, "echo: bonjour")
        await answered(pilot)
        body = chat_bodies(emulator)[-1]
        assert system_of(body) == BUILTIN_PRESETS["translator"]["system_prompt"]
        assert body["temperature"] == 1.3


async def test_the_chat_opened_with_a_preset_sends_it(make_app, emulator: Emulator) -> None:
    app = make_app(settings=settings(), preset="coder")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo: code")
        await answered(pilot)
        assert system_of(chat_bodies(emulator)[-1]) == BUILTIN_PRESETS["coder"]["system_prompt"]


async def test_a_reopened_conversation_keeps_its_preset_and_parameters(
    make_app, emulator: Emulator
) -> None:
    app = make_app(settings=settings(), preset="reviewer")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo: first")
        await answered(pilot)
        kept = app.session.conversation.id
    again = make_app(settings=settings(), conversation_id=kept)
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: again.session.conversation is not None, "reopened")
        assert again.session.preset == "reviewer"
        assert again.session.parameters.stop == ("END",)
        await send(pilot, "echo: second")
        await answered(pilot)
        body = chat_bodies(emulator)[-1]
        assert system_of(body) == "You review code."
        assert body["model"] == "deepseek-reasoner" and body["stop"] == ["END"]
        assert again.session.conversation.id == kept


async def test_a_preset_description_from_the_config_is_shown_as_text(make_app) -> None:
    hostile = "[bold]loud[/] \x1b[31mred"
    app = make_app(settings=Settings(presets={"odd": {"description": hostile}}))
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        rows = picker.query_one(OptionList)
        prompt = rows.get_option_at_index(rows.option_count - 1).prompt
        assert isinstance(prompt, Text)
        assert "[bold]loud[/]" in prompt.plain and "\x1b" not in prompt.plain


async def test_the_preset_in_use_is_shown_in_the_status_line_list_and_history(
    make_app, emulator: Emulator
) -> None:
    """Issue 18 item 12: `--preset pirate` said from the first frame, the chats list
    and `deepseek-tui history` name it; a conversation without one shows no part."""
    import json

    from deepseek_tui.tui.widgets.conversation_list import ConversationList
    from tests.helpers import TEST_KEY, run, screen_text

    pirate = {"description": "arr", "system_prompt": "Talk like a pirate."}
    app = make_app(settings=Settings(presets={"pirate": pirate}), preset="pirate")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "preset pirate" in screen_text(app), "the status part")
        await send(pilot, "echo: ahoy")
        await answered(pilot)
        await pilot.press("ctrl+l")
        rows = app.screen.query_one(ConversationList)
        await wait_for(pilot, lambda: rows.option_count > 0, "the list")
        assert "preset pirate" in str(rows.get_option_at_index(rows.option_count - 1).prompt)
        await pilot.press("escape")
        app.screen.action_new_conversation()
        await wait_for(pilot, lambda: "preset pirate" not in screen_text(app), "no preset part")
    listed = run("history", env={"DEEPSEEK_API_KEY": TEST_KEY})
    assert listed.returncode == 0, listed.stderr
    head, row = listed.stdout.decode().splitlines()[:2]
    assert head.split() == ["ID", "UPDATED", "MSGS", "MODEL", "PRESET", "TITLE"]
    assert "pirate" in row.split()
    rows_json = json.loads(run("history", "--json").stdout)
    assert rows_json[0]["preset"] == "pirate"
