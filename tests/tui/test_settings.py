"""The settings screen driven with Pilot against the emulator over loopback."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from textual.widgets import Button, Input, Select, Switch, TextArea

from deepseek_tui.api import DeepSeekClient
from deepseek_tui.api.errors import error_for_status
from deepseek_tui.config import Paths, Settings, load_settings, save_settings
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui.app import DeepSeekApp
from deepseek_tui.tui.screens.chat import ChatScreen
from deepseek_tui.tui.screens.settings import SettingsScreen
from deepseek_tui.tui.screens.settings_form import (
    FIELD_PROBLEMS,
    FIELDS,
    SavedSettings,
    read_form,
    shown_values,
)
from deepseek_tui.tui.screens.settings_key import KeyAndBalance
from tests.helpers import TEST_KEY, chat_bodies, wait_for

RIGHT_KEY = "sk-test-right-0000000000"
NEW_KEY = "sk-test-new-00000000000000ef12"
# A fixed path (the screen shows where the settings are saved), emptied before the
# picture: a database left there by another run would show a notice in it.
SNAPSHOT_DIR = Path("/tmp/deepseek-tui-snapshots/settings")


def fresh_snapshot_dir() -> Paths:
    shutil.rmtree(SNAPSHOT_DIR, ignore_errors=True)
    return Paths(SNAPSHOT_DIR)


def blank_form(**changes) -> dict[str, str | bool]:
    """What the rows hold, by field name; the ones left out read as blank."""
    values: dict[str, str | bool] = {
        "base_url": "https://api.deepseek.com",
        "model": "deepseek-chat",
        "temperature": "",
        "top_p": "",
        "max_tokens": "",
        "system_prompt": "",
        "theme": "textual-dark",
        "reasoning_expanded": False,
    }
    values.update(changes)
    return values


async def open_settings(pilot, results: list[SavedSettings | None] | None = None) -> SettingsScreen:
    """Push the form with `results` as its callback: what it saved, None if cancelled.
    The app uses what was saved only when the chat opens the form (^s): `open_from_chat`."""
    await pilot.pause()
    screen = SettingsScreen()
    pilot.app.push_screen(screen, None if results is None else results.append)
    await wait_for(pilot, lambda: screen.is_mounted and screen.query("#save"), "the form")
    return screen


async def open_from_chat(pilot) -> SettingsScreen:
    """Open the form as a user does: ^s in the chat."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
    return app.screen


async def type_into(pilot, selector: str, text: str) -> None:
    """Focus a field, empty it and type ``text`` as a user would."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.clear()
    await pilot.press(*text)
    await pilot.pause()


def shown(pilot, selector: str) -> str:
    widget = pilot.app.screen.query_one(selector)
    return str(widget.render()) if widget.display else ""


async def key_test_result(pilot) -> str:
    await pilot.press("ctrl+t")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return shown(pilot, "#key-result")


# --- the form's rules, without a screen -----------------------------------------------


def test_blank_numbers_mean_the_server_default() -> None:
    settings, problems = read_form(Settings(temperature=0.3), blank_form())
    assert problems == {}
    assert (settings.temperature, settings.top_p, settings.max_tokens) == (None, None, None)


def test_each_wrong_field_gets_its_own_sentence() -> None:
    form = blank_form(base_url="api.deepseek.com", temperature="3", top_p="0", max_tokens="1.5")
    _, problems = read_form(Settings(), form)
    assert problems == {
        name: FIELD_PROBLEMS[name] for name in ("base_url", "temperature", "top_p", "max_tokens")
    }


def test_words_and_nan_are_not_numbers() -> None:
    _, problems = read_form(Settings(), blank_form(temperature="warm", top_p="nan"))
    assert set(problems) == {"temperature", "top_p"}


def test_a_new_conversations_parameters_are_read_from_the_form() -> None:
    form = blank_form(
        json_mode=True,
        stop="END | ### | ",
        frequency_penalty="0.5",
        presence_penalty="-1",
        reasoning_effort="max",
    )
    settings, problems = read_form(Settings(), form)
    assert problems == {}
    assert settings.json_mode and settings.stop == ["END", "###"]
    assert (settings.frequency_penalty, settings.presence_penalty) == (0.5, -1.0)
    assert settings.reasoning_effort == "max"
    blank, _ = read_form(settings, blank_form())
    assert blank.frequency_penalty is None and blank.presence_penalty is None
    assert blank.reasoning_effort is None and not blank.json_mode and blank.stop == []


def test_wrong_penalties_and_too_many_stops_get_their_sentences() -> None:
    form = blank_form(
        frequency_penalty="2.5", presence_penalty="much", stop=" | ".join("abcdefghijklmnopq")
    )
    _, problems = read_form(Settings(), form)
    assert problems == {
        name: FIELD_PROBLEMS[name] for name in ("frequency_penalty", "presence_penalty", "stop")
    }


def test_fields_not_on_the_form_are_kept() -> None:
    base = Settings(stall_timeout=5.0, models=["my-model"], thinking=True)
    settings, _ = read_form(base, blank_form(temperature="0.7", max_tokens="512"))
    assert settings.stall_timeout == 5.0 and settings.models == ["my-model"] and settings.thinking
    assert (settings.temperature, settings.max_tokens) == (0.7, 512)


def test_every_row_reads_back_the_setting_it_shows() -> None:
    """The schema drives showing and reading alike: a setting added to FIELDS must be
    changed here too, and comes back from the form as it went in."""
    settings = Settings(
        base_url="https://gateway.example.test/v1",
        model="deepseek-reasoner",
        temperature=0.7,
        top_p=0.9,
        max_tokens=512,
        json_mode=True,
        stop=["END", "###"],
        frequency_penalty=0.5,
        presence_penalty=-1.0,
        reasoning_effort="max",
        system_prompt="Be brief.",
        theme="nord",
        reasoning_expanded=True,
        model_titles=True,
    )
    on_the_form = [field.name for field in FIELDS if field.where != "form"]
    assert all(getattr(settings, name) != getattr(Settings(), name) for name in on_the_form)
    read, problems = read_form(Settings(), shown_values(settings, "deepseek"))
    assert problems == {}
    assert read == settings


# --- the screen -------------------------------------------------------------------------


async def test_opens_with_the_key_field_focused_and_tab_walks_the_form(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_settings(pilot)
        order = [app.focused.id]
        for _ in range(18):
            await pilot.press("tab")
            order.append(app.focused.id)
        assert order == [
            "api_key",
            "test-key",
            "base_url",
            "model",
            "temperature",
            "top_p",
            "max_tokens",
            "json_mode",
            "stop",
            "frequency_penalty",
            "presence_penalty",
            "reasoning_effort",
            "system_prompt",
            "edit-presets",
            "theme",
            "reasoning_expanded",
            "model_titles",
            "save",
            "cancel",
        ]
        assert "sk-…abcd" in shown(pilot, "#key-summary")
        assert TEST_KEY not in shown(pilot, "#key-summary")


async def test_invalid_temperature_shows_a_message_and_disables_save(
    make_app, paths: Paths
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_settings(pilot)
        save = app.screen.query_one("#save", Button)
        await type_into(pilot, "#temperature", "2.5")
        assert shown(pilot, "#temperature-problem") == "Temperature must be a number from 0 to 2."
        assert save.disabled
        await pilot.press("ctrl+s")  # refused
        # Keys are handled in order: the form takes these only if ^s left it open.
        await type_into(pilot, "#temperature", "1.5")
        await wait_for(pilot, lambda: not save.disabled, "the form valid again")
        assert isinstance(app.screen, SettingsScreen)
        assert shown(pilot, "#temperature-problem") == ""
    assert not paths.config_file.exists()


async def test_a_key_with_spaces_cannot_be_saved(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_settings(pilot)
        await type_into(pilot, "#api_key", "sk-test one")
        assert "spaces" in shown(pilot, "#api_key-problem")
        assert app.screen.query_one("#save", Button).disabled


async def test_saved_settings_survive_a_restart(make_app, paths: Paths) -> None:
    settings = Settings()
    app = make_app(settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_from_chat(pilot)
        await type_into(pilot, "#base_url", "https://gateway.example.test/v1")
        screen.query_one("#model", Select).value = "deepseek-reasoner"
        await type_into(pilot, "#temperature", "0.7")
        await type_into(pilot, "#top_p", "0.9")
        await type_into(pilot, "#max_tokens", "2048")
        screen.query_one("#system_prompt", TextArea).focus()
        await pilot.press(*"Be brief.")
        screen.query_one("#theme", Select).value = "nord"
        screen.query_one("#reasoning_expanded", Switch).focus()
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        # Used by the app (the chat's callback, after the form closed).
        await wait_for(pilot, lambda: app.base_url == "https://gateway.example.test/v1", "used")
        # Mutated in place: whoever holds the settings object sees the new values.
        assert app.settings is settings
        assert app.base_url == "https://gateway.example.test/v1"
        assert app.theme == "nord"
    reloaded = load_settings(paths)
    assert reloaded == settings
    assert reloaded.base_url == "https://gateway.example.test/v1"
    assert reloaded.model == "deepseek-reasoner"
    assert (reloaded.temperature, reloaded.top_p, reloaded.max_tokens) == (0.7, 0.9, 2048)
    assert reloaded.system_prompt == "Be brief."
    assert reloaded.theme == "nord"
    assert reloaded.reasoning_expanded is True


async def test_a_new_key_is_saved_privately_and_used(make_app, paths: Paths) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_from_chat(pilot)
        await type_into(pilot, "#api_key", NEW_KEY)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        await wait_for(pilot, lambda: app.api_key == NEW_KEY, "the key used")
    assert NEW_KEY in paths.credentials_file.read_text()
    assert stat.S_IMODE(paths.credentials_file.stat().st_mode) == 0o600


async def test_a_key_from_the_environment_is_named(make_app, monkeypatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", TEST_KEY)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_settings(pilot)
        summary = shown(pilot, "#key-summary")
        assert "from DEEPSEEK_API_KEY" in summary and "overrides" in summary


async def test_a_disk_error_keeps_the_form_open(make_app, paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.mkdir()  # the file cannot be replaced: a directory is in the way
    app = make_app()
    results: list[SavedSettings | None] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await open_settings(pilot, results)
        await type_into(pilot, "#temperature", "0.4")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: shown(pilot, "#save-problem").startswith("Could not save the settings:"),
            lambda: shown(pilot, "#save-problem"),
        )
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.query_one("#temperature", Input).value == "0.4"
        assert app.settings.temperature is None
        assert results == []


async def test_key_test_reports_the_model_count(
    make_app, emulator: Emulator, client: DeepSeekClient
) -> None:
    count = len(await client.list_models())
    app = make_app(settings=Settings(base_url=emulator.base_url))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_settings(pilot)
        assert await key_test_result(pilot) == f"Key works: {count} models available."


async def test_key_test_reports_a_rejected_key(make_app) -> None:
    rejected = str(error_for_status(401, b""))
    with Emulator(api_keys={RIGHT_KEY}) as strict:
        app = make_app(settings=Settings(base_url=strict.base_url), base_url=strict.base_url)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_settings(pilot)
            assert await key_test_result(pilot) == rejected
            await type_into(pilot, "#api_key", RIGHT_KEY)
            assert (await key_test_result(pilot)).startswith("Key works:")
    assert "HTTP 401" in rejected


async def test_escape_leaves_config_untouched(make_app, paths: Paths) -> None:
    save_settings(paths, Settings(temperature=0.5, theme="textual-dark"))
    before = paths.config_file.read_bytes()
    app = make_app(settings=load_settings(paths))
    results: list[SavedSettings | None] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_settings(pilot, results)
        await type_into(pilot, "#temperature", "1.2")
        screen.query_one("#theme", Select).value = "nord"
        await wait_for(pilot, lambda: app.theme == "nord", "previewed")
        await pilot.press("escape")
        await wait_for(pilot, lambda: results == [None], "cancelled")
        assert app.theme == "textual-dark"
        assert app.settings.temperature == 0.5
    assert paths.config_file.read_bytes() == before


@pytest.mark.parametrize("size", [(80, 24)], ids=["80x24"])
def test_settings_snapshot(snap_compare, size, monkeypatch) -> None:
    """The form with its current values; it scrolls when the terminal is small."""
    app = DeepSeekApp(paths=fresh_snapshot_dir(), settings=Settings(), api_key=TEST_KEY)
    # No network: the default base URL is the real API.
    app.model_list.fetch = lambda: None
    monkeypatch.setattr(KeyAndBalance, "load_balance", lambda part: None)

    async def run_before(pilot) -> None:
        await open_settings(pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=size)


async def test_a_key_saved_during_the_demo_ends_the_demo(
    make_app, emulator: Emulator, paths: Paths
) -> None:
    from tests.helpers import answered, screen_text, send

    app = make_app(api_key=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "platform.deepseek.com" in screen_text(app), "where")
        await pilot.click("#demo")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        assert "offline demo" in str(app.screen.query_one("#status").render())
        await pilot.press("ctrl+s")  # from the chat, as a user opens it
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        assert "ends the demo" in shown(pilot, "#key-summary")
        await type_into(pilot, "#api_key", NEW_KEY)
        await type_into(pilot, "#base_url", emulator.base_url)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "back in the chat")
        await wait_for(pilot, lambda: app.api_key == NEW_KEY, "the key used")
        assert not app.demo
        assert "offline demo" not in str(app.screen.query_one("#status").render())
        await send(pilot, "echo: for real")
        await answered(pilot)
    chats = [r for r in emulator.requests if r.path.endswith("/chat/completions")]
    assert chats and chats[-1].headers["authorization"] == f"Bearer {NEW_KEY}"
    assert NEW_KEY in paths.credentials_file.read_text()


# --- a new conversation's parameters, and the balance ---------------------------------


async def set_parameter_defaults(pilot, screen: SettingsScreen) -> None:
    """JSON mode on, two stop sequences, both penalties, maximum reasoning effort."""
    screen.query_one("#json_mode", Switch).focus()
    await pilot.press("space")
    await type_into(pilot, "#stop", "END | ###")
    await type_into(pilot, "#frequency_penalty", "0.5")
    await type_into(pilot, "#presence_penalty", "-1")
    screen.query_one("#reasoning_effort", Select).value = "max"
    await pilot.pause()


async def test_a_new_conversations_parameters_are_saved_and_reloaded(
    make_app, paths: Paths
) -> None:
    app = make_app()
    results: list[SavedSettings | None] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_settings(pilot, results)
        assert "must mention JSON" in shown(pilot, "#json_mode-words")
        await set_parameter_defaults(pilot, screen)
        assert shown(pilot, "#stop-note").endswith("Read as 2: 'END', '###'.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: results, "saved")
    [saved] = results
    reloaded = load_settings(paths)
    assert saved is not None and saved.settings == reloaded
    assert reloaded.json_mode is True
    assert reloaded.stop == ["END", "###"]
    assert (reloaded.frequency_penalty, reloaded.presence_penalty) == (0.5, -1.0)
    assert reloaded.reasoning_effort == "max"

    # The form shows them again, and blanking them goes back to the server's default.
    app = make_app(settings=reloaded)
    results = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_settings(pilot, results)
        assert screen.query_one("#json_mode", Switch).value is True
        assert screen.query_one("#stop", Input).value == "END | ###"
        assert screen.query_one("#frequency_penalty", Input).value == "0.5"
        assert screen.query_one("#reasoning_effort", Select).value == "max"
        await type_into(pilot, "#stop", "")
        await type_into(pilot, "#frequency_penalty", "")
        screen.query_one("#reasoning_effort", Select).value = "default"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: results, "saved")
    reloaded = load_settings(paths)
    assert reloaded.stop == [] and reloaded.frequency_penalty is None
    assert reloaded.reasoning_effort is None and reloaded.presence_penalty == -1.0


async def test_a_wrong_penalty_is_named_and_blocks_save(make_app, paths: Paths) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_settings(pilot)
        save = app.screen.query_one("#save", Button)
        await type_into(pilot, "#presence_penalty", "2.5")
        assert shown(pilot, "#presence_penalty-problem") == (
            "Presence penalty must be a number from -2 to 2."
        )
        assert save.disabled
        await pilot.press("ctrl+s")  # refused
        # Keys are handled in order: the form takes these only if ^s left it open.
        await type_into(pilot, "#presence_penalty", "-2")
        await wait_for(pilot, lambda: not save.disabled, "the form valid again")
        assert isinstance(app.screen, SettingsScreen)
        assert shown(pilot, "#presence_penalty-problem") == ""
    assert not paths.config_file.exists()


async def test_saved_defaults_reach_a_new_conversation_only_where_the_model_takes_them(
    make_app, emulator: Emulator
) -> None:
    from tests.helpers import answered, send

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        chat = app.screen
        await pilot.press("ctrl+s")  # from the chat, as a user opens it
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "settings")
        await set_parameter_defaults(pilot, app.screen)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is chat, "back in the chat")
        sent = []
        for model in ("deepseek-chat", "deepseek-reasoner", "deepseek-v4-flash"):
            await pilot.press("ctrl+n", "enter")  # ^n: the first row is blank
            await pilot.pause()
            chat.models.use_model(model)
            await send(pilot, "echo: reply in JSON")
            await answered(pilot)
            sent.append(chat_bodies(emulator)[-1])
    chat_body, reasoner_body, v4_body = sent
    assert chat_body["response_format"] == {"type": "json_object"}
    assert chat_body["stop"] == ["END", "###"]
    assert (chat_body["frequency_penalty"], chat_body["presence_penalty"]) == (0.5, -1.0)
    assert "reasoning_effort" not in chat_body  # V4 only
    # The reasoner takes no JSON mode and no penalties; stop sequences it does.
    assert reasoner_body["stop"] == ["END", "###"]
    for name in ("response_format", "frequency_penalty", "presence_penalty", "reasoning_effort"):
        assert name not in reasoner_body
    # A thinking V4 model takes the effort, and no penalties.
    assert v4_body["reasoning_effort"] == "max"
    assert v4_body["response_format"] == {"type": "json_object"}
    assert "frequency_penalty" not in v4_body and "presence_penalty" not in v4_body


async def test_settings_show_the_balance_of_the_provider_in_use(
    make_app, emulator: Emulator
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_settings(pilot)
        await wait_for(
            pilot, lambda: shown(pilot, "#balance") == "Balance: 12.34 USD", "the balance"
        )
        assert any(r.path.endswith("/user/balance") for r in emulator.requests)
        # Another provider's form shows no balance of the one in use.
        screen.query_one("#provider", Select).value = "segmind"
        await wait_for(pilot, lambda: shown(pilot, "#balance") == "", "no balance for segmind")
        screen.query_one("#provider", Select).value = "deepseek"
        await wait_for(pilot, lambda: shown(pilot, "#balance") != "", "the balance again")


async def test_a_balance_that_cannot_be_fetched_is_one_plain_line(make_app) -> None:
    with Emulator(api_keys={RIGHT_KEY}) as strict:
        app = make_app(settings=Settings(base_url=strict.base_url), base_url=strict.base_url)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_settings(pilot)
            await wait_for(
                pilot, lambda: shown(pilot, "#balance").startswith("Balance unknown:"), "why"
            )
            line = shown(pilot, "#balance")
            assert "401" in line and "\n" not in line and TEST_KEY not in line
            # The form stayed usable meanwhile.
            await type_into(pilot, "#temperature", "0.3")
            assert not app.screen.query_one("#save", Button).disabled


async def test_key_test_asks_the_sessions_base_url(make_app, emulator: Emulator) -> None:
    """--base-url (the emulator) is where the chat and the balance go; the saved URL is
    a closed port: the test asks the one the session uses, as the balance does."""
    app = make_app(settings=Settings(base_url="http://127.0.0.1:9"), base_url=emulator.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_from_chat(pilot)
        assert (await key_test_result(pilot)).startswith("Key works:")


async def test_saving_settings_keeps_the_open_chats_thinking(make_app, emulator: Emulator) -> None:
    app = make_app(settings=Settings(model="deepseek-v4-flash"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "the chat")
        await pilot.press("ctrl+t")  # thinking off, for this chat
        await wait_for(pilot, lambda: app.session.thinks is False, "thinking off")
        await open_from_chat(pilot)
        await pilot.press("ctrl+s")  # saved without a change
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen), "back in the chat")
        assert app.session.thinks is False
        assert app.screen.status.thinking is False
