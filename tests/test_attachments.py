"""Attaching files (issue 12 §1): what is read, what is refused and why, how a file
rides in the question, and that it is kept, exported and imported as it was sent."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepseek_tui.attachments import (
    AttachError,
    Attachment,
    TooLarge,
    fenced,
    format_size,
    language_for,
    message_text,
    read_attachment,
)
from deepseek_tui.export import export_text, parse_export
from deepseek_tui.markdown import fence_for, fenced_blocks
from deepseek_tui.messages import MessageDraft
from deepseek_tui.store import MIGRATIONS, Store
from tests.helpers import database_at


def test_a_text_file_is_read_with_its_size_and_hash(tmp_path: Path) -> None:
    path = tmp_path / "notes.py"
    path.write_bytes(b"print('hi')\n")
    read = read_attachment(path)
    assert read.note == ""
    assert read.attachment == Attachment(
        "notes.py", 12, hashlib.sha256(b"print('hi')\n").hexdigest(), "print('hi')\n"
    )
    assert read.attachment.language == "python"
    assert read.attachment.label == "📎 notes.py · 12 B"


def test_a_binary_file_is_refused_with_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "picture.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    with pytest.raises(AttachError) as refused:
        read_attachment(path)
    assert str(refused.value) == (
        "picture.png looks binary (a NUL byte); only text files can be attached."
    )


def test_a_file_over_the_limit_is_refused_unless_allowed(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    path.write_text("x" * 3000)
    with pytest.raises(TooLarge) as refused:
        read_attachment(path, limit_kb=2, how_to_allow="add --attach-large to send it anyway.")
    assert str(refused.value) == (
        "big.log is 3 KB, over the 2 KB limit for attachments; "
        "add --attach-large to send it anyway."
    )
    assert read_attachment(path, limit_kb=2, allow_large=True).attachment.size == 3000


def test_text_that_is_not_utf8_is_decoded_with_replacement_and_said(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("café".encode("latin-1"))
    read = read_attachment(path)
    assert read.attachment.text == "caf\ufffd"
    assert read.note == "latin.txt is not UTF-8: what could not be read was replaced by �."
    assert read.attachment.size == 4  # the file's bytes, not the text's


def test_missing_files_and_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AttachError, match=r"nothing\.txt does not exist"):
        read_attachment(tmp_path / "nothing.txt")
    with pytest.raises(AttachError, match="only files can be attached"):
        read_attachment(tmp_path)


def test_special_files_are_read_bounded_and_never_block(tmp_path: Path) -> None:
    """Issue 19 §4, §7: a FIFO is refused without waiting for a writer, a symlink loop
    is said as such, a sparse 2 GB file is refused on its first bytes (not read
    whole), the limit counts bytes read (a /proc file stats as 0), and a name with
    escapes and a newline is written one line, inert."""
    import os
    import threading

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    sparse = tmp_path / "sparse.txt"
    with sparse.open("wb") as file:
        file.truncate(2 * 1024**3)
    said: dict[str, str] = {}

    def refuse() -> None:
        for path in (fifo, loop, sparse):
            with pytest.raises(AttachError) as caught:
                read_attachment(path, allow_large=True)
            said[path.name] = str(caught.value)

    reader = threading.Thread(target=refuse, daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert len(said) == 3, "a read blocked or read on"
    assert said["pipe.txt"] == "pipe.txt is not a regular file; only files can be attached."
    assert said["loop.txt"] == "loop.txt is a symlink loop; only files can be attached."
    assert "looks binary" in said["sparse.txt"]
    kallsyms = Path("/proc/self/maps")  # stat size 0, text of some kB
    if kallsyms.exists():
        with pytest.raises(TooLarge, match=r"^maps is over the 1 KB limit"):
            read_attachment(kallsyms, limit_kb=1)
    named = tmp_path / "a\x1b]2;title\x07\nb.txt"
    named.write_text("x" * 3000)
    with pytest.raises(TooLarge) as caught:
        read_attachment(named, limit_kb=1)
    assert str(caught.value).startswith("a\u241b]2;title\u2407\u21b5b.txt is 3 KB")


def test_languages_come_from_the_extension() -> None:
    assert language_for("a/b/main.RS") == "rust"
    assert language_for("Dockerfile") == "dockerfile"
    assert language_for("README") == ""
    assert format_size(12 * 1024) == "12 KB"
    assert format_size(int(1.5 * 1024 * 1024)) == "1.5 MB"


def test_a_file_with_fences_gets_a_longer_fence() -> None:
    text = "# Title\n\n```python\nx = 1\n```\n\n````\nmore\n````\n"
    block = fenced(Attachment("doc.md", len(text), "0" * 64, text))
    assert block.startswith("doc.md\n`````markdown\n")
    assert fenced_blocks(block) == [("markdown", text.removesuffix("\n"))]


@given(st.text(alphabet="`~ \nab", max_size=80))
def test_the_fence_is_never_closed_by_the_text(text: str) -> None:
    block = message_text("question", [Attachment("f.txt", len(text), "0" * 64, text)])
    # The block's code is the text without its last line ending.
    assert fenced_blocks(block) == [("text", text.removesuffix("\n"))]
    assert len(fence_for(text)) >= 3


def test_the_question_comes_first_then_each_file() -> None:
    a = Attachment("a.py", 2, "0" * 64, "a\n")
    b = Attachment("b.txt", 1, "1" * 64, "b")
    assert (
        message_text("Look:", [a, b])
        == "Look:\n\na.py\n```python\na\n```\n\nb.txt\n```text\nb\n```"
    )
    assert message_text("", [b]) == "b.txt\n```text\nb\n```"
    assert message_text("just text", []) == "just text"


# --- kept with the message ------------------------------------------------------------


FILE = Attachment("notes.md", 20, "ab" * 32, "```\nhello\n```\n</details>\n")


def test_the_store_keeps_attachments_with_their_message(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "c.db")
    conversation, first = store.start_conversation(
        "t", MessageDraft("user", "look", attachments=(FILE,))
    )
    second = store.add_message(
        conversation.id, MessageDraft("user", "and", attachments=(FILE, FILE)), parent_id=first.id
    )
    assert first.attachments == (FILE,)
    assert [m.attachments for m in store.messages(conversation.id)] == [(FILE,), (FILE, FILE)]
    assert store.branch_through(second.id)[1].attachments == (FILE, FILE)
    store.delete_conversation(conversation.id)
    db = sqlite3.connect(tmp_path / "c.db")
    assert db.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0  # cascaded


def test_a_schema_4_database_gains_the_attachments_table(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    database_at(path, 4).close()
    store = Store.open(path)
    _, first = store.start_conversation("t", MessageDraft("user", "look", attachments=(FILE,)))
    assert store.get_message(first.id).attachments == (FILE,)  # type: ignore[union-attr]
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(attachments)")]
    assert columns == ["id", "message_id", "name", "size", "sha256", "text"]
    assert 5 in MIGRATIONS


def test_export_and_import_keep_attachments(tmp_path: Path) -> None:
    import json

    store = Store.open(tmp_path / "c.db")
    conversation, _ = store.start_conversation(
        "t", MessageDraft("user", "look", attachments=(FILE,))
    )
    messages = store.messages(conversation.id)
    data = json.loads(export_text(conversation, messages, "json"))
    assert data["messages"][0]["attachments"] == [
        {"name": "notes.md", "size": 20, "sha256": "ab" * 32, "text": FILE.text}
    ]
    imported = parse_export(data)
    assert imported.messages[0].attachments == (FILE,)
    again = store.insert_conversation(imported)
    assert store.messages(again.id)[0].attachments == (FILE,)

    page = export_text(conversation, messages, "markdown")
    assert "<details><summary>📎 notes.md · 20 B</summary>" in page
    assert "````markdown\n```\nhello\n```\n</details>\n````\n\n</details>" in page


def test_an_import_with_a_bad_attachment_names_it() -> None:
    data = {
        "title": "t",
        "created_at": "2026-11-23T09:00:00Z",
        "updated_at": "2026-11-23T09:00:00Z",
        "messages": [
            {
                "role": "user",
                "content": "x",
                "created_at": "2026-11-23T09:00:00Z",
                "attachments": [{"name": "a", "size": -1, "sha256": "0", "text": 3}],
            }
        ],
    }
    with pytest.raises(ValueError) as refused:
        parse_export(data)
    assert refused.value.problems == [  # type: ignore[attr-defined]
        "messages[0].attachments[0].text must be text, not 3.",
        "messages[0].attachments[0].size must be a whole number ≥ 0, not -1.",
    ]
