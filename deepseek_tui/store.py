"""SQLite store of conversations and messages: the one place that touches sqlite3."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shlex
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from deepseek_tui.api.events import FinishReason, Usage
from deepseek_tui.attachments import Attachment
from deepseek_tui.messages import (
    Message,
    MessageDraft,
    MessageFields,
    MessageUpdate,
    ToolRun,
    tool_calls_from_json,
    tool_calls_json,
)
from deepseek_tui.timestamps import now_iso

SCHEMA_VERSION = 9
# `PRAGMA application_id` of our files ("DSTU"), so another program's SQLite file is
# told apart before anything is written to it.
APPLICATION_ID = 0x44535455
# Columns only our `messages` table has: a file from before APPLICATION_ID is ours
# when it holds them (another chat program may well have "conversations" and
# "messages" tables of its own).
_OUR_MESSAGE_COLUMNS = frozenset(
    {"conversation_id", "parent_id", "role", "content", "reasoning", "thinking", "finish_reason"}
)


def _may_hold_cjk(row: str) -> str:
    """Part of migration 6 (never change it): SQL that is true when the row's content
    or reasoning may hold CJK text. In UTF-8 every character of `_has_cjk`'s ranges
    starts with a byte E3 to ED or EF (a few other scripts and symbols do too, which
    only indexes a little more). A byte search, since a GLOB character class costs
    ~100 ns a character (57 s over a million messages, ~1 s on every save of a 10 MB
    answer); pure ASCII, most text, is told apart by its length in bytes at once."""
    tests = []
    for column in (f"{row}.content", f"{row}.reasoning"):
        data = f"CAST({column} AS BLOB)"
        leads = " OR ".join(f"instr({data}, X'{byte:02X}')" for byte in [*range(0xE3, 0xEE), 0xEF])
        tests.append(f"(length({data}) > length({column}) AND ({leads}))")
    return " OR ".join(tests)


# Part of migration 7 (never change it): how many characters of a message's reasoning
# the search indexes hold. Reasoning is searched for the gist, and real reasoning
# (tens of thousands of tokens) is far shorter; a 200 MB one made every save that
# changed the message tokenize all of it twice (delete, insert) and hold its terms.
REASONING_INDEXED = 1_000_000


def _indexed_reasoning(row: str) -> str:
    """Part of migration 7 (never change it): the reasoning as the indexes take it."""
    return f"substr({row}.reasoning, 1, {REASONING_INDEXED})"


def _may_hold_cjk_7(content: str, reasoning: str) -> str:
    """Part of migration 7 (never change it): `_may_hold_cjk` over a content and the
    indexed part of a reasoning, given as SQL (the whole reasoning was scanned and,
    by CAST, copied at every save)."""
    tests = []
    for column in (content, reasoning):
        data = f"CAST({column} AS BLOB)"
        leads = " OR ".join(f"instr({data}, X'{byte:02X}')" for byte in [*range(0xE3, 0xEE), 0xEF])
        tests.append(f"(length({data}) > length({column}) AND ({leads}))")
    return " OR ".join(tests)


def _trigger_is_cut(name: str) -> str:
    """Part of migration 7 (never change it): SQL true once the trigger `name` is
    migration 7's (it indexes a cut reasoning), so that its CJK part, run again after
    the CJK index is built again (`Store._migrate`), mends only what is indexed whole."""
    return (
        "EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' "
        f"AND name = '{name}' AND sql LIKE '%substr(%')"
    )


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
    # Full-text search. An *external-content* FTS5 table: the index points into
    # `messages` instead of holding a second copy of every text (the database does
    # not double in size), and unlike a contentless table it can still build
    # snippets. The price is that the index must see exactly the old values on
    # every change, which the triggers below guarantee for every writer, also
    # cascaded deletes. Reasoning is a second column, so searching it is a choice
    # made per query. The update trigger skips writes that leave the text alone.
    # `total_tokens` is kept as reported, so an export round-trips exactly.
    2: """
    ALTER TABLE messages ADD COLUMN total_tokens INTEGER;
    CREATE VIRTUAL TABLE messages_fts USING fts5 (
        content,
        reasoning,
        content = 'messages',
        content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, content, reasoning)
        VALUES (new.id, new.content, new.reasoning);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning ON messages
    WHEN old.content IS NOT new.content OR old.reasoning IS NOT new.reasoning BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
        INSERT INTO messages_fts (rowid, content, reasoning)
        VALUES (new.id, new.content, new.reasoning);
    END;
    INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
    CREATE INDEX conversations_for_sidebar
        ON conversations (archived, pinned DESC, updated_at DESC);
    """,
    # How long the model thought before answering, so a reopened answer is labelled
    # as it was live ("Thought for 12 s").
    3: """
    ALTER TABLE messages ADD COLUMN reasoning_seconds REAL;
    """,
    # The request parameters a conversation was set up with (JSON mode, stop
    # sequences, penalties, max_tokens, reasoning effort), as a JSON object; NULL
    # means the settings' defaults.
    4: """
    ALTER TABLE conversations ADD COLUMN parameters TEXT;
    """,
    # Files attached to a message: the text actually sent (the message's `content`
    # is what was typed), with the file's name, size and hash as they were read.
    5: """
    CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX attachments_by_message ON attachments (message_id, id);
    """,
    # Chinese, Japanese and Korean have no spaces, so `messages_fts` sees a run of
    # such characters as one word and a word inside it was found only by a LIKE
    # scan of every message (seconds at a million). A trigram index finds any
    # substring of three characters or more; shorter words are looked up as
    # prefixes of its terms (`messages_cjk_terms`). Only messages that may hold CJK
    # text are indexed (`_may_hold_cjk`; a query with CJK can match no other), which
    # keeps the index, and this step on a big English history, small. Contentless:
    # the text indexed is the message's plus two newlines, so that every character,
    # also the last, starts a trigram; deletes must repeat exactly that, for the rows
    # that are in it (a lookup, not a second test of the old text). Applied only
    # where SQLite has the trigram tokenizer (3.34+, see `Store._migrate`); the DROPs
    # let it run again after a step back to 5.
    6: f"""
    DROP TABLE IF EXISTS messages_cjk_terms;
    DROP TABLE IF EXISTS messages_cjk;
    CREATE VIRTUAL TABLE messages_cjk USING fts5 (
        content,
        reasoning,
        content = '',
        tokenize = 'trigram'
    );
    CREATE VIRTUAL TABLE messages_cjk_terms USING fts5vocab (messages_cjk, 'row');
    CREATE TRIGGER messages_cjk_insert AFTER INSERT ON messages
    WHEN {_may_hold_cjk("new")} BEGIN
        INSERT INTO messages_cjk (rowid, content, reasoning)
        VALUES (new.id, new.content || char(10, 10), new.reasoning || char(10, 10));
    END;
    CREATE TRIGGER messages_cjk_delete AFTER DELETE ON messages
    WHEN EXISTS (SELECT 1 FROM messages_cjk WHERE rowid = old.id) BEGIN
        INSERT INTO messages_cjk (messages_cjk, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content || char(10, 10), old.reasoning || char(10, 10));
    END;
    CREATE TRIGGER messages_cjk_update AFTER UPDATE OF content, reasoning ON messages
    WHEN old.content IS NOT new.content OR old.reasoning IS NOT new.reasoning BEGIN
        INSERT INTO messages_cjk (messages_cjk, rowid, content, reasoning)
        SELECT 'delete', old.id, old.content || char(10, 10), old.reasoning || char(10, 10)
        WHERE EXISTS (SELECT 1 FROM messages_cjk WHERE rowid = old.id);
        INSERT INTO messages_cjk (rowid, content, reasoning)
        SELECT new.id, new.content || char(10, 10), new.reasoning || char(10, 10)
        WHERE {_may_hold_cjk("new")};
    END;
    INSERT INTO messages_cjk (rowid, content, reasoning)
    SELECT id, content || char(10, 10), reasoning || char(10, 10) FROM messages
    WHERE {_may_hold_cjk("messages")};
    """,
    # Both search indexes take at most the first `REASONING_INDEXED` characters of a
    # reasoning (see there). SQLite copies a value for every mention of old.x or
    # new.x in a trigger (200 MB each), so an update's triggers read the reasoning's
    # head by a subquery, once each: BEFORE the update the old text is taken out
    # (`*_unindex`), AFTER it the new one put in; no WHEN compares the texts (two
    # more copies), and an update of neither column fires none. A reasoning longer
    # than the cut was indexed whole: it is taken out as it was indexed and put back
    # cut (only while the update trigger is still the old one: when step 6 builds the
    # CJK index again, whole, its part of this step runs again and mends only that).
    # `_CJK_TRIGGERS` drops this step's CJK triggers too. Its CJK part is
    # `_TRIGRAM_PARTS[7]`, run with it where SQLite has trigram.
    7: f"""
    INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
    SELECT 'delete', id, content, reasoning FROM messages
    WHERE length(reasoning) > {REASONING_INDEXED}
    AND NOT {_trigger_is_cut("messages_fts_update")};
    INSERT INTO messages_fts (rowid, content, reasoning)
    SELECT id, content, {_indexed_reasoning("messages")} FROM messages
    WHERE length(reasoning) > {REASONING_INDEXED}
    AND NOT {_trigger_is_cut("messages_fts_update")};
    DROP TRIGGER IF EXISTS messages_fts_insert;
    DROP TRIGGER IF EXISTS messages_fts_delete;
    DROP TRIGGER IF EXISTS messages_fts_update;
    DROP TRIGGER IF EXISTS messages_fts_unindex;
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, content, reasoning)
        VALUES (new.id, new.content, {_indexed_reasoning("new")});
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, {_indexed_reasoning("old")});
    END;
    CREATE TRIGGER messages_fts_unindex BEFORE UPDATE OF content, reasoning ON messages
    BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
        SELECT 'delete', id, content, {_indexed_reasoning("messages")}
        FROM messages WHERE id = old.id;
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning ON messages
    BEGIN
        INSERT INTO messages_fts (rowid, content, reasoning)
        SELECT id, content, {_indexed_reasoning("messages")} FROM messages WHERE id = new.id;
    END;
    """,
    # Tool calls (issue 20). An answer that ended to call tools keeps them as the JSON
    # text of `[call.to_wire(), …]`, so they are sent back byte-identically; a `tool`
    # message keeps the call it answers and what came of it (`ToolRun` as JSON).
    8: """
    ALTER TABLE messages ADD COLUMN tool_calls TEXT;
    ALTER TABLE messages ADD COLUMN tool_call_id TEXT;
    ALTER TABLE messages ADD COLUMN tool TEXT;
    """,
    # A reasoning past `REASONING_HEAD` characters goes on in parts (see there), so
    # that a save adds what came since the last one instead of writing all of it
    # again. A row written before keeps its whole reasoning in its column: a read
    # takes the column and then the parts, whichever holds what.
    9: """
    CREATE TABLE reasoning_parts (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        text TEXT NOT NULL
    );
    CREATE INDEX reasoning_parts_by_message ON reasoning_parts (message_id, id);
    """,
}
# Where a reasoning is kept (migration 9): its first `REASONING_HEAD` characters in
# `messages.reasoning` — what the search indexes take of it — and the rest in
# `reasoning_parts`, appended as it streams, in rows of at most `PART_CHARS`. A
# 200 MB reasoning was written whole at every save (SQLite copying it, the
# indexes' triggers reading it again); now each save writes what is new.
REASONING_HEAD = REASONING_INDEXED
PART_CHARS = 1_000_000
# The first version with `reasoning_parts` (a read-only older file has none).
PARTS_STEP = 9
# The parts of later steps that change the CJK index (migration 6's): run with their
# step where SQLite has trigram, and after step 6 whenever the index is built again.
_TRIGRAM_PARTS: dict[int, str] = {
    7: f"""
    INSERT INTO messages_cjk (messages_cjk, rowid, content, reasoning)
    SELECT 'delete', id, content || char(10, 10), reasoning || char(10, 10) FROM messages
    WHERE length(reasoning) > {REASONING_INDEXED}
    AND EXISTS (SELECT 1 FROM messages_cjk WHERE rowid = messages.id)
    AND NOT {_trigger_is_cut("messages_cjk_update")};
    INSERT INTO messages_cjk (rowid, content, reasoning)
    SELECT id, content || char(10, 10), {_indexed_reasoning("messages")} || char(10, 10)
    FROM messages
    WHERE length(reasoning) > {REASONING_INDEXED}
    AND {_may_hold_cjk_7("content", _indexed_reasoning("messages"))}
    AND NOT {_trigger_is_cut("messages_cjk_update")};
    DROP TRIGGER IF EXISTS messages_cjk_insert;
    DROP TRIGGER IF EXISTS messages_cjk_delete;
    DROP TRIGGER IF EXISTS messages_cjk_update;
    DROP TRIGGER IF EXISTS messages_cjk_unindex;
    CREATE TRIGGER messages_cjk_insert AFTER INSERT ON messages
    WHEN {_may_hold_cjk_7("new.content", _indexed_reasoning("new"))} BEGIN
        INSERT INTO messages_cjk (rowid, content, reasoning)
        VALUES (new.id, new.content || char(10, 10),
                {_indexed_reasoning("new")} || char(10, 10));
    END;
    CREATE TRIGGER messages_cjk_delete AFTER DELETE ON messages
    WHEN EXISTS (SELECT 1 FROM messages_cjk WHERE rowid = old.id) BEGIN
        INSERT INTO messages_cjk (messages_cjk, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content || char(10, 10),
                {_indexed_reasoning("old")} || char(10, 10));
    END;
    CREATE TRIGGER messages_cjk_unindex BEFORE UPDATE OF content, reasoning ON messages
    WHEN EXISTS (SELECT 1 FROM messages_cjk WHERE rowid = old.id) BEGIN
        INSERT INTO messages_cjk (messages_cjk, rowid, content, reasoning)
        SELECT 'delete', id, content || char(10, 10),
               {_indexed_reasoning("messages")} || char(10, 10)
        FROM messages WHERE id = old.id;
    END;
    CREATE TRIGGER messages_cjk_update AFTER UPDATE OF content, reasoning ON messages
    BEGIN
        INSERT INTO messages_cjk (rowid, content, reasoning)
        SELECT id, content || char(10, 10), head || char(10, 10) FROM (
            SELECT id, content, {_indexed_reasoning("messages")} AS head
            FROM messages WHERE id = new.id LIMIT 1
        ) WHERE {_may_hold_cjk_7("content", "head")};
    END;
    """,
}
# Migration 6 needs the trigram tokenizer; without it that step is passed over (its
# triggers dropped when a file has them), and CJK words inside a sentence are found by
# a scan; a SQLite with trigram builds the index whenever its triggers are missing.
CJK_STEP = 6
# What a read-only file needs to be read: what later steps add is an index (searched
# without) or a column read as its default when missing.
READ_ONLY_NEEDS = 5
# Triggers of migration 6: a SQLite without trigram can write nothing while they exist.
_CJK_TRIGGERS = (
    "messages_cjk_insert",
    "messages_cjk_delete",
    "messages_cjk_update",
    "messages_cjk_unindex",  # migration 7's
)

# Bytes of WAL file kept once a checkpoint emptied it (see `Store._prepare`).
WAL_KEPT = 16 * 1024 * 1024
# Ties in a recursive walk are impossible in a database we wrote; a damaged one
# must still not loop forever.
_MAX_DEPTH = 1_000_000
# How many of the newest matches a search ranks (see `Store.search`).
RANK_WINDOW = 2_000
# A word in more messages than this only filters a search, it does not rank it: bm25
# reads the whole list of messages of every word it weighs (a word in every message
# costs ~50 ms a million messages), and so common a word says little anyway.
RARE_ROWS = 20_000
# A CJK word of one or two characters is looked up as the trigrams it starts when
# there are at most this many (see `Store._substring`).
CJK_TERMS = 64
_TERM = re.compile(r"[^\W_]+")
# What a conversation without a title is called, wherever it is shown.
UNTITLED = "Untitled"


class StoreError(Exception):
    """The history database cannot be used; `str()` is one plain sentence."""


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    title: str
    created_at: str
    updated_at: str
    pinned: bool = False
    archived: bool = False

    @property
    def shown_title(self) -> str:
        """The title, or what an untitled conversation is called."""
        return self.title or UNTITLED


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    conversation: Conversation
    message_count: int
    model: str | None
    preset: str | None = None  # the preset it started from (its saved parameters say)


@dataclass(frozen=True, slots=True)
class NewConversation:
    """A whole conversation to add at once (`Store.insert_conversation`): `messages`
    are one branch, oldest first, each with its own `created_at`; `id` is kept when
    no conversation has it."""

    title: str
    created_at: str
    updated_at: str
    messages: tuple[MessageDraft, ...] = ()
    id: str | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A message that matches a search; `snippet` is plain text around the match."""

    conversation_id: str
    message_id: int
    title: str
    role: str
    snippet: str
    updated_at: str

    @property
    def shown_title(self) -> str:
        """The conversation's title, or what an untitled conversation is called."""
        return self.title or UNTITLED


class Store:
    """Conversations and messages in `conversations.db` (WAL, short transactions).

    Several processes may write at once (two TUIs, parallel `ask`s): every write is
    its own short transaction and waits on a busy database instead of failing.
    Every sqlite3 error leaves as a `StoreError` with a plain sentence.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._db = connection
        self.path = path
        self.read_only = False
        # Whether `messages_cjk` is there and kept current (set by `_migrate`).
        self.cjk_index = False
        # Whether `reasoning_parts` is there (a read-only file of an older version).
        self._parts = True
        # The conversations hidden over this connection (`set_archived`): this
        # process's deletes, which a session never takes for another window's.
        self.hidden: set[str] = set()

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool | None = None) -> Store:
        """Open (or create, 0600) the database. `read_only` None: read-only when the
        file exists but it or its folder cannot be written (a read-only config dir
        still lists and exports), read-write otherwise."""
        path = Path(path)
        if read_only is None:
            read_only = path.exists() and not _writable(path)
        try:
            if read_only:
                db = sqlite3.connect(
                    _read_only_uri(path), timeout=30.0, isolation_level=None, uri=True
                )
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                _create_private(path)
                db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"Cannot open the history database {path}: {error}.") from error
        store = cls(db, path)
        store.read_only = read_only
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
            # Before anything that writes (WAL is a write to the file's header).
            self._check_ours()
            if self.path is not None and not self.read_only:
                self._use_wal()
            db.execute("PRAGMA synchronous = NORMAL")
            # A WAL file keeps the size it once reached: the saves of a 200 MB
            # reasoning left one of ~200 MB beside the database for good. Cut back
            # to this once a checkpoint has emptied it.
            db.execute(f"PRAGMA journal_size_limit = {WAL_KEPT}")
            db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.Error as error:
            db.close()
            raise self._error(error) from error
        except StoreError:
            db.close()
            raise

    def _use_wal(self) -> None:
        """Switch the file to WAL. When several processes open a new file at once, one
        may find it locked while another switches, and SQLite does not wait for that
        (no busy handler): try again, for as long as busy_timeout would have waited."""
        deadline = time.monotonic() + 30
        delay = 0.005
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
                busy = code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
                if not busy or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.1)

    def _check_ours(self) -> None:
        """Refuse a SQLite file some other program wrote, before writing to it."""
        db = self._db
        # One read transaction: another process may be creating the schema meanwhile.
        db.execute("BEGIN")
        try:
            application_id = self._application_id()
            tables = {
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            version = self._user_version()
            columns = {row[1] for row in db.execute("PRAGMA table_info(messages)")}
        finally:
            db.execute("ROLLBACK")
        if application_id == APPLICATION_ID:
            return
        if not tables and version == 0:
            return  # a new, empty file
        if version >= 1 and "conversations" in tables and columns >= _OUR_MESSAGE_COLUMNS:
            return  # ours, from before the application id
        raise StoreError(
            f"{self.path or 'The database'} is not a deepseek-tui history database "
            "(another program's SQLite file?); it was left untouched. Use --config-dir "
            "to keep the history somewhere else."
        )

    def _migrate(self) -> None:
        version = self._user_version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The history database {self.path} was written by a newer deepseek-tui "
                f"(schema {version}); upgrade deepseek-tui to open it."
            )
        trigram = _trigram_supported()
        if self.read_only:
            # Searched without the CJK index when it is not there, by a scan; the
            # columns of later steps read as their defaults (`_message`).
            if version < READ_ONLY_NEEDS:
                raise StoreError(
                    f"The history database {self.path} needs an upgrade by this version "
                    "of deepseek-tui, but it is read-only; make it and its folder "
                    "writable once."
                )
            self.cjk_index = version >= CJK_STEP and trigram and self._has_cjk_triggers()
            self._parts = version >= PARTS_STEP
            return
        if not trigram and self._has_cjk_triggers():
            self._drop_cjk_triggers()
        while version < SCHEMA_VERSION:
            with self._write() as db:
                # Another process may have upgraded the file while we waited for
                # the write lock (parallel `ask`s on a fresh config dir).
                version = self._user_version()
                if version >= SCHEMA_VERSION:
                    break
                target = version + 1
                # Without trigram the CJK step is passed over (its triggers are what
                # says it is there); the steps after it apply all the same.
                if target != CJK_STEP or trigram:
                    for statement in _statements(MIGRATIONS[target]):
                        db.execute(statement)
                if trigram and target in _TRIGRAM_PARTS:
                    for statement in _statements(_TRIGRAM_PARTS[target]):
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {target}")
            version = target
        if trigram and not self._has_cjk_triggers():
            # Upgraded or written by a SQLite without trigram: the index is built
            # again, whole (the step drops what is left of it first).
            with self._write() as db:
                for trigger in _CJK_TRIGGERS:  # some may be left (a step's, not all)
                    db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
                for statement in _statements(MIGRATIONS[CJK_STEP]):
                    db.execute(statement)
                for step in sorted(_TRIGRAM_PARTS):
                    for statement in _statements(_TRIGRAM_PARTS[step]):
                        db.execute(statement)
        self.cjk_index = trigram
        if self._application_id() != APPLICATION_ID:
            with self._write() as db:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def _has_cjk_triggers(self) -> bool:
        names = ",".join("?" * len(_CJK_TRIGGERS))
        row = self._db.execute(
            f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})",
            _CJK_TRIGGERS,
        ).fetchone()
        return int(row[0]) == len(_CJK_TRIGGERS)

    def _drop_cjk_triggers(self) -> None:
        """A file from a SQLite with trigram, opened by one without (another Python
        on the same machine): it cannot write while the CJK index's triggers exist,
        and cannot drop the index itself. Drop the triggers; the index is rebuilt
        whole when a SQLite with trigram opens the file."""
        with self._write() as db:
            for trigger in _CJK_TRIGGERS:
                db.execute(f"DROP TRIGGER IF EXISTS {trigger}")

    def _application_id(self) -> int:
        return int(self._db.execute("PRAGMA application_id").fetchone()[0])

    def _user_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _error(self, error: sqlite3.Error, doing: str = "") -> StoreError:
        """One plain sentence for a sqlite3 error, naming the file and what to do."""
        where = f" {self.path}" if self.path else ""
        code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
        if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            message = (
                f"The history database{where} is damaged or not a database ({error}); "
                "it was left untouched."
            )
            if self.path is not None:
                message += (
                    f" To start a new history, move it aside: {move_aside_command(self.path)}"
                )
            return StoreError(message)
        if code == sqlite3.SQLITE_READONLY:
            return StoreError(
                f"The history database{where} is not writable (read-only); "
                "it can be listed and exported, but nothing new is saved."
            )
        if code == sqlite3.SQLITE_CANTOPEN:
            return StoreError(
                f"Cannot open the history database{where} ({error}); "
                "check that the file and its folder are readable and writable."
            )
        if doing:
            return StoreError(f"{doing}: {error}.")
        return StoreError(f"The history database{where} cannot be used: {error}.")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise self._error(error, "Reading the history database failed") from error

    def _rows_of(self, ids: list[int], sql: str) -> Iterator[sqlite3.Row]:
        """`sql` over `ids` (its `{}` the placeholders), in chunks of 500: SQLite limits
        the parameters of one statement."""
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            yield from self._rows(sql.format(",".join("?" * len(chunk))), chunk)

    def _row(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; IMMEDIATE so writers queue, not deadlock."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._error(error, "The history database is not writable") from error
        try:
            yield db
        except BaseException as error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise self._error(error, "Saving to the history database failed") from error
            raise
        else:
            try:
                db.execute("COMMIT")
            except sqlite3.Error as error:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise self._error(error, "Saving to the history database failed") from error

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
        row = self._row("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
        return _conversation(row) if row else None

    def find_conversation(self, id_or_prefix: str) -> Conversation | None:
        """By full id, or by an unambiguous prefix of at least 4 characters."""
        found = self.get_conversation(id_or_prefix)
        if found or len(id_or_prefix) < 4:
            return found
        matches = self.conversations_with_prefix(id_or_prefix, limit=2)
        return matches[0] if len(matches) == 1 else None

    def conversations_with_prefix(self, prefix: str, *, limit: int = 10) -> list[Conversation]:
        """Conversations whose id starts with `prefix` (to explain an ambiguous one)."""
        rows = self._rows(
            "SELECT * FROM conversations WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
            (_like_prefix(prefix), limit),
        )
        return [_conversation(row) for row in rows]

    def last_conversation(self) -> Conversation | None:
        row = self._row(
            "SELECT * FROM conversations WHERE archived = 0 "
            "ORDER BY updated_at DESC, rowid DESC LIMIT 1"
        )
        return _conversation(row) if row else None

    def conversation_parameters(self, conversation_id: str) -> dict[str, Any] | None:
        """The parameters saved with a conversation (`set_conversation_parameters`),
        or None when it has none (or what is there is not a JSON object)."""
        row = self._row("SELECT parameters FROM conversations WHERE id = ?", (conversation_id,))
        if row is None or row["parameters"] is None:
            return None
        try:
            value = json.loads(row["parameters"])
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def set_conversation_parameters(self, conversation_id: str, parameters: dict[str, Any]) -> None:
        """Save the request parameters with the conversation (a JSON object); the
        conversation keeps its place in the list."""
        with self._write() as db:
            db.execute(
                "UPDATE conversations SET parameters = ? WHERE id = ?",
                (json.dumps(parameters, ensure_ascii=False), conversation_id),
            )

    def rename_conversation(self, conversation_id: str, title: str) -> None:
        """Set the title; the conversation keeps its place in the list."""
        with self._write() as db:
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def set_archived(self, conversation_id: str, archived: bool) -> None:
        """Hide (or show again) a conversation everywhere: list, search, --continue.
        The TUI's delete archives first, so its undo loses nothing."""
        with self._write() as db:
            db.execute(
                "UPDATE conversations SET archived = ? WHERE id = ?",
                (int(archived), conversation_id),
            )
        if archived:
            self.hidden.add(conversation_id)
        else:
            self.hidden.discard(conversation_id)

    def delete_archived(self, conversation_id: str | None = None) -> int:
        """Delete for good every hidden (archived) conversation, or this one if it is
        still hidden (a window that went on writing in it showed it again); returns
        how many."""
        with self._write() as db:
            if conversation_id is None:
                return db.execute("DELETE FROM conversations WHERE archived = 1").rowcount
            return db.execute(
                "DELETE FROM conversations WHERE id = ? AND archived = 1", (conversation_id,)
            ).rowcount

    def set_pinned(self, conversation_id: str, pinned: bool) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE conversations SET pinned = ? WHERE id = ?", (int(pinned), conversation_id)
            )

    def list_conversations(self, limit: int = 50, offset: int = 0) -> list[ConversationSummary]:
        """Pinned first, then newest first. The page is chosen on the index alone;
        only its rows pay for the message count and model (so deep pages stay fast)."""
        rows = self._rows(
            """
            SELECT c.*,
                   (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS n,
                   (SELECT m.model FROM messages m WHERE m.conversation_id = c.id
                      AND m.model IS NOT NULL ORDER BY m.id DESC LIMIT 1) AS model
            FROM (
                SELECT rowid AS page_rowid FROM conversations WHERE archived = 0
                ORDER BY pinned DESC, updated_at DESC, rowid DESC LIMIT ? OFFSET ?
            ) AS page
            JOIN conversations c ON c.rowid = page.page_rowid
            ORDER BY c.pinned DESC, c.updated_at DESC, c.rowid DESC
            """,
            (limit, offset),
        )
        return [
            ConversationSummary(_conversation(r), r["n"], r["model"], _preset(r["parameters"]))
            for r in rows
        ]

    def count_conversations(self) -> int:
        row = self._row("SELECT count(*) FROM conversations WHERE archived = 0")
        return int(row[0]) if row else 0

    def delete_conversation(self, conversation_id: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def insert_conversation(self, new: NewConversation) -> Conversation:
        """Add a whole conversation at once (an import), all or nothing.

        Keeps `new.id` when it is free (so export + import undoes a delete),
        otherwise gives a new one. The messages are chained in order. Raises
        `ValueError` when a value cannot be stored (text with a lone surrogate, a
        number beyond SQLite's range); nothing is added then.
        """
        try:
            conversation_id = self._insert(new)
        except (UnicodeEncodeError, OverflowError) as error:  # rolled back by _write
            raise ValueError(f"The conversation cannot be stored: {error}.") from error
        found = self.get_conversation(conversation_id)
        assert found is not None
        return found

    def _insert(self, new: NewConversation) -> str:
        with self._write() as db:
            taken = (
                not new.id
                or db.execute("SELECT 1 FROM conversations WHERE id = ?", (new.id,)).fetchone()
            )
            conversation_id = str(uuid.uuid4()) if taken else str(new.id)
            db.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?,?,?,?)",
                (conversation_id, new.title, new.created_at, new.updated_at),
            )
            parent: int | None = None
            for message in new.messages:
                parent = _insert_message(db, conversation_id, message, parent, new.created_at)
        return conversation_id

    # --- messages ---------------------------------------------------------------------

    def add_message(
        self, conversation_id: str, draft: MessageDraft, *, parent_id: int | None = None
    ) -> Message:
        stamp = now_iso()
        with self._write() as db:
            message_id = _insert_message(db, conversation_id, draft, parent_id, stamp)
            db.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (stamp, conversation_id)
            )
        message = self.get_message(message_id)
        assert message is not None
        return message

    def start_conversation(self, title: str, draft: MessageDraft) -> tuple[Conversation, Message]:
        """A new conversation and its first message, in one transaction: a write that
        fails (a full disk) leaves neither, never a conversation without messages."""
        stamp = now_iso()
        conversation = Conversation(str(uuid.uuid4()), title, stamp, stamp)
        with self._write() as db:
            db.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?,?,?,?)",
                (conversation.id, title, stamp, stamp),
            )
            message_id = _insert_message(db, conversation.id, draft, None, stamp)
        message = self.get_message(message_id)
        assert message is not None
        return conversation, message

    def update_message(
        self, message_id: int, update: MessageUpdate, *, reasoning_added: str = ""
    ) -> bool:
        """Set what `update` sets (its None fields leave a field as it is; a
        reasoning replaces the one saved), then add `reasoning_added` to the end of
        the reasoning (what came since the last save of an answer streaming). False
        when the row is gone (its conversation deleted elsewhere): nothing written."""
        columns: dict[str, Any] = {"updated_at": now_iso(), **_columns(update)}
        rest = ""
        if update.reasoning is not None:
            columns["reasoning"], rest = _head(update.reasoning)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        with self._write() as db:
            updated = db.execute(
                f"UPDATE messages SET {assignments} WHERE id = ?", (*columns.values(), message_id)
            )
            if updated.rowcount == 0:
                # Nothing to add to: a part of no message is refused (its foreign key).
                return False
            if update.reasoning is not None:
                db.execute("DELETE FROM reasoning_parts WHERE message_id = ?", (message_id,))
                _insert_parts(db, message_id, rest)
            if reasoning_added:
                _append_reasoning(db, message_id, reasoning_added)
            db.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = "
                "(SELECT conversation_id FROM messages WHERE id = ?)",
                (columns["updated_at"], message_id),
            )
        return True

    def get_message(self, message_id: int, *, reasoning: bool = True) -> Message | None:
        """The message; without its reasoning (None) when not `reasoning`: a caller
        that has just written it need not hold a second copy (200 MB of it)."""
        columns = "*" if reasoning else self._columns_but_reasoning()
        row = self._row(f"SELECT {columns} FROM messages WHERE id = ?", (message_id,))
        return self._attached([_message(row)])[0] if row else None

    def _whole_reasoning(self, messages: list[Message]) -> list[Message]:
        """`messages` with the parts of their reasoning past the head (only a head
        filled to `REASONING_HEAD` may have any: no query for a usual one)."""
        ids = [m.id for m in messages if m.reasoning and len(m.reasoning) >= REASONING_HEAD]
        if not ids or not self._parts:
            return messages
        parts: dict[int, list[str]] = {}
        sql = "SELECT message_id, text FROM reasoning_parts WHERE message_id IN ({}) "
        for row in self._rows_of(ids, sql + "ORDER BY message_id, id"):
            parts.setdefault(row["message_id"], []).append(row["text"])
        return [
            replace(m, reasoning="".join([m.reasoning or "", *parts[m.id]])) if m.id in parts else m
            for m in messages
        ]

    def _columns_but_reasoning(self) -> str:
        names = [row[1] for row in self._rows("PRAGMA table_info(messages)")]
        return ", ".join("NULL AS reasoning" if name == "reasoning" else name for name in names)

    def messages(self, conversation_id: str) -> list[Message]:
        """The branch on screen: the chain from the root to the newest message."""
        newest = self._row(
            "SELECT max(id) FROM messages WHERE conversation_id = ?", (conversation_id,)
        )
        if newest is None or newest[0] is None:
            return []
        if self._is_flat(conversation_id):
            return self._all_messages(conversation_id)
        return self._chain_to(newest[0])

    def siblings(self, message_id: int) -> list[Message]:
        """The alternatives to a message (edits, regenerations), oldest first, itself
        included: same conversation, same parent, same role."""
        message = self.get_message(message_id)
        if message is None:
            return []
        if message.parent_id is None and self._is_flat(message.conversation_id):
            return [message]
        rows = self._rows(
            "SELECT * FROM messages WHERE conversation_id = ? AND parent_id IS ? AND role = ? "
            "ORDER BY id",
            (message.conversation_id, message.parent_id, message.role),
        )
        return self._attached([_message(row) for row in rows])

    def branch_through(self, message_id: int) -> list[Message]:
        """The whole branch that shows `message_id`: its ancestors, itself, then the
        newest child at each step down to a leaf."""
        message = self.get_message(message_id)
        if message is None:
            return []
        if self._is_flat(message.conversation_id):
            return self._all_messages(message.conversation_id)
        down = self._rows(
            f"""
            WITH RECURSIVE down (id, depth) AS (
                SELECT (SELECT max(c.id) FROM messages c WHERE c.parent_id = ?), 1
                UNION ALL
                SELECT (SELECT max(c.id) FROM messages c WHERE c.parent_id = down.id),
                       down.depth + 1
                FROM down WHERE down.id IS NOT NULL AND down.depth < {_MAX_DEPTH}
            )
            SELECT m.* FROM down JOIN messages m ON m.id = down.id ORDER BY down.depth
            """,
            (message_id,),
        )
        return self._chain_to(message_id) + self._attached([_message(row) for row in down])

    def _chain_to(self, message_id: int) -> list[Message]:
        """Root → `message_id`, following parent links."""
        rows = self._rows(
            f"""
            WITH RECURSIVE up (id, depth) AS (
                SELECT ?, 0
                UNION ALL
                SELECT m.parent_id, up.depth + 1 FROM messages m JOIN up ON m.id = up.id
                WHERE m.parent_id IS NOT NULL AND up.depth < {_MAX_DEPTH}
            )
            SELECT m.* FROM up JOIN messages m ON m.id = up.id ORDER BY up.depth DESC
            """,
            (message_id,),
        )
        return self._attached([_message(row) for row in rows])

    def _attached(self, messages: list[Message]) -> list[Message]:
        """`messages` with their attachments (only questions carry any), and their
        reasoning whole (`_whole_reasoning`)."""
        messages = self._whole_reasoning(messages)
        ids = [m.id for m in messages if m.role == "user"]
        if not ids:
            return messages
        found: dict[int, list[Attachment]] = {}
        sql = "SELECT message_id, name, size, sha256, text FROM attachments WHERE message_id IN"
        for row in self._rows_of(ids, sql + " ({}) ORDER BY id"):
            found.setdefault(row["message_id"], []).append(
                Attachment(row["name"], row["size"], row["sha256"], row["text"])
            )
        if not found:
            return messages
        return [
            replace(m, attachments=tuple(found[m.id])) if m.id in found else m for m in messages
        ]

    def _is_flat(self, conversation_id: str) -> bool:
        """Messages saved without parent links (an old or hand-made history) form one
        straight line in the order they were written."""
        row = self._row(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ? "
            "AND parent_id IS NOT NULL)",
            (conversation_id,),
        )
        return not (row and row[0])

    def _all_messages(self, conversation_id: str) -> list[Message]:
        rows = self._rows(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        )
        return self._attached([_message(row) for row in rows])

    # --- search -------------------------------------------------------------------------

    def search(
        self, query: str, *, limit: int = 50, include_reasoning: bool = False
    ) -> list[SearchHit]:
        """Messages containing every word of `query`, best match first, then newest.
        The text is taken literally, never as search syntax.

        Search as you type: the last word also matches longer words, but messages
        with the word exactly as typed come first, and the longer words are only
        looked up when those do not fill `limit` (expanding a prefix such as "the"
        is the slowest thing FTS5 does on a big history).

        Best match: bm25 over the words that are in at most `RARE_ROWS` messages;
        more common words, and a word still being typed, only filter (a query of
        such words alone lists the newest matches). When more than `RANK_WINDOW`
        messages match, the newest of them are ranked. Both keep the time a search
        takes from growing with the history.
        """
        exact = _phrases(query, prefix=False)
        if not exact or limit <= 0:
            return []
        rows = self._ranked(exact, include_reasoning, limit)
        if len(rows) < limit and _prefix_search(query):
            prefixed = _phrases(query, prefix=True)
            seen = {row["id"] for row in rows}
            more = self._ranked(prefixed, include_reasoning, limit + len(rows))
            rows += [row for row in more if row["id"] not in seen][: limit - len(rows)]
        if len(rows) < limit and _has_cjk(query):
            # The tokenizer sees a run of CJK characters as one word, so a word in
            # the middle of a sentence is not found above: scan for the substring.
            seen = {row["id"] for row in rows}
            more = self._substring(query, limit + len(rows), include_reasoning)
            rows += [row for row in more if row["id"] not in seen][: limit - len(rows)]
        # Snippets are cut here rather than by FTS5's snippet(): that would run
        # the match again per row, which for a prefix costs a millisecond each.
        pattern = _highlight_pattern(query)
        hits = []
        for row in rows:
            texts = [row["content"]]
            if include_reasoning and row["reasoning"]:
                texts.append(row["reasoning"])
            hits.append(
                SearchHit(
                    conversation_id=row["conversation_id"],
                    message_id=row["id"],
                    title=row["title"],
                    role=row["role"],
                    snippet=snippet(texts, pattern),
                    updated_at=row["updated_at"],
                )
            )
        return hits

    def _substring(self, query: str, limit: int, include_reasoning: bool) -> list[sqlite3.Row]:
        """Newest messages containing every word of `query` as a substring (for CJK,
        which has no spaces between words). Words of three characters or more are
        looked up in the trigram index; a shorter CJK word as every indexed trigram
        it starts, when there are few (a word with many is common: the newest
        messages have it, and a scan from the newest finds them at once)."""
        words = query.replace("\0", " ").split()
        if not self.cjk_index:
            return self._scan(words, limit, include_reasoning)
        phrases: list[str] = []
        scanned: list[str] = []
        for word in words:
            if len(word) >= 3:
                phrases.append(_quoted(word))
                continue
            terms = self._cjk_terms(word) if _has_cjk(word) else None
            if terms is None:
                scanned.append(word)
            elif not terms:
                return []  # no message with CJK text has it, and only those can match
            else:
                phrases.append("(" + " OR ".join(_quoted(term) for term in terms) + ")")
        if not phrases:
            return self._scan(words, limit, include_reasoning)
        expression = " AND ".join(phrases)
        if not include_reasoning:
            expression = f"content : ({expression})"
        like, parameters = _like_conditions(scanned, include_reasoning)
        return self._rows(
            f"""
            SELECT m.id, m.conversation_id, m.role, m.updated_at, m.content, m.reasoning,
                   c.title
            FROM messages_cjk f
            CROSS JOIN messages m ON m.id = f.rowid
            CROSS JOIN conversations c ON c.id = m.conversation_id
            WHERE messages_cjk MATCH ? AND c.archived = 0 {like}
            ORDER BY f.rowid DESC LIMIT ?
            """,
            (expression, *parameters, limit),
        )

    def _cjk_terms(self, word: str) -> list[str] | None:
        """The trigrams of the CJK index that start with `word` (one or two
        characters), or None when there are more than `CJK_TERMS`."""
        start = _fold(word)
        rows = self._rows(
            "SELECT term FROM messages_cjk_terms WHERE term >= ? AND term < ? LIMIT ?",
            (start, start + "\U0010ffff", CJK_TERMS + 1),
        )
        return [row[0] for row in rows] if len(rows) <= CJK_TERMS else None

    def _scan(self, words: list[str], limit: int, include_reasoning: bool) -> list[sqlite3.Row]:
        """Newest messages containing every word as a substring, by reading them
        newest first (so a common word stops the scan early; CROSS JOIN keeps that
        order: left to itself the planner reads every unarchived conversation's
        messages and sorts them, 0.6 s at 100,000 messages)."""
        like, parameters = _like_conditions(words, include_reasoning)
        return self._rows(
            f"""
            SELECT m.id, m.conversation_id, m.role, m.updated_at, m.content, m.reasoning,
                   c.title
            FROM messages m CROSS JOIN conversations c ON c.id = m.conversation_id
            WHERE c.archived = 0 {like}
            ORDER BY m.id DESC LIMIT ?
            """,
            (*parameters, limit),
        )

    def _ranked(self, phrases: list[str], include_reasoning: bool, limit: int) -> list[sqlite3.Row]:
        """The best `limit` matches of all `phrases` (see `search`)."""
        expression = _expression(phrases, include_reasoning)
        rare = [
            phrase
            for phrase in phrases
            if not phrase.endswith("*") and self._rare(_expression([phrase], include_reasoning))
        ]
        if not rare:
            rows = self._rows(
                "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? "
                "ORDER BY rowid DESC LIMIT ?",
                (expression, limit),
            )
            return self._found([row[0] for row in rows])
        if len(rare) == len(phrases):
            rows = self._rows(
                """
                SELECT id FROM (
                    SELECT rowid AS id, bm25(messages_fts, 1.0, 0.5) AS score
                    FROM messages_fts WHERE messages_fts MATCH ?
                    ORDER BY rowid DESC LIMIT ?
                ) ORDER BY score, id DESC LIMIT ?
                """,
                (expression, RANK_WINDOW, limit),
            )
            return self._found([row[0] for row in rows])
        # The newest RANK_WINDOW matches, weighed by the rare words only: every
        # match has them, so each match in the window gets a score. (`+id`: as a
        # constraint on the FTS table, IN would run the match, and bm25's count of
        # every message with the word, once per id.)
        rows = self._rows(
            """
            WITH window AS (
                SELECT rowid AS id FROM messages_fts WHERE messages_fts MATCH ?
                ORDER BY rowid DESC LIMIT ?
            )
            SELECT id FROM (
                SELECT rowid AS id, bm25(messages_fts, 1.0, 0.5) AS score
                FROM messages_fts
                WHERE messages_fts MATCH ? AND rowid >= (SELECT min(id) FROM window)
            )
            WHERE +id IN window
            ORDER BY score, id DESC LIMIT ?
            """,
            (expression, RANK_WINDOW, _expression(rare, include_reasoning), limit),
        )
        return self._found([row[0] for row in rows])

    def _rare(self, expression: str) -> bool:
        """Whether at most `RARE_ROWS` messages match (reads that many at most)."""
        row = self._row(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? "
            "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (expression, RARE_ROWS),
        )
        return row is None

    def _found(self, ids: list[int]) -> list[sqlite3.Row]:
        """The rows a search shows for these messages, in this order; messages of
        archived conversations left out. (CROSS JOIN: with the ids as parameters the
        planner would rather read every unarchived conversation's messages, 4 s at a
        million, than look 50 messages up.)"""
        found: dict[int, sqlite3.Row] = {}
        for start in range(0, len(ids), 500):  # SQLite limits a statement's parameters
            chunk = ids[start : start + 500]
            for row in self._rows(
                f"""
                SELECT m.id, m.conversation_id, m.role, m.updated_at, m.content,
                       m.reasoning, c.title
                FROM messages m CROSS JOIN conversations c ON c.id = m.conversation_id
                WHERE m.id IN ({",".join("?" * len(chunk))}) AND c.archived = 0
                """,
                chunk,
            ):
                found[row["id"]] = row
        return [found[rowid] for rowid in ids if rowid in found]


def _has_cjk(text: str) -> bool:
    """Chinese, Japanese or Korean characters, which have no spaces between words."""
    return any(
        "\u3040" <= char <= "\u30ff"  # kana
        or "\u3400" <= char <= "\u9fff"  # CJK ideographs
        or "\uac00" <= char <= "\ud7af"  # hangul
        or "\uf900" <= char <= "\ufaff"
        for char in text
    )


def _like_conditions(words: Sequence[str], include_reasoning: bool) -> tuple[str, list[str]]:
    """`AND column LIKE ?` for each word (a substring, wildcards taken literally)."""
    column = "(m.content || ' ' || coalesce(m.reasoning, ''))" if include_reasoning else "m.content"
    conditions = "".join(f" AND {column} LIKE ? ESCAPE '\\'" for _ in words)
    return conditions, [f"%{_like_escape(word)}%" for word in words]


def _quoted(text: str) -> str:
    """`text` as one FTS5 string: never syntax."""
    return '"' + text.replace('"', '""') + '"'


def _fold(text: str) -> str:
    """Lower case as the trigram tokenizer folds it (character by character)."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


@functools.cache
def _trigram_supported() -> bool:
    """Whether this SQLite has FTS5's trigram tokenizer (3.34 and later)."""
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as db:
            db.execute("CREATE VIRTUAL TABLE probe USING fts5 (text, tokenize = 'trigram')")
    except sqlite3.Error:
        return False
    return True


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def match_expression(
    query: str, *, include_reasoning: bool = False, prefix: bool = True
) -> str | None:
    """An FTS5 query for text as a user typed it, or None when nothing is searchable.

    Each word becomes a quoted phrase, so quotes, `-`, `*`, `OR`, `NEAR` or
    parentheses are plain text and can never be a syntax error. The last word
    matches as a prefix unless the text ends in a space (the word is complete).
    """
    phrases = _phrases(query, prefix=prefix)
    return _expression(phrases, include_reasoning) if phrases else None


def _phrases(query: str, *, prefix: bool) -> list[str]:
    """The words of `query` as FTS5 phrases (see `match_expression`)."""
    # A NUL would end the query string inside FTS5 ("unterminated string").
    words = [w for w in query.replace("\0", " ").split() if any(c.isalnum() for c in w)]
    phrases = [_quoted(word) for word in words]
    if phrases and prefix and _prefix_search(query):
        phrases[-1] += " *"
    return phrases


def _expression(phrases: list[str], include_reasoning: bool) -> str:
    expression = " ".join(phrases)
    return expression if include_reasoning else f"content : ({expression})"


def _prefix_search(query: str) -> bool:
    # One letter would expand to thousands of words: only from two on.
    words = query.split()
    return bool(words) and not query[-1].isspace() and sum(c.isalnum() for c in words[-1]) >= 2


def _highlight_pattern(query: str) -> re.Pattern[str] | None:
    terms = _TERM.findall(query)
    if not terms:
        return None
    last = len(terms) - 1
    prefix = _prefix_search(query)
    alternatives = [
        # CJK words sit inside runs of characters with no boundary to look for.
        re.escape(term)
        if _has_cjk(term)
        else r"(?<![^\W_])" + re.escape(term) + ("" if prefix and index == last else r"(?![^\W_])")
        for index, term in enumerate(terms)
    ]
    return re.compile("|".join(alternatives), re.IGNORECASE)


def snippet(texts: Sequence[str], pattern: re.Pattern[str] | None, width: int = 160) -> str:
    """About `width` characters of the first text with a match, around the match
    (the start of the first text when none is found), on one line."""
    for text in texts:
        found = pattern.search(text) if pattern else None
        if found:
            break
    else:
        text, found = texts[0], None
    start = 0
    if found and found.start() > width // 3:
        start = found.start() - width // 3
        space = text.find(" ", start, found.start())
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start + width // 2, end)
        end = space if space != -1 else end
    piece = " ".join(text[start:end].split())
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")


def _insert_message(
    db: sqlite3.Connection,
    conversation_id: str,
    draft: MessageDraft,
    parent_id: int | None,
    stamp: str,
) -> int:
    """Insert a message and its attachments; returns its id. Its time is its own
    (`draft.created_at`, an import's) or `stamp`."""
    created = draft.created_at or stamp
    columns = {
        "conversation_id": conversation_id,
        "parent_id": parent_id,
        **_columns(draft, keep_none=True),
        "created_at": created,
        "updated_at": created,
    }
    rest = ""
    if draft.reasoning is not None:
        columns["reasoning"], rest = _head(draft.reasoning)
    cursor = db.execute(
        f"INSERT INTO messages ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})",
        tuple(columns.values()),
    )
    message_id = int(cursor.lastrowid or 0)
    _insert_parts(db, message_id, rest)
    _insert_attachments(db, message_id, draft.attachments)
    return message_id


def _head(reasoning: str) -> tuple[str, str]:
    """A reasoning as it is kept: the column's head, and the rest for its parts."""
    if len(reasoning) <= REASONING_HEAD:
        return reasoning, ""
    return reasoning[:REASONING_HEAD], reasoning[REASONING_HEAD:]


def _insert_parts(db: sqlite3.Connection, message_id: int, text: str) -> None:
    for start in range(0, len(text), PART_CHARS):
        db.execute(
            "INSERT INTO reasoning_parts (message_id, text) VALUES (?, ?)",
            (message_id, text[start : start + PART_CHARS]),
        )


def _append_reasoning(db: sqlite3.Connection, message_id: int, added: str) -> None:
    """Add `added` to the end of a message's reasoning: into the column while its head
    has room (a row written before migration 9 may hold more: it has none), the rest
    as parts. Nothing saved is read or written again but a head still filling."""
    row = db.execute(
        "SELECT EXISTS (SELECT 1 FROM reasoning_parts WHERE message_id = ?)", (message_id,)
    ).fetchone()
    if not row[0]:
        length = db.execute(
            "SELECT coalesce(length(reasoning), 0) FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        room = max(REASONING_HEAD - (length[0] if length else 0), 0)
        if room:
            db.execute(
                "UPDATE messages SET reasoning = coalesce(reasoning, '') || ? WHERE id = ?",
                (added[:room], message_id),
            )
            added = added[room:]
    _insert_parts(db, message_id, added)


# The fields of a message not kept in a `messages` column of their name.
_NOT_COLUMNS = frozenset({"usage", "attachments", "created_at", "reasoning_cut"})


def _columns(values: MessageFields | MessageUpdate, *, keep_none: bool = False) -> dict[str, Any]:
    """The `messages` columns of a message's fields: each field its column, usage
    its six; None fields are left out unless `keep_none` (an insert writes NULL)."""
    columns: dict[str, Any] = {}
    for field in fields(values):
        value = getattr(values, field.name)
        if field.name in _NOT_COLUMNS or (value is None and not keep_none):
            continue
        if field.name == "tool_calls":
            value = tool_calls_json(value) if value else None
        elif isinstance(value, ToolRun):
            value = value.to_json()
        columns[field.name] = int(value) if isinstance(value, bool) else value
    if (usage := getattr(values, "usage", None)) is not None or keep_none:
        columns.update(_usage_columns(usage))
    return columns


def _insert_attachments(
    db: sqlite3.Connection, message_id: int, attachments: Sequence[Attachment]
) -> None:
    db.executemany(
        "INSERT INTO attachments (message_id, name, size, sha256, text) VALUES (?,?,?,?,?)",
        [(message_id, a.name, a.size, a.sha256, a.text) for a in attachments],
    )


def _writable(path: Path) -> bool:
    """Whether the file and its folder (WAL keeps files beside it) can be written."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _create_private(path: Path) -> None:
    """Create the file owner-only (0600) before SQLite does with 0644; SQLite gives its
    -wal and -shm files the same mode. An existing file is left as it is — and is not
    opened: closing any descriptor of a file drops every POSIX lock this process holds
    on it, SQLite's too. Another process then finds the file unlocked, takes itself
    for the last connection and checkpoints and deletes the WAL under this one, whose
    later commits go to the deleted file (lost at a kill -9)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    with suppress(FileExistsError):
        os.close(os.open(path, flags, 0o600))


def _read_only_uri(path: Path) -> str:
    """A URI that opens the file for reading only. Without a -wal file (the last
    writer closed cleanly) everything is in the file itself and SQLite may not create
    its -shm in a read-only folder: then `immutable`, which needs no companion files."""
    uri = "file:" + quote(str(path.absolute())) + "?mode=ro"
    if not path.with_name(path.name + "-wal").exists():
        uri += "&immutable=1"
    return uri


def move_aside_command(path: Path) -> str:
    """The shell command that moves a damaged database (and its journal) aside."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    target = path.with_name(f"{path.name}.broken-{stamp}")
    commands = [f"mv {shlex.quote(str(path))} {shlex.quote(str(target))}"]
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            moved = target.with_name(target.name + suffix)
            commands.append(f"mv {shlex.quote(str(companion))} {shlex.quote(str(moved))}")
    return " && ".join(commands)


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (trigger bodies hold `;` too)."""
    statements: list[str] = []
    current = ""
    for part in script.split(";"):
        current += part + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    return statements


def _like_prefix(prefix: str) -> str:
    return _like_escape(prefix) + "%"


def _usage_columns(usage: Usage | None) -> dict[str, int | None]:
    if usage is None:
        return dict.fromkeys(
            (
                "prompt_tokens",
                "completion_tokens",
                "total_tokens",
                "reasoning_tokens",
                "cache_hit_tokens",
                "cache_miss_tokens",
            )
        )
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cache_hit_tokens": usage.prompt_cache_hit_tokens,
        "cache_miss_tokens": usage.prompt_cache_miss_tokens,
    }


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        pinned=bool(row["pinned"]),
        archived=bool(row["archived"]),
    )


def _preset(parameters: str | None) -> str | None:
    """The preset named in a conversation's saved parameters; None for none or junk."""
    try:
        value = json.loads(parameters) if parameters else None
    except ValueError:
        return None
    preset = value.get("preset") if isinstance(value, dict) else None
    return preset if isinstance(preset, str) and preset else None


def _message(raw: sqlite3.Row) -> Message:
    """A row as a `Message` (without its attachments: `Store._attached`)."""
    # A Row looks a name up column by column; a dict of it is half the cost of
    # reading a long conversation (2,000 messages: 40 → 22 ms).
    row = dict(zip(raw.keys(), raw, strict=True))
    read = {
        "thinking": None if row["thinking"] is None else bool(row["thinking"]),
        "finish_reason": _finish_reason(row["finish_reason"]),
        "usage": _usage(row),
        # A read-only file from before step 8 has no such columns: none.
        "tool_calls": tool_calls_from_json(row.get("tool_calls")),
        "tool_call_id": row.get("tool_call_id"),
        "tool": ToolRun.from_json(row.get("tool")),
    }
    return Message(**{name: read[name] if name in read else row[name] for name in _MESSAGE_COLUMNS})


def _usage(row: dict[str, Any]) -> Usage | None:
    if row["prompt_tokens"] is None and row["completion_tokens"] is None:
        return None
    prompt = row["prompt_tokens"] or 0
    completion = row["completion_tokens"] or 0
    total = row["total_tokens"]
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion if total is None else total,
        reasoning_tokens=row["reasoning_tokens"] or 0,
        prompt_cache_hit_tokens=row["cache_hit_tokens"] or 0,
        prompt_cache_miss_tokens=row["cache_miss_tokens"] or 0,
    )


# A message's fields read from its row (its attachments come from their own table).
_MESSAGE_COLUMNS = tuple(
    f.name for f in fields(Message) if f.name not in ("attachments", "reasoning_cut")
)


def _finish_reason(value: str | None) -> FinishReason | str | None:
    return None if value is None else FinishReason.parse(value)
