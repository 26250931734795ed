"""Full-text search over a big history: prints p50/p95 per query (target p95 ≤ 50 ms).

Builds a `conversations.db` through the real schema and its triggers (English-like
text with Zipf-distributed words, and a share of Chinese conversations, which have
no spaces between words), then times `Store.search` for typical queries of every
kind: common, rare, prefix as you type, syntax, reasoning, CJK inside a sentence,
CJK words of one or two characters, no match.

The built file is cached under /tmp, keyed by its parameters and the schema
version, so a rerun starts timing at once (1,000,000 messages take a few minutes
to build, ~2 GB):

    python benchmarks/search.py                       # 100,000 messages
    python benchmarks/search.py --messages 1000000
    python benchmarks/search.py --keep /tmp/big.db    # build (or reuse) this file
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from deepseek_tui.store import SCHEMA_VERSION, Store

# Bump when `build` makes different data: cached files of the old kind are not reused.
GENERATOR = 2
CACHE = Path(tempfile.gettempdir()) / "deepseek-tui-bench"

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
# Chinese characters for the generated Chinese text: 2,500 of the CJK block, the
# first ones the most frequent (none of 排序算法, the no-match query, is among them).
HAN = [chr(0x4E00 + index) for index in range(2_500)]


def vocabulary(rng: random.Random, size: int = 30_000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set(COMMON)
    while len(words) < size:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 10))))
    ordered = list(COMMON) + sorted(words - set(COMMON))
    return ordered


def chinese_vocabulary(rng: random.Random, size: int = 8_000) -> list[str]:
    """Words of one to four characters (mostly two), frequent characters more often."""
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(HAN))))
    words: dict[str, None] = {}
    while len(words) < size:
        length = rng.choices((1, 2, 3, 4), weights=(2, 6, 2, 1))[0]
        words["".join(rng.choices(HAN, cum_weights=weights, k=length))] = None
    return list(words)


def zipf_stream(rng: random.Random, words: list[str], length: int) -> list[str]:
    """`length` words, word k about 1/k as frequent as the first. A message is a slice
    of this at a random place: as Zipf-like as drawing each word, much faster."""
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))
    return rng.choices(words, cum_weights=cumulative, k=length)


def build(path: Path, messages: int, chinese: float = 0.1, seed: int = 7) -> None:
    """`messages` messages in conversations of ten; a `chinese` share of the
    conversations is in Chinese (questions, answers, reasoning)."""
    rng = random.Random(seed)
    english = zipf_stream(rng, vocabulary(random.Random(seed)), 4_000_000)
    han = zipf_stream(rng, chinese_vocabulary(random.Random(seed)), 2_000_000)

    def text(count: int, in_chinese: bool) -> str:
        stream = han if in_chinese else english
        start = rng.randrange(len(stream) - count)
        words = stream[start : start + count]
        if not in_chinese:
            return " ".join(words)
        # Clauses of a few words, no spaces: "词词词，词词。"
        clauses = ["".join(words[i : i + 6]) for i in range(0, len(words), 6)]
        return "，".join(clauses) + "。"

    Store.open(path).close()  # the real schema, FTS tables and triggers
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")  # a throwaway file: no need to survive a crash
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -500000")
    db.execute("BEGIN")
    # `messages_fts` is built once at the end ('rebuild' reads `messages`: the same
    # index the trigger would make, in a third of the time); every other trigger,
    # the CJK index's among them, runs as it does in the app.
    (fts_insert,) = db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'messages_fts_insert'"
    ).fetchone()
    db.execute("DROP TRIGGER messages_fts_insert")
    made = 0
    next_id = 1
    day = 0
    while made < messages:
        conversation = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        in_chinese = rng.random() < chinese
        stamp = f"2026-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T09:00:00.000Z"
        day += 1
        db.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?,?,?,?)",
            (conversation, text(5, in_chinese), stamp, stamp),
        )
        parent = None
        rows = []
        for turn in range(min(10, messages - made)):
            role = "user" if turn % 2 == 0 else "assistant"
            content = text(
                rng.randint(10, 40) if role == "user" else rng.randint(60, 250), in_chinese
            )
            reasoning = (
                text(rng.randint(40, 200), in_chinese)
                if role == "assistant" and turn % 4 == 1
                else None
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
    db.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    db.execute(fts_insert)
    db.execute("COMMIT")
    for table in ("messages_fts", "messages_cjk"):
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
            db.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
    db.execute("PRAGMA journal_mode = DELETE")
    db.close()


def queries(seed: int = 7) -> list[tuple[str, str, dict[str, bool]]]:
    """(name, text, options) of each kind of query, with words the corpus has."""
    words = vocabulary(random.Random(seed))
    han = chinese_vocabulary(random.Random(seed))
    two = [word for word in han if len(word) == 2]
    four = [word for word in han if len(word) == 4]
    return [
        ("rare word", words[20_000], {}),
        ("common word", "the", {}),
        ("two common words", "python function", {}),
        ("mid-frequency word", words[400], {}),
        ("prefix as you type", "retu", {}),
        ("two-letter prefix", "python re", {}),
        ("punctuation and syntax", 'error -"(return OR* value', {}),
        ("with reasoning", "model example", {"include_reasoning": True}),
        ("no match", "qqqqqqqqqq", {}),
        # Chinese has no spaces: these words are inside longer runs of characters.
        ("Chinese word in a sentence", four[300], {}),
        ("Chinese, two words", f"{two[40]} {four[100]}", {}),
        ("Chinese, two characters", two[20], {}),
        ("Chinese, two rare characters", two[-1], {}),
        ("Chinese, one character", HAN[30], {}),
        ("Chinese, one rare character", HAN[-1], {}),
        ("Chinese, with reasoning", two[60], {"include_reasoning": True}),
        ("Chinese, no match", "排序算法", {}),
        ("Chinese, two characters, no match", "排序", {}),
    ]


def cached_path(messages: int, chinese: float) -> Path:
    return CACHE / f"search-{messages}-zh{chinese:g}-g{GENERATOR}-s{SCHEMA_VERSION}.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--chinese", type=float, default=0.1, help="share of conversations")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database here")
    args = parser.parse_args()

    path = args.keep or cached_path(args.messages, args.chinese)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.unlink(missing_ok=True)
        started = time.perf_counter()
        build(partial, args.messages, args.chinese)
        partial.rename(path)  # only a whole file is ever reused
        print(f"built {args.messages:,} messages in {time.perf_counter() - started:.1f} s")
    size = path.stat().st_size / 1e6
    started = time.perf_counter()
    store = Store.open(path)
    print(f"opened {path} in {time.perf_counter() - started:.2f} s")
    count = store._db.execute("SELECT count(*) FROM messages").fetchone()[0]
    print(f"{count:,} messages, {store.count_conversations():,} conversations, {size:,.0f} MB")
    every: list[float] = []
    print(f"{'query':<34} {'hits':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for name, query, options in queries():
        store.search(query, **options)  # warm the page cache once
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            hits = store.search(query, **options)
            times.append((time.perf_counter() - started) * 1000)
        every += times
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{name:<34} {len(hits):>5} {statistics.median(times):>8.1f} {p95:>8.1f}")
    every.sort()
    p95 = every[min(len(every) - 1, int(len(every) * 0.95))]
    print(f"{'all queries':<34} {'':>5} {statistics.median(every):>8.1f} {p95:>8.1f}")
    store.close()


if __name__ == "__main__":
    main()
