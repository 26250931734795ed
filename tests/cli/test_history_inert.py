"""Titles, snippets and model names from the history reach the terminal inert."""

from __future__ import annotations

import pytest

from deepseek_tui.cli import main
from deepseek_tui.config import Paths
from deepseek_tui.store import Store

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07 title"


def test_history_and_its_search_print_no_escape_sequence(
    paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    paths.ensure_dir()
    store = Store.open(paths.database)
    conversation = store.create_conversation(HOSTILE)
    store.add_message(conversation.id, "user", f"find me {HOSTILE}")
    store.add_message(conversation.id, "assistant", "ok", model="evil\x1b[31m-model")
    store.close()
    for args in (["history"], ["history", "--search", "find"]):
        assert main(args) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x07" not in out
        assert "pwned" in out  # shown, as visible symbols, not dropped
