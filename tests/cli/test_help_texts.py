"""Every option, argument and command of the CLI says what it does in `--help`."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from deepseek_tui.cli import build_parser
from tests.helpers import run


def _actions(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.Action]]:
    """Every action of the parser and of all its subcommands (but the automatic -h)."""
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        yield path, action
        if isinstance(action, argparse._SubParsersAction):
            yield from ((path, choice) for choice in action._choices_actions)
            for name, subparser in action.choices.items():
                yield from _actions(subparser, (*path, name))


def test_every_option_argument_and_command_has_help() -> None:
    actions = list(_actions(build_parser()))
    commands = {path[0] for path, _ in actions if path}
    assert commands == {"ask", "history", "export", "import", "key", "balance", "mcp", "emulator"}
    missing = [
        f"{' '.join(path) or '(top)'} {'/'.join(action.option_strings) or action.dest}"
        for path, action in actions
        if not action.help or action.help == argparse.SUPPRESS or not action.help.strip()
    ]
    assert missing == []


def test_the_help_shows_them() -> None:
    for command, words in [
        ((), b"without one, the chat opens"),
        (("ask",), b"dimmed and labelled on a terminal"),
        (("key",), b"whose key"),
        (("emulator",), b"port to listen on"),
    ]:
        result = run(*command, "--help")
        assert result.returncode == 0, result.stderr
        assert words in b" ".join(result.stdout.split()), (command, result.stdout)
