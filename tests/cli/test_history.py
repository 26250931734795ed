"""`history`, `export` and `import` as a user runs them, on a real history file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from deepseek_tui.cli import main
from deepseek_tui.config import Paths
from deepseek_tui.messages import MessageDraft, MessageUpdate
from deepseek_tui.store import NewConversation, Store
from tests.helpers import run


@pytest.fixture
def store(paths: Paths) -> Store:
    paths.ensure_dir()
    opened = Store.open(paths.database)
    yield opened
    opened.close()


def converse(
    store: Store, title: str, *turns: tuple[str, str], model: str = "deepseek-chat"
) -> str:
    conversation = store.create_conversation(title)
    parent = None
    for question, answer in turns:
        user = store.add_message(conversation.id, MessageDraft("user", question), parent_id=parent)
        reply = store.add_message(
            conversation.id,
            MessageDraft("assistant", "", model=model, thinking=False),
            parent_id=user.id,
        )
        store.update_message(reply.id, MessageUpdate(content=answer, finish_reason="stop"))
        parent = reply.id
    return conversation.id


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- history ---------------------------------------------------------------------------------


def test_history_lists_newest_first_with_short_ids(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    first = converse(store, "Sky colour", ("why blue", "scattering"))
    second = converse(store, "Rust question", ("what is rust", "a language"), ("more", "ok"))
    status, out, err = cli(capsys, "history")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "UPDATED", "MSGS", "MODEL", "TITLE"]
    assert lines[1].startswith(second[:8] + "  ") and lines[1].endswith("Rust question")
    assert " 4  deepseek-chat  " in lines[1]
    assert lines[2].startswith(first[:8] + "  ") and lines[2].endswith("Sky colour")


def test_history_json_is_for_scripts(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    conversation_id = converse(store, "Title", ("q", "a"))
    status, out, _ = cli(capsys, "history", "--json")
    assert status == 0
    [row] = json.loads(out)
    assert row["id"] == conversation_id and row["title"] == "Title"
    assert row["message_count"] == 2 and row["model"] == "deepseek-chat"
    assert row["created_at"].endswith("Z") and row["updated_at"].endswith("Z")


def test_history_limit(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    for index in range(5):
        converse(store, f"chat {index}", ("q", "a"))
    assert len(json.loads(cli(capsys, "history", "--json", "--limit", "3")[1])) == 3
    assert len(json.loads(cli(capsys, "history", "--json", "--limit", "0")[1])) == 5


def test_history_search_shows_where_the_words_are(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    wanted = converse(store, "Cooking", ("how long to boil an egg", "about nine minutes"))
    converse(store, "Other", ("unrelated", "words"))
    status, out, _ = cli(capsys, "history", "--search", "nine minutes")
    assert status == 0
    head, snippet = out.splitlines()
    assert head.startswith(wanted[:8]) and head.endswith("Cooking")
    assert snippet.strip() == "assistant: about nine minutes"
    [hit] = json.loads(cli(capsys, "history", "--search", "boil", "--json")[1])
    assert hit["conversation_id"] == wanted and hit["role"] == "user"
    status, out, _ = cli(capsys, "history", "--search", 'nothing "like (this')
    assert status == 0 and "No messages match" in out


def test_history_without_a_database_is_empty_and_creates_nothing(
    paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = cli(capsys, "history")
    assert status == 0 and "No saved conversations yet" in out
    assert json.loads(cli(capsys, "history", "--json")[1]) == []
    assert not paths.dir.exists()


# --- export -----------------------------------------------------------------------------------


def test_export_last_as_json_is_the_documented_format(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    converse(store, "older", ("q", "a"))
    conversation_id = converse(store, "Newest", ("Why?", "Because."))
    status, out, _ = cli(capsys, "export", "last", "--format", "json")
    assert status == 0
    data = json.loads(out)
    assert set(data) == {"id", "title", "created_at", "updated_at", "messages"}
    assert data["id"] == conversation_id and data["title"] == "Newest"
    assert [m["content"] for m in data["messages"]] == ["Why?", "Because."]
    assert set(data["messages"][1]) == {
        "role",
        "content",
        "reasoning_content",
        "model",
        "finish_reason",
        "usage",
        "created_at",
    }


def test_export_by_id_prefix_as_markdown(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    conversation_id = converse(store, "Readable", ("A question", "An answer"))
    status, out, _ = cli(capsys, "export", conversation_id[:6])
    assert status == 0
    assert out.startswith("# Readable\n")
    assert "## User\n\nA question" in out and "## Assistant · deepseek-chat\n\nAn answer" in out


def test_export_to_a_file(store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    converse(store, "To a file", ("q", "a"))
    target = tmp_path / "out" / "chat.json"
    target.parent.mkdir()
    status, out, err = cli(capsys, "export", "last", "--output", str(target))
    assert status == 0 and out == ""
    assert json.loads(target.read_text())["title"] == "To a file"  # .json picks JSON
    assert str(target) in err
    markdown = tmp_path / "out" / "chat.md"
    assert cli(capsys, "export", "last", "--output", str(markdown))[0] == 0
    assert markdown.read_text().startswith("# To a file")
    assert sorted(p.name for p in target.parent.iterdir()) == ["chat.json", "chat.md"]


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("zzzz9999", "no conversation 'zzzz9999'"),
        ("ab", "at least 4 characters"),
        ("aaaa", "matches several conversations"),
    ],
)
def test_export_of_an_unknown_or_ambiguous_id_is_one_line(
    store: Store, capsys: pytest.CaptureFixture[str], target: str, words: str
) -> None:
    for suffix in ("1", "2"):
        store.insert_conversation(
            NewConversation(
                id="aaaa-" + suffix,
                title="",
                created_at="2026-11-23T09:00:00.000Z",
                updated_at="2026-11-23T09:00:00.000Z",
            )
        )
    status, out, err = cli(capsys, "export", target)
    assert status == 1 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1


def test_export_with_no_history_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli(capsys, "export", "last")
    assert status == 1 and "no saved conversations" in err


# --- import -----------------------------------------------------------------------------------


def test_export_then_import_round_trips_exactly(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    conversation_id = converse(store, "Round trip ünïcödé", ("q " * 50, "a\n```py\nx\n```"))
    exported = tmp_path / "c.json"
    cli(capsys, "export", "last", "--output", str(exported))
    store.delete_conversation(conversation_id)
    status, out, _ = cli(capsys, "import", str(exported))
    assert status == 0 and out.strip() == conversation_id
    again = tmp_path / "again.json"
    cli(capsys, "export", conversation_id, "--output", str(again))
    assert again.read_bytes() == exported.read_bytes()
    # A second import of the same file gets a new id and says so.
    status, out, err = cli(capsys, "import", str(exported))
    assert status == 0 and out.strip() != conversation_id and "new id" in err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"title": "x", ', "is not valid JSON (line 1, column 16"),
        (b"\xff\xfe junk", "is not UTF-8 text"),
        (b"[]", "found a list"),
        (b'{"title": "x"}', "created_at is missing"),
        (
            json.dumps(
                {
                    "created_at": "2026-11-23T09:00:00Z",
                    "updated_at": "2026-11-23T09:00:00Z",
                    "messages": [
                        {"role": "user", "content": "ok", "created_at": "2026-11-23T09:00:00Z"},
                        {"role": "user", "content": 5, "created_at": "2026-11-23T09:00:00Z"},
                    ],
                }
            ).encode(),
            "messages[1].content must be text, not 5",
        ),
        (
            b'{"created_at": "2026-11-23T09:00:00Z", "updated_at": "yesterday", "messages": []}',
            "updated_at is not an ISO-8601 time",
        ),
    ],
)
def test_a_bad_file_is_one_clear_line_and_imports_nothing(
    paths: Paths,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: bytes,
    words: str,
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    status, out, err = cli(capsys, "import", str(bad))
    assert status == 1 and out == ""
    assert err.startswith(f"deepseek-tui: {bad} ") and words in err
    assert "nothing was imported" in err and len(err.strip().splitlines()) == 1
    assert not paths.database.exists()


def test_import_of_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = cli(capsys, "import", str(tmp_path / "nope.json"))
    assert status == 1 and "cannot read" in err and "nope.json" in err


# --- a damaged database, end to end ---------------------------------------------------------


def test_every_command_names_a_damaged_database_and_leaves_it_alone(paths: Paths) -> None:
    paths.ensure_dir()
    paths.database.write_bytes(b"SQLite format 3\x00" + b"\x13" * 8000)
    before = paths.database.read_bytes()
    exported = paths.dir / "one.json"
    exported.write_text(
        json.dumps(
            {
                "created_at": "2026-11-23T09:00:00Z",
                "updated_at": "2026-11-23T09:00:00Z",
                "messages": [],
            }
        )
    )
    for args in (["history"], ["export", "last"], ["import", str(exported)]):
        result = run(*args)
        err = result.stderr.decode()
        assert result.returncode == 1, args
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert str(paths.database) in err and "left untouched" in err
        assert f"mv {paths.database} {paths.database}.broken-" in err
    result = run("ask", "--demo", "echo: still answers")
    assert result.returncode == 0 and result.stdout == b"still answers"
    assert "left untouched" in result.stderr.decode()
    assert paths.database.read_bytes() == before
    assert sorted(p.name for p in paths.dir.iterdir()) == ["conversations.db", "one.json"]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["history", "--limit", "-1"], ["export"], ["export", "last", "--format", "pdf"]):
        with pytest.raises(SystemExit) as caught:
            main(args)
        assert caught.value.code == 2
    capsys.readouterr()


def test_a_history_written_by_the_previous_version_is_listed(
    paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    from deepseek_tui.store import MIGRATIONS

    paths.ensure_dir()
    db = sqlite3.connect(paths.database)
    db.executescript(MIGRATIONS[1])
    db.execute(
        "INSERT INTO conversations (id, title, created_at, updated_at) "
        "VALUES ('0123456789', 'From v1', '2026-01-01T09:00:00.000Z', '2026-01-01T09:00:00.000Z')"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    [row] = json.loads(cli(capsys, "history", "--json")[1])
    assert row["title"] == "From v1" and row["message_count"] == 0


def test_help_says_a_damaged_file_is_left_alone_and_how_to_move_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for command in ("history", "export", "import"):
        with pytest.raises(SystemExit) as caught:
            main([command, "--help"])
        assert caught.value.code == 0
        text = " ".join(capsys.readouterr().out.split())
        assert "untouched" in text and "mv conversations.db conversations.db.broken-" in text
