"""The sidebar's queries on a big history: prints p50 per query (target well under 0.2 s).

Builds a throwaway `conversations.db` with 10,000 conversations of ~10 messages
(through the real schema and its triggers), then times what the sidebar asks for
when it opens and scrolls: the first page of 100, the count, a deep page.

    python benchmarks/sidebar.py
    python benchmarks/sidebar.py --conversations 50000
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from deepseek_tui.store import Store

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "python",
    "rust",
    "sqlite",
    "textual",
    "stream",
    "token",
    "model",
    "answer",
]


def build(path: Path, conversations: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    Store.open(path).close()  # the real schema, FTS table and triggers
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    next_id = 1
    for index in range(conversations):
        conversation = str(uuid.uuid4())
        stamp = f"2026-{1 + index // 2800 % 12:02d}-{1 + index // 100 % 28:02d}T" + (
            f"{index % 24:02d}:{index % 60:02d}:00.000Z"
        )
        db.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at, pinned) "
            "VALUES (?,?,?,?,?)",
            (conversation, " ".join(rng.choices(WORDS, k=5)), stamp, stamp, int(index % 500 == 0)),
        )
        parent = None
        for turn in range(rng.randint(6, 14)):
            role = "user" if turn % 2 == 0 else "assistant"
            db.execute(
                """INSERT INTO messages (id, conversation_id, parent_id, role, content, model,
                       finish_reason, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)""",
                (
                    next_id,
                    conversation,
                    parent,
                    role,
                    " ".join(rng.choices(WORDS, k=rng.randint(10, 80))),
                    rng.choice(["deepseek-chat", "deepseek-reasoner"])
                    if role == "assistant"
                    else None,
                    "stop" if role == "assistant" else None,
                    stamp,
                    stamp,
                ),
            )
            parent = next_id
            next_id += 1
    db.execute("COMMIT")
    db.close()


def timed(runs: int, action: Callable[[], object]) -> float:
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "conversations.db"
        if not path.exists():
            started = time.perf_counter()
            build(path, args.conversations)
            print(
                f"built {args.conversations:,} conversations "
                f"in {time.perf_counter() - started:.1f} s"
            )
        started = time.perf_counter()
        store = Store.open(path)
        opened = (time.perf_counter() - started) * 1000
        messages = store._db.execute("SELECT count(*) FROM messages").fetchone()[0]
        print(f"{store.count_conversations():,} conversations, {messages:,} messages")
        print(f"{'query':<34} {'p50 ms':>8}")
        print(f"{'open the store (cold)':<34} {opened:>8.1f}")
        last = store.list_conversations(1)[0].conversation.id
        for name, action in [
            ("first page of 100", lambda: store.list_conversations(100, 0)),
            ("count_conversations", store.count_conversations),
            ("page at offset 5,000", lambda: store.list_conversations(100, 5_000)),
            ("last page", lambda: store.list_conversations(100, args.conversations - 100)),
            ("open the newest conversation", lambda: store.messages(last)),
        ]:
            print(f"{name:<34} {timed(args.runs, action):>8.1f}")
        # Cold: a fresh process opening the sidebar pays for the first read too.
        store.close()
        started = time.perf_counter()
        store = Store.open(path)
        store.list_conversations(100, 0)
        cold = (time.perf_counter() - started) * 1000
        print(f"{'open + first page (new connection)':<34} {cold:>8.1f}")
        store.close()


if __name__ == "__main__":
    main()
