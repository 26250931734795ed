"""`ask --json-mode`, `--stop` and `--max-tokens` (issue 10 §4), and multi-turn `ask`
(§6): a real process, the emulator over loopback, checked on the bodies it received."""

from __future__ import annotations

import json

from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator
from tests.helpers import TEST_KEY, chat_bodies, run

KEY = {"DEEPSEEK_API_KEY": TEST_KEY}


def ask(emulator: Emulator, *args: str):
    return run("ask", "--base-url", emulator.base_url, *args, env=KEY)


def test_json_mode_and_stop_reach_the_request(emulator: Emulator) -> None:
    result = ask(emulator, "--json-mode", "--stop", "END", "--stop", "\n\n", "echo: JSON it")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"answer": "JSON it"}
    body = chat_bodies(emulator)[-1]
    assert body["response_format"] == {"type": "json_object"}
    assert body["stop"] == ["END", "\n\n"]


def test_a_stop_sequence_cuts_the_printed_answer(emulator: Emulator) -> None:
    result = ask(emulator, "--stop", ", three", "echo: one, two, three")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"one, two"


def test_json_mode_without_json_in_the_prompt_is_a_usage_error_before_sending(
    emulator: Emulator,
) -> None:
    result = ask(emulator, "--json-mode", "hello")
    assert result.returncode == 2
    assert b"mentions JSON" in result.stderr and result.stdout == b""
    assert chat_bodies(emulator) == []
    # --system may say it.
    result = ask(emulator, "--json-mode", "--system", "Reply as json.", "hello")
    assert result.returncode == 0, result.stderr


def test_json_mode_on_a_model_without_it_is_said(emulator: Emulator, paths: Paths) -> None:
    """Issue 18 §4: `--json-mode` to the reasoner was dropped in silence (exit 0,
    nothing on stderr). Asked for, it is a usage error; from config.toml, it is left
    out and said, once, with where it is set."""
    result = ask(emulator, "--json-mode", "--model", "deepseek-reasoner", "hello json")
    assert result.returncode == 2
    assert b"deepseek-reasoner does not take JSON mode: leave out --json-mode" in result.stderr
    assert chat_bodies(emulator) == []

    paths.ensure_dir()
    paths.config_file.write_text("json_mode = true\n")
    result = ask(emulator, "--model", "deepseek-reasoner", "hello")
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode().count("\n") == 1
    assert (
        b"JSON mode (json_mode in config.toml) is not sent: deepseek-reasoner does not take it."
        in result.stderr
    )
    assert "response_format" not in chat_bodies(emulator)[-1]


def test_max_tokens_above_the_cap_from_config_is_held_to_it_and_said(
    emulator: Emulator, paths: Paths
) -> None:
    """Issue 18 §4: config.toml's max_tokens above the model's cap stopped every `ask`
    with a sentence that did not say where it was set; it is sent held to the cap (as
    the TUI sends it), and said with where it is set."""
    paths.ensure_dir()
    paths.config_file.write_text("max_tokens = 99999\n")
    result = ask(emulator, "echo: hi")
    assert result.returncode == 0, result.stderr
    assert (
        b"deepseek-chat takes max_tokens up to 8,192, so 8,192 is asked for, not the "
        b"99,999 of max_tokens in config.toml." in result.stderr
    )
    assert chat_bodies(emulator)[-1]["max_tokens"] == 8192


def test_max_tokens_above_the_models_limit_is_a_usage_error(emulator: Emulator) -> None:
    result = ask(emulator, "--max-tokens", "9000", "hi")
    assert result.returncode == 2
    assert b"deepseek-chat takes max_tokens up to 8,192, not 9,000" in result.stderr
    result = ask(emulator, "--max-tokens", "9000", "--model", "deepseek-v4-flash", "hi")
    assert result.returncode == 0, result.stderr
    assert chat_bodies(emulator)[-1]["max_tokens"] == 9000


def test_continue_sends_the_stored_history_and_appends_to_it(emulator: Emulator) -> None:
    assert ask(emulator, "echo: first answer").returncode == 0
    result = ask(emulator, "--continue", "echo: second answer")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"second answer"
    messages = chat_bodies(emulator)[-1]["messages"]
    assert [m["content"] for m in messages] == [
        "echo: first answer",
        "first answer",
        "echo: second answer",
    ]
    history = json.loads(run("history", "--json").stdout)
    assert len(history) == 1 and history[0]["message_count"] == 4


def test_continue_before_the_command_works_too(emulator: Emulator) -> None:
    assert ask(emulator, "echo: one").returncode == 0
    result = run("--continue", "ask", "--base-url", emulator.base_url, "echo: two", env=KEY)
    assert result.returncode == 0, result.stderr
    assert len(chat_bodies(emulator)[-1]["messages"]) == 3
    assert json.loads(run("history", "--json").stdout)[0]["message_count"] == 4


def test_conversation_id_picks_which_one_goes_on(emulator: Emulator) -> None:
    assert ask(emulator, "echo: alpha").returncode == 0
    assert ask(emulator, "echo: beta").returncode == 0
    rows = json.loads(run("history", "--json").stdout)
    alpha = next(row for row in rows if row["title"] == "echo: alpha")
    result = ask(emulator, "--conversation", alpha["id"][:8], "echo: gamma")
    assert result.returncode == 0, result.stderr
    contents = [m["content"] for m in chat_bodies(emulator)[-1]["messages"]]
    assert contents == ["echo: alpha", "alpha", "echo: gamma"]
    rows = {row["title"]: row for row in json.loads(run("history", "--json").stdout)}
    assert rows["echo: alpha"]["message_count"] == 4
    assert rows["echo: beta"]["message_count"] == 2


def test_a_continued_conversation_keeps_its_parameters(emulator: Emulator) -> None:
    assert ask(emulator, "--stop", "END", "echo: json please").returncode == 0
    assert ask(emulator, "--continue", "echo: more").returncode == 0
    assert chat_bodies(emulator)[-1]["stop"] == ["END"]


def test_continue_needs_a_conversation_and_history(emulator: Emulator) -> None:
    result = ask(emulator, "--continue", "hi")
    assert result.returncode == 1
    assert b"no saved conversations yet" in result.stderr
    result = ask(emulator, "--continue", "--no-save", "hi")
    assert result.returncode == 2
    assert chat_bodies(emulator) == []
    assert ask(emulator, "echo: one").returncode == 0
    result = ask(emulator, "--conversation", "nope-nope", "hi")
    assert result.returncode == 1
    assert b"no conversation 'nope-nope'" in result.stderr
    assert len(chat_bodies(emulator)) == 1


def test_continue_with_another_command_is_an_error_not_ignored() -> None:
    for command in (["history"], ["export", "last"], ["key", "show"]):
        result = run("--continue", *command)
        assert result.returncode == 2, command
        assert b"--continue applies to the chat and to ask" in result.stderr
