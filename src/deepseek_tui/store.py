"""SQLite store of conversations and messages: the one place that touches sqlite3."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deepseek_tui.api.events import Usage

SCHEMA_VERSION = 1

# Each entry upgrades the schema from version N-1 to N; never edit a shipped one.
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        pinned INTEGER NOT NULL DEFAULT 0,
        archived INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX conversations_by_updated ON conversations (updated_at DESC);
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        parent_id INTEGER REFERENCES messages (id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        content TEXT NOT NULL DEFAULT '',
        reasoning TEXT,
        model TEXT,
        thinking INTEGER,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        reasoning_tokens INTEGER,
        cache_hit_tokens INTEGER,
        cache_miss_tokens INTEGER,
        cost REAL,
        finish_reason TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
    CREATE INDEX messages_by_parent ON messages (parent_id);
    """,
}


class StoreError(Exception):
    """The history database cannot be used; `str()` is one plain sentence."""


def now_iso() -> str:
    """UTC timestamp with milliseconds, sortable as text."""
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    title: str
    created_at: str
    updated_at: str
    pinned: bool = False
    archived: bool = False


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    conversation: Conversation
    message_count: int
    model: str | None


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: str
    parent_id: int | None
    role: str
    content: str
    reasoning: str | None
    model: str | None
    thinking: bool | None
    usage: Usage | None
    cost: float | None
    finish_reason: str | None
    error: str | None
    created_at: str
    updated_at: str

    @property
    def unfinished(self) -> bool:
        """An answer whose stream never ended (the process was killed)."""
        return self.role == "assistant" and self.finish_reason is None


class Store:
    """Conversations and messages in `conversations.db` (WAL, short transactions).

    Several processes may write at once (two TUIs, parallel `ask`s): every write is
    its own short transaction and waits on a busy database instead of failing.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path | str) -> Store:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"Cannot open the history database {path}: {error}.") from error
        store = cls(db, path)
        store._prepare()
        return store

    @classmethod
    def memory(cls) -> Store:
        store = cls(sqlite3.connect(":memory:", isolation_level=None), None)
        store._prepare()
        return store

    def close(self) -> None:
        self._db.close()

    def _prepare(self) -> None:
        db = self._db
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            if self.path is not None:
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as error:
            db.close()
            raise StoreError(
                f"The history database {self.path} is damaged or not a database ({error}); "
                "it was left untouched."
            ) from error

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The history database {self.path} was written by a newer deepseek-tui "
                f"(schema {version}); upgrade deepseek-tui to open it."
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._write():
                for statement in _statements(MIGRATIONS[target]):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {target}")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; IMMEDIATE so writers queue, not deadlock."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise StoreError(f"The history database is not writable: {error}") from error
        try:
            yield db
        except BaseException as error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise StoreError(f"Saving to the history database failed: {error}") from error
            raise
        else:
            try:
                db.execute("COMMIT")
            except sqlite3.Error as error:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise StoreError(f"Saving to the history database failed: {error}") from error

    # --- conversations -------------------------------------------------------------

    def create_conversation(self, title: str = "") -> Conversation:
        stamp = now_iso()
        conversation = Conversation(str(uuid.uuid4()), title, stamp, stamp)
        with self._write() as db:
            db.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?,?,?,?)",
                (conversation.id, title, stamp, stamp),
            )
        return conversation

    def get_conversation(self, conversation_id: str) -> Conversation | None:
        row = self._db.execute(
            "SELECT * FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        return _conversation(row) if row else None

    def find_conversation(self, id_or_prefix: str) -> Conversation | None:
        """By full id, or by an unambiguous prefix of at least 4 characters."""
        found = self.get_conversation(id_or_prefix)
        if found or len(id_or_prefix) < 4:
            return found
        rows = self._db.execute(
            "SELECT * FROM conversations WHERE id LIKE ? ESCAPE '\\' LIMIT 2",
            (_like_prefix(id_or_prefix),),
        ).fetchall()
        return _conversation(rows[0]) if len(rows) == 1 else None

    def last_conversation(self) -> Conversation | None:
        row = self._db.execute(
            "SELECT * FROM conversations WHERE archived = 0 "
            "ORDER BY updated_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        return _conversation(row) if row else None

    def set_title(self, conversation_id: str, title: str) -> None:
        with self._write() as db:
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def list_conversations(self, limit: int = 50, offset: int = 0) -> list[ConversationSummary]:
        rows = self._db.execute(
            """
            SELECT c.*,
                   (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS n,
                   (SELECT m.model FROM messages m WHERE m.conversation_id = c.id
                      AND m.model IS NOT NULL ORDER BY m.id DESC LIMIT 1) AS model
            FROM conversations c WHERE c.archived = 0
            ORDER BY c.pinned DESC, c.updated_at DESC, c.rowid DESC LIMIT ? OFFSET ?
            """,
            (limit, offset),
        ).fetchall()
        return [ConversationSummary(_conversation(r), r["n"], r["model"]) for r in rows]

    def delete_conversation(self, conversation_id: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # --- messages ---------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: str,
        role: str,
        content: str = "",
        *,
        parent_id: int | None = None,
        reasoning: str | None = None,
        model: str | None = None,
        thinking: bool | None = None,
        finish_reason: str | None = None,
    ) -> Message:
        stamp = now_iso()
        with self._write() as db:
            cursor = db.execute(
                """INSERT INTO messages (conversation_id, parent_id, role, content, reasoning,
                       model, thinking, finish_reason, created_at, updated_at)
                   VALUES (?,?,?,?,?,?,?,?,?,?)""",
                (
                    conversation_id,
                    parent_id,
                    role,
                    content,
                    reasoning,
                    model,
                    None if thinking is None else int(thinking),
                    finish_reason,
                    stamp,
                    stamp,
                ),
            )
            db.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (stamp, conversation_id)
            )
            message_id = cursor.lastrowid
        message = self.get_message(int(message_id or 0))
        assert message is not None
        return message

    def update_message(
        self,
        message_id: int,
        *,
        content: str | None = None,
        reasoning: str | None = None,
        finish_reason: str | None = None,
        usage: Usage | None = None,
        cost: float | None = None,
        error: str | None = None,
    ) -> None:
        """Set the given fields (None leaves a field as it is)."""
        fields: dict[str, Any] = {"updated_at": now_iso()}
        if content is not None:
            fields["content"] = content
        if reasoning is not None:
            fields["reasoning"] = reasoning
        if finish_reason is not None:
            fields["finish_reason"] = finish_reason
        if usage is not None:
            fields.update(
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                reasoning_tokens=usage.reasoning_tokens,
                cache_hit_tokens=usage.prompt_cache_hit_tokens,
                cache_miss_tokens=usage.prompt_cache_miss_tokens,
            )
        if cost is not None:
            fields["cost"] = cost
        if error is not None:
            fields["error"] = error
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._write() as db:
            db.execute(
                f"UPDATE messages SET {assignments} WHERE id = ?", (*fields.values(), message_id)
            )
            db.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = "
                "(SELECT conversation_id FROM messages WHERE id = ?)",
                (fields["updated_at"], message_id),
            )

    def get_message(self, message_id: int) -> Message | None:
        row = self._db.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
        return _message(row) if row else None

    def messages(self, conversation_id: str) -> list[Message]:
        """The conversation's messages in order (the newest branch of each fork)."""
        rows = self._db.execute(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        ).fetchall()
        return _newest_branch([_message(row) for row in rows])


def _newest_branch(messages: list[Message]) -> list[Message]:
    """Follow parent links from the newest leaf back to the root."""
    if not messages:
        return []
    by_id = {m.id: m for m in messages}
    if all(m.parent_id is None for m in messages):
        return messages
    chain: list[Message] = []
    current: Message | None = messages[-1]
    while current is not None:
        chain.append(current)
        current = by_id.get(current.parent_id) if current.parent_id is not None else None
    chain.reverse()
    return chain


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        pinned=bool(row["pinned"]),
        archived=bool(row["archived"]),
    )


def _message(row: sqlite3.Row) -> Message:
    has_usage = row["prompt_tokens"] is not None or row["completion_tokens"] is not None
    usage = (
        Usage(
            prompt_tokens=row["prompt_tokens"] or 0,
            completion_tokens=row["completion_tokens"] or 0,
            total_tokens=(row["prompt_tokens"] or 0) + (row["completion_tokens"] or 0),
            reasoning_tokens=row["reasoning_tokens"] or 0,
            prompt_cache_hit_tokens=row["cache_hit_tokens"] or 0,
            prompt_cache_miss_tokens=row["cache_miss_tokens"] or 0,
        )
        if has_usage
        else None
    )
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        parent_id=row["parent_id"],
        role=row["role"],
        content=row["content"],
        reasoning=row["reasoning"],
        model=row["model"],
        thinking=None if row["thinking"] is None else bool(row["thinking"]),
        usage=usage,
        cost=row["cost"],
        finish_reason=row["finish_reason"],
        error=row["error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
