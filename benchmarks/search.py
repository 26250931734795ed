"""Full-text search over a big history: prints p50/p95 per query (target < 50 ms).

Builds a throwaway `conversations.db` in a temp dir (through the real schema and
its triggers), then times `Store.search` for a handful of typical queries:

    python benchmarks/search.py                 # 100,000 messages
    python benchmarks/search.py --messages 1000000 --keep /tmp/big.db
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from deepseek_tui.store import Store

COMMON = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "it",
    "you",
    "that",
    "for",
    "on",
    "with",
    "as",
    "are",
    "this",
    "be",
    "or",
    "can",
    "by",
    "not",
    "function",
    "value",
    "list",
    "file",
    "error",
    "return",
    "data",
    "python",
    "code",
    "use",
    "model",
    "time",
    "example",
]


def vocabulary(rng: random.Random, size: int = 30_000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set(COMMON)
    while len(words) < size:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 10))))
    ordered = list(COMMON) + sorted(words - set(COMMON))
    return ordered


def build(path: Path, messages: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    words = vocabulary(rng)
    # Zipf-like: word k is about 1/k as frequent as the first one.
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    cumulative: list[float] = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)

    def text(count: int) -> str:
        return " ".join(rng.choices(words, cum_weights=cumulative, k=count))

    Store.open(path).close()  # the real schema, FTS table and triggers
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    made = 0
    next_id = 1
    day = 0
    while made < messages:
        conversation = str(uuid.uuid4())
        stamp = f"2026-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T09:00:00.000Z"
        day += 1
        db.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?,?,?,?)",
            (conversation, text(5), stamp, stamp),
        )
        parent = None
        rows = []
        for turn in range(min(10, messages - made)):
            role = "user" if turn % 2 == 0 else "assistant"
            content = text(rng.randint(10, 40) if role == "user" else rng.randint(60, 250))
            reasoning = (
                text(rng.randint(40, 200)) if role == "assistant" and turn % 4 == 1 else None
            )
            rows.append(
                (
                    next_id,
                    conversation,
                    parent,
                    role,
                    content,
                    reasoning,
                    "deepseek-chat" if role == "assistant" else None,
                    "stop" if role == "assistant" else None,
                    stamp,
                    stamp,
                )
            )
            parent = next_id
            next_id += 1
        db.executemany(
            """INSERT INTO messages (id, conversation_id, parent_id, role, content, reasoning,
                   model, finish_reason, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)""",
            rows,
        )
        made += len(rows)
    db.execute("COMMIT")
    db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')")
    db.close()


QUERIES = [
    ("rare word", 20_000, {}),
    ("common word", "the", {}),
    ("two common words", "python function", {}),
    ("mid-frequency word", 400, {}),  # a number: that word of the vocabulary
    ("prefix as you type", "retu", {}),
    ("two-letter prefix", "python re", {}),
    ("punctuation and syntax", 'error -"(return OR* value', {}),
    ("with reasoning", "model example", {"include_reasoning": True}),
    ("no match", "qqqqqqqqqq", {}),
    # CJK has no spaces: words inside a sentence fall back to a substring scan.
    ("Chinese, no match", "排序算法", {}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "conversations.db"
        if not path.exists():
            started = time.perf_counter()
            build(path, args.messages)
            print(f"built {args.messages:,} messages in {time.perf_counter() - started:.1f} s")
        size = path.stat().st_size / 1e6
        store = Store.open(path)
        count = store._db.execute("SELECT count(*) FROM messages").fetchone()[0]
        print(f"{count:,} messages, {store.count_conversations():,} conversations, {size:.0f} MB")
        words = vocabulary(random.Random(7))
        every: list[float] = []
        print(f"{'query':<26} {'hits':>5} {'p50 ms':>8} {'p95 ms':>8}")
        for name, text, options in QUERIES:
            query = words[text] if isinstance(text, int) else text
            store.search(query, **options)  # warm the page cache once
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                hits = store.search(query, **options)
                times.append((time.perf_counter() - started) * 1000)
            every += times
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"{name:<26} {len(hits):>5} {statistics.median(times):>8.1f} {p95:>8.1f}")
        every.sort()
        p95 = every[min(len(every) - 1, int(len(every) * 0.95))]
        print(f"{'all queries':<26} {'':>5} {statistics.median(every):>8.1f} {p95:>8.1f}")
        store.close()


if __name__ == "__main__":
    main()
