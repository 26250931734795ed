"""Presets (issue 12 §3): [presets.NAME] tables read and checked like [providers.NAME],
built-ins a table replaces by name, and a session that starts from one and keeps it."""

from __future__ import annotations

import contextlib
import re

import pytest

from deepseek_tui.api import DeepSeekClient
from deepseek_tui.config import (
    BUILTIN_PRESETS,
    ConfigError,
    Paths,
    Settings,
    UnknownPreset,
    load_settings,
)
from deepseek_tui.emulator import Emulator
from deepseek_tui.session import Session
from deepseek_tui.store import Store
from tests.helpers import chat_bodies

REVIEWER = """
[presets.reviewer]
description = "code review"
system_prompt = "You review code. Reply in JSON."
model = "deepseek-reasoner"
temperature = 0.2
json_mode = true
stop = ["END"]
"""


async def drain(events) -> None:
    async with contextlib.aclosing(events) as stream:
        async for _ in stream:
            pass


def test_presets_are_read_after_the_built_in_ones(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text(REVIEWER + '[presets.coder]\nsystem_prompt = "Mine."\n')
    settings = load_settings(paths)
    assert settings.validate() == []
    assert settings.preset_names() == ["coder", "translator", "concise", "reviewer"]
    # A table of a built-in's name replaces it whole: no built-in temperature is left.
    assert settings.preset("coder") == {"system_prompt": "Mine."}
    assert settings.with_preset("coder").temperature is None
    chosen = settings.with_preset("reviewer")
    assert (chosen.model, chosen.temperature, chosen.json_mode, chosen.stop) == (
        "deepseek-reasoner",
        0.2,
        True,
        ["END"],
    )
    assert settings.preset("translator") == BUILTIN_PRESETS["translator"]


def test_every_built_in_preset_is_valid_and_has_a_prompt() -> None:
    settings = Settings(presets={name: dict(table) for name, table in BUILTIN_PRESETS.items()})
    assert settings.validate() == []
    for name in ("coder", "translator", "concise"):
        table = BUILTIN_PRESETS[name]
        assert table["system_prompt"].strip() and table["description"].strip()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '[presets.x]\nsystem-prompt = "hi"\n',
            "'presets.x' has no setting 'system-prompt' (it takes description, system_prompt,",
        ),
        ("[presets.x]\ntheme = 'nord'\n", "'presets.x' has no setting 'theme'"),
        ("[presets.x]\ntemperature = 'hot'\n", "'presets.x.temperature' must be a number"),
        ("[presets.x]\nstop = 'END'\n", "'presets.x.stop' must be a list of strings"),
        ("[presets.x]\nthinking = 1\n", "'presets.x.thinking' must be true or false"),
        ("presets = 1\n", "'presets' must be a table of [presets.NAME] tables"),
        ("[presets]\nx = 1\n", "'presets.x' must be a table"),
        ('[presets."a b"]\nmodel = "m"\n', "the preset name 'a b' may hold only"),
    ],
)
def test_a_wrong_preset_table_is_named_precisely(paths: Paths, table: str, message: str) -> None:
    paths.ensure_dir()
    paths.config_file.write_text(table)
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        load_settings(paths)
    assert str(caught.value).startswith(f"Invalid value in {paths.config_file}: ")
    assert str(caught.value).count(".") >= 1 and "\n" not in str(caught.value)


def test_a_preset_value_out_of_range_is_named_with_its_preset() -> None:
    settings = Settings(presets={"hot": {"temperature": 3.0, "reasoning_effort": "low"}})
    assert settings.validate() == [
        "presets.hot: temperature must be between 0 and 2, got 3.0.",
        "presets.hot: reasoning_effort must be high or max, got 'low'.",
    ]


def test_an_unknown_preset_names_the_known_ones() -> None:
    settings = Settings(presets={"reviewer": {"model": "m"}})
    with pytest.raises(UnknownPreset, match="choose coder, translator, concise or reviewer"):
        settings.preset("nope")


async def test_a_session_from_a_preset_sends_its_prompt_and_model_and_keeps_it(
    paths: Paths, client: DeepSeekClient, emulator: Emulator
) -> None:
    paths.ensure_dir()
    paths.config_file.write_text('system_prompt = "Top level."\n' + REVIEWER)
    settings = load_settings(paths)
    store = Store.open(paths.database)
    session = Session.from_settings(client, store, settings, preset="reviewer")
    await drain(session.send("look at this"))
    body = chat_bodies(emulator)[-1]
    assert body["model"] == "deepseek-reasoner"
    assert body["messages"][0] == {"role": "system", "content": "You review code. Reply in JSON."}
    assert body["stop"] == ["END"]
    first = session.conversation.id
    saved = store.conversation_parameters(first)
    assert saved == {"json_mode": True, "stop": ["END"], "preset": "reviewer"}

    # A blank conversation after it is the settings' again.
    session.new()
    assert (session.preset, session.system_prompt, session.temperature) == (
        None,
        "Top level.",
        None,
    )
    # Reopened by another session: the preset, its prompt and parameters come back.
    again = Session.from_settings(client, store, settings)
    again.open(first)
    assert again.preset == "reviewer"
    assert (again.system_prompt, again.temperature) == ("You review code. Reply in JSON.", 0.2)
    assert again.parameters.json_mode and again.parameters.stop == ("END",)
    await drain(again.send("and this, in JSON"))
    body = chat_bodies(emulator)[-1]
    assert body["messages"][0]["content"] == "You review code. Reply in JSON."
    assert body["model"] == "deepseek-reasoner"
    store.close()


async def test_a_preset_removed_from_the_config_leaves_the_conversation_openable(
    client: DeepSeekClient,
) -> None:
    store = Store.memory()
    settings = Settings(presets={"gone": {"system_prompt": "Soon gone."}})
    session = Session.from_settings(client, store, settings, preset="gone")
    await drain(session.send("hi"))
    later = Session.from_settings(client, store, Settings(system_prompt="Now."))
    later.open(session.conversation.id)
    assert later.preset == "gone" and later.system_prompt == "Now."
