"""`ask --attach FILE` (issue 12 §1): a real process against the emulator over
loopback; the file reaches the request as a fenced block and is kept in history."""

from __future__ import annotations

import json
from pathlib import Path

from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator
from deepseek_tui.store import Store
from tests.helpers import TEST_KEY, run

KEY = {"DEEPSEEK_API_KEY": TEST_KEY}


def ask(emulator: Emulator, *args: str):
    return run("ask", "--base-url", emulator.base_url, *args, env=KEY)


def last_question(emulator: Emulator) -> str:
    bodies = [r.body for r in emulator.requests if r.path.endswith("chat/completions")]
    return bodies[-1]["messages"][-1]["content"]


def test_attached_files_reach_the_request_as_fenced_blocks_and_are_kept(
    emulator: Emulator, tmp_path: Path, paths: Paths
) -> None:
    code = tmp_path / "main.py"
    code.write_text("print('hello')\n")
    doc = tmp_path / "doc.md"
    doc.write_text("```\nnested\n```\n")
    result = ask(emulator, "--attach", str(code), "--attach", str(doc), "Review these")
    assert result.returncode == 0, result.stderr
    assert last_question(emulator) == (
        "Review these\n\nmain.py\n```python\nprint('hello')\n```\n\n"
        "doc.md\n````markdown\n```\nnested\n```\n````"
    )
    store = Store.open(paths.database)
    conversation = store.last_conversation()
    assert conversation is not None
    question = store.messages(conversation.id)[0]
    assert question.content == "Review these"
    assert [(a.name, a.size, a.text) for a in question.attachments] == [
        ("main.py", 15, "print('hello')\n"),
        ("doc.md", 15, "```\nnested\n```\n"),
    ]
    exported = run("export", "last", "--format", "json", "--output", "-")
    assert json.loads(exported.stdout)["messages"][0]["attachments"][0]["name"] == "main.py"


def test_a_file_alone_is_the_question(emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text("what is 2+2?")
    result = ask(emulator, "--attach", str(path))
    assert result.returncode == 0, result.stderr
    assert last_question(emulator) == "q.txt\n```text\nwhat is 2+2?\n```"


def test_a_binary_file_is_refused_before_sending(emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "a.out"
    path.write_bytes(b"\x7fELF\0\0")
    result = ask(emulator, "--attach", str(path), "what is this")
    assert result.returncode == 1
    assert result.stderr.decode().strip() == (
        "deepseek-tui: a.out looks binary (a NUL byte); only text files can be attached."
    )
    assert emulator.requests == []


def test_a_large_file_needs_attach_large(emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("y" * (201 * 1024))
    result = ask(emulator, "--attach", str(path), "summarise")
    assert result.returncode == 1
    assert result.stderr.decode().strip() == (
        "deepseek-tui: big.txt is 201 KB, over the 200 KB limit for attachments; "
        "add --attach-large to send it anyway."
    )
    assert emulator.requests == []
    result = ask(emulator, "--attach", str(path), "--attach-large", "summarise")
    assert result.returncode == 0, result.stderr
    assert last_question(emulator).startswith("summarise\n\nbig.txt\n```text\nyyy")


def test_text_that_is_not_utf8_is_sent_with_replacement_and_said(
    emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("naïve".encode("latin-1"))
    result = ask(emulator, "--attach", str(path), "read it")
    assert result.returncode == 0, result.stderr
    assert (
        "old.txt is not UTF-8: what could not be read was replaced by �." in result.stderr.decode()
    )
    assert "na\ufffdve" in last_question(emulator)
