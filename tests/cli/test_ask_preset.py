"""`--preset NAME` (issue 12 §3) for `ask` (a real process, the emulator over loopback)
and for the chat (the option reaches the app)."""

from __future__ import annotations

import os

import pytest

from deepseek_tui import cli
from deepseek_tui.config import BUILTIN_PRESETS, Paths
from deepseek_tui.emulator import Emulator
from deepseek_tui.tui import app as tui_app
from tests.helpers import TEST_KEY, chat_bodies, run

KEY = {"DEEPSEEK_API_KEY": TEST_KEY}


def write_config(text: str) -> Paths:
    paths = Paths.resolve(os.environ["DEEPSEEK_TUI_CONFIG_DIR"])
    paths.ensure_dir()
    paths.config_file.write_text(text)
    return paths


def test_ask_with_a_built_in_preset_sends_its_prompt(emulator: Emulator) -> None:
    result = run("ask", "--base-url", emulator.base_url, "--preset", "coder", "hi", env=KEY)
    assert result.returncode == 0, result.stderr
    body = chat_bodies(emulator)[-1]
    system = BUILTIN_PRESETS["coder"]["system_prompt"]
    assert body["messages"][0] == {"role": "system", "content": system}
    assert body["temperature"] == 0.0


def test_ask_with_a_preset_from_the_config_sends_its_model_and_is_remembered(
    emulator: Emulator,
) -> None:
    write_config('[presets.terse]\nsystem_prompt = "Be terse."\nmodel = "deepseek-reasoner"\n')
    result = run("ask", "--base-url", emulator.base_url, "--preset", "terse", "hi", env=KEY)
    assert result.returncode == 0, result.stderr
    body = chat_bodies(emulator)[-1]
    assert body["model"] == "deepseek-reasoner"
    assert body["messages"][0] == {"role": "system", "content": "Be terse."}
    # --continue goes on in the same preset: its prompt is sent again.
    again = run("ask", "--base-url", emulator.base_url, "--continue", "more", env=KEY)
    assert again.returncode == 0, again.stderr
    assert chat_bodies(emulator)[-1]["messages"][0] == {"role": "system", "content": "Be terse."}


def test_an_unknown_preset_is_a_usage_error_naming_the_known_ones(emulator: Emulator) -> None:
    write_config('[presets.terse]\nsystem_prompt = "Be terse."\n')
    for args in (("ask", "--preset", "nope", "hi"), ("--preset", "nope")):
        result = run(*args, "--base-url", emulator.base_url, env=KEY)
        assert result.returncode == 2
        assert b"unknown preset 'nope': choose coder, translator, concise or terse" in result.stderr
    assert chat_bodies(emulator) == []


def test_preset_with_continue_is_a_usage_error(emulator: Emulator) -> None:
    result = run("ask", "--preset", "coder", "--continue", "hi", env=KEY)
    assert result.returncode == 2
    assert b"--preset starts a new conversation; drop --continue" in result.stderr


def test_a_bad_preset_table_is_said_in_one_sentence(emulator: Emulator) -> None:
    paths = write_config('[presets.terse]\nsytem_prompt = "typo"\n')
    result = run("ask", "--base-url", emulator.base_url, "hi", env=KEY)
    assert result.returncode == 1
    assert result.stderr.decode().strip() == (
        f"deepseek-tui: Invalid value in {paths.config_file}: 'presets.terse' has no setting "
        "'sytem_prompt' (it takes description, system_prompt, model, thinking, temperature, "
        "top_p, max_tokens, json_mode, stop, frequency_penalty, presence_penalty, "
        "reasoning_effort)."
    )


def test_the_chat_takes_preset(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str | None] = []
    monkeypatch.setattr(tui_app.DeepSeekApp, "run", lambda app: started.append(app.preset))
    monkeypatch.setenv("DEEPSEEK_API_KEY", TEST_KEY)
    assert cli.main(["--preset", "translator"]) == 0
    assert started == ["translator"]
