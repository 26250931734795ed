"""Titles, snippets and model names from the history reach the terminal inert."""

from __future__ import annotations

import pytest

from deepseek_tui.cli import main
from deepseek_tui.config import Paths
from deepseek_tui.messages import MessageDraft
from deepseek_tui.store import Store

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07 title"


def test_history_and_its_search_print_no_escape_sequence(
    paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    paths.ensure_dir()
    store = Store.open(paths.database)
    conversation = store.create_conversation(HOSTILE)
    store.add_message(conversation.id, MessageDraft("user", f"find me {HOSTILE}"))
    store.add_message(conversation.id, MessageDraft("assistant", "ok", model="evil\x1b[31m-model"))
    store.close()
    for args in (["history"], ["history", "--search", "find"]):
        assert main(args) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x07" not in out
        assert "pwned" in out  # shown, as visible symbols, not dropped


def test_an_imported_id_reaches_stderr_inert(
    paths: Paths, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    export = {
        "id": "id\x1b]0;pwned\x07\x1b[2J",
        "title": "t",
        "created_at": "2026-11-23T09:00:00Z",
        "updated_at": "2026-11-23T09:00:00Z",
        "messages": [{"role": "user", "content": "hi", "created_at": "2026-11-23T09:00:00Z"}],
    }
    path = tmp_path / "e.json"
    path.write_text(json.dumps(export))
    assert main(["--config-dir", str(paths.dir), "import", str(path)]) == 0
    capsys.readouterr()
    assert main(["--config-dir", str(paths.dir), "import", str(path)]) == 0  # the id is taken
    err = capsys.readouterr().err
    assert "exists already" in err and "pwned" in err
    assert "\x1b" not in err and "\x07" not in err
