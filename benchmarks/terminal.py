"""Benchmark: the installed app in a real pseudo-terminal, measured as the user sees it.

Every row of issues 8 and 16's tables, one command. The app is the `deepseek-tui` script
next to this Python (`sys.executable`), started in a pseudo-terminal of 120×40 with
TERM=xterm-256color; what it draws is read as it arrives and parsed with pyte (a
terminal emulator), so "on screen" means on the screen a user would look at. Replies
come from the emulator (`deepseek_tui.emulator.Emulator`) running inside this process
on 127.0.0.1, with a fake key and a throw-away config dir: no network.

    pip install -e '.[bench]'                      # pyte
    python benchmarks/terminal.py                  # every row, 3 runs each (~20 min here)
    python benchmarks/terminal.py --quick          # a smoke run: 1 run, short windows
    python benchmarks/terminal.py --only keys --runs 5
    python benchmarks/terminal.py --only stress --stress-runs 40
    python benchmarks/terminal.py --json > figures.json

Rows (`--only NAME`, repeatable):

- input    text + Enter in one write (three questions): how many were sent, in order
           (read back from conversations.db).
- keys     keystroke → composer: one printable character every 100 ms, ~30 of them,
           timed from the write to the pty until the composer on the pyte screen
           shows it (p50/p95/max) while a "dense" answer streams at 40 tokens/s, at
           ~2k tokens into the answer and again at ~10k. To keep the run short the
           emulator sends the first ~2k (and, after the first sample, up to ~10k)
           tokens at full speed and 40 tokens/s from there on; the app is sampled
           only once the screen shows it has caught up. `--real-pace` paces every
           token instead (over 4 minutes a run). Before the question: the first
           keystroke after launch, and the same ~30 keystrokes with nothing
           streaming (the floor of harness, pty and Textual).
- stream   2,000 and 20,000 tokens of block-dense Markdown ("dense N": a heading, a
           paragraph with bold and code, a code block, a table and a list every
           ~260 characters) as fast as the emulator sends: Enter → the answer's last
           line (END-OF-ANSWER) on screen and the status bar's "last: … in · … out".
           The 20k runs also count visible screen updates (distinct states of the
           conversation area after each burst of output; bursts end after 10 ms of
           quiet) per second, and the longest time the picture stood still.
- stress   issue 16 §3: N fresh apps (`--stress-runs`, default 20; 3 with --quick),
           one after another, each streaming "dense 20000" as fast as the emulator
           sends. A run reached the end when END-OF-ANSWER is on screen and the status
           bar says "last: … out"; it is stuck when the status bar says finished but
           the last line has not shown 20 s later. A stuck run then gets End, and if
           that does not help ctrl+down (3 s each): whether either brought the end is
           counted apart, and the run still counts as stuck. A stuck run costs ~30 s.
- paint    first paint: launch → "deepseek-chat" on screen, against a bare Textual app
           (a Static label, same Python, same pty) in alternating launches.
- huge     a 10 MB answer, two launches a run. The first takes it in with a keystroke
           every 0.5 s throughout: what the server had sent, the screen showed (the
           last heading visible, as an offset into the answer) and the database held
           after 20 s; Enter → the server sent all, Enter → taken in (the database
           holds the whole answer, finished, and the status bar says "last: … out";
           the database is looked at every 0.5 s), Enter → its last line on screen
           (up to 20 s after it was taken in); keystroke echo p50/p95/max over all
           of it. It gives up after 120 s (30 s with --quick), presses Esc and
           reports "> 120". Then the app's memory (below) beside the text it holds
           (what the database saved). The second launch presses Esc 20 s
           into the answer, or as soon as the server has sent half of it (so a fast
           app is still streaming): Esc → "stopped" in the status bar, what was saved.
- memory   issue 16 §7: memory of a bare Textual app and of the app at launch, then
           the app opened on a 2,000-message conversation (written into the throw-away
           conversations.db with the app's Store before launch: questions and ~1 KB
           Markdown answers) with `--conversation ID`, once its last line is on screen.

Memory is resident set size (VmRSS in /proc/PID/status, summed over the app and any
children; VmHWM for the peak) after 1 s of quiet, in MB of 10^6 bytes; the text held
is counted in characters (the answers are ASCII). The goal is issue 16's: at most three
times the text held plus the bare Textual app of the same run. "memory: bare Textual
app" is measured once per run of the huge and memory rows.

Min / median / max are over runs (`--runs`, default 3). The goal column says whether the
target is met: by the median over runs (a run without a figure, timed out, counts as
beyond the bound), or, for the stress, input and memory rows, by every run (✓ met,
✗ not, · a reference figure without a goal). Each launch gets its own process group,
killed at the end of the run. The read loop blocks in select() and feeds pyte as bytes
arrive; times are taken when the bytes were read, so parsing does not add to them.
The harness's own CPU (pyte and the emulator thread) is reported, because on a 2-core
machine it competes with the app.

Inside this process only, the emulator gets four benchmark hooks: a pacer that lets
the first chunks skip `token_delay` (the keys row), stream chunks built one at a time
for answers over 100,000 tokens, and a cached split of the 10 MB text (millions of
chunk dicts up front would take gigabytes and many seconds before the first byte);
those chunks are encoded as the JSON around their text with the text's JSON string
in it, not by a json.dumps of each dict (the emulator alone took 19 s to send the
10 MB answer to a reader that did nothing, 11 s so; checked against json.dumps).
Esc is a lone ESC byte, so it includes Textual's 100 ms ESCDELAY, as in any terminal.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import dataclasses
import fcntl
import hashlib
import itertools
import json
import math
import os
import platform
import pty
import re
import select
import signal
import sqlite3
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

try:
    import pyte
    import pyte.modes
    from wcwidth import wcwidth
except ImportError:  # pragma: no cover - a message instead of a traceback
    sys.exit("benchmarks/terminal.py needs pyte: pip install -e '.[bench]'")

from deepseek_tui.emulator import Emulator, Faults
from deepseek_tui.emulator import server as emulator_server
from deepseek_tui.emulator.replies import DENSE_MARKER, DENSE_MAX, reply_for

COLS, ROWS = 120, 40
KEY = "sk-bench-" + "0" * 32  # any key: the emulator accepts every key
MODEL = "deepseek-chat"
QUESTIONS = ["echo: first one", "echo: second, with more words in it", "echo: 3rd"]
HUGE_BYTES = 10_000_000
SETTLE = 1.0  # seconds of reading before memory is measured
PART = re.compile(r"Part (\d+):")
BARE_LABEL = "bare textual app ready"
BARE_APP = f"""
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static({BARE_LABEL!r})

Bare().run()
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the terminal -----------------------------------------------------------------------


class TextScreen(pyte.Screen):
    """pyte's screen for reading text only: colours and styles are dropped, and a run of
    single-width characters is drawn in one go (pyte draws a character at a time,
    which made it cost a third of a core while the app streamed)."""

    def __init__(self, columns: int, lines: int) -> None:
        super().__init__(columns, lines)
        self._cells: dict[str, Any] = {}  # character → its Char with default attributes
        self._narrow: dict[str, bool] = {}

    def select_graphic_rendition(self, *attrs: int, private: bool = False) -> None:
        pass  # attributes stay the default, so the cached cells are exact

    def draw(self, data: str) -> None:
        cursor = self.cursor
        x = cursor.x
        if (
            self.charset
            or pyte.modes.IRM in self.mode
            or x + len(data) > self.columns
            or not ((data.isascii() and data.isprintable()) or self._all_narrow(data))
        ):
            super().draw(data)
            return
        line = self.buffer[cursor.y]
        cells = self._cells
        for offset, char in enumerate(data.translate(self.g0_charset)):
            cell = cells.get(char)
            if cell is None:
                cell = cells[char] = self.default_char._replace(data=char)
            line[x + offset] = cell
        cursor.x = x + len(data)
        self.dirty.add(cursor.y)

    def _all_narrow(self, data: str) -> bool:
        narrow = self._narrow
        for char in data:
            known = narrow.get(char)
            if known is None:
                known = narrow[char] = char.isprintable() and wcwidth(char) == 1
            if not known:
                return False
        return True


class Terminal:
    """A program in a pseudo-terminal, its output parsed by pyte as it arrives."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.screen = TextScreen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.bytes = 0
        self.last_read = 0.0  # perf_counter() of the latest read
        self.alive = True
        self._fresh = False  # output fed since the last settle
        self.started = time.perf_counter()
        pid, fd = pty.fork()  # the child is a session (and process group) leader
        if pid == 0:
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd

    # reading

    def read(self, timeout: float, on_settle: Callable[[], None] | None = None) -> bool:
        """Wait up to `timeout` for output and feed it to pyte; True when some came.
        A burst of output ends after 10 ms without more: then `on_settle` runs."""
        if not self.alive:
            time.sleep(timeout)
            return False
        wait = min(timeout, 0.01) if self._fresh else timeout
        ready, _, _ = select.select([self.fd], [], [], max(wait, 0.0))
        if not ready:
            if self._fresh and wait >= 0.01:  # 10 ms of quiet: the burst is over
                self._fresh = False
                if on_settle is not None:
                    on_settle()
            return False
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            data = b""
        if not data:
            self.alive = False
            return False
        self.last_read = time.perf_counter()
        self.bytes += len(data)
        self.stream.feed(data)
        self._fresh = True
        return True

    def wait(
        self,
        condition: Callable[[], Any],
        timeout: float,
        *,
        on_settle: Callable[[], None] | None = None,
        tick: Callable[[], None] | None = None,
    ) -> float | None:
        """Read until `condition()` holds; the time of the read that made it true, or
        None after `timeout`. `tick` runs at least every 20 ms (to send keystrokes)."""
        if condition():
            return time.perf_counter()
        deadline = time.perf_counter() + timeout
        while (left := deadline - time.perf_counter()) > 0:
            got = self.read(min(left, 0.02 if tick else 0.05), on_settle)
            if tick is not None:
                tick()
            if got and condition():
                return self.last_read
            if not self.alive:
                return None
        return None

    def pause(self, seconds: float) -> None:
        """Keep reading (the app must never block on a full pty) for `seconds`."""
        self.wait(lambda: False, seconds)

    def write(self, data: bytes) -> float:
        started = time.perf_counter()
        os.write(self.fd, data)
        return started

    # looking at the screen

    def line(self, y: int) -> str:
        row = self.screen.buffer[y]
        return "".join(row[x].data for x in range(COLS))

    def lines(self, start: int = 0, stop: int = ROWS) -> list[str]:
        return [self.line(y) for y in range(start, stop)]

    def shows(self, text: str) -> bool:
        return any(text in line for line in self.lines())

    def status_row(self) -> int | None:
        # The status bar is the lowest line that starts with the model id (an answer's
        # badge above it starts with it too; the footer below does not).
        for y in range(ROWS - 1, -1, -1):
            if self.line(y).strip().startswith("deepseek-"):
                return y
        return None

    def status(self) -> str:
        y = self.status_row()
        return "" if y is None else self.line(y)

    def finished(self) -> bool:
        """The status bar says the latest answer finished ("last: 12 in · 20,001 out")."""
        return answer_finished(self.status())

    def composer_rows(self) -> tuple[int, int] | None:
        """The rows inside the composer's border (first, stop), found above the status bar."""
        y = self.status_row()
        if y is None:
            return None
        bottom = None
        for row in range(y - 1, max(y - 12, -1), -1):
            text = self.line(row).strip()
            if bottom is None and text.startswith("╰"):
                bottom = row
            elif bottom is not None and text.startswith("╭"):
                return row + 1, bottom
        return None

    def composer(self) -> str:
        rows = self.composer_rows()
        if rows is None:
            return ""
        return "".join(self.line(y).strip().strip("│").strip() for y in range(*rows))

    def conversation_digest(self) -> bytes:
        rows = self.composer_rows()
        stop = rows[0] - 1 if rows else ROWS - 4
        return hashlib.blake2b("\n".join(self.lines(0, stop)).encode(), digest_size=16).digest()

    def last_part(self) -> int:
        """The highest "Part N:" heading on screen (0: none)."""
        found = [int(n) for line in self.lines() for n in PART.findall(line)]
        return max(found, default=0)

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.alive = False


def app_path() -> str:
    path = Path(sys.executable).parent / "deepseek-tui"
    if not path.exists():
        sys.exit(f"{path} not found: install the app in this venv (pip install -e .)")
    return str(path)


def child_env(config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "TEXTUAL"))}
    env.pop("COLORTERM", None)
    env.update(
        TERM="xterm-256color",
        DEEPSEEK_API_KEY=KEY,
        DEEPSEEK_TUI_CONFIG_DIR=str(config),
        LINES=str(ROWS),
        COLUMNS=str(COLS),
    )
    return env


@contextlib.contextmanager
def running_app(emulator: Emulator, config: Path, args: Sequence[str] = ()) -> Iterator[Terminal]:
    """The app in a pty, up and ready for a question; killed (its group) on the way out."""
    argv = [app_path(), "--base-url", emulator.base_url, *args]
    terminal = Terminal(argv, child_env(config))
    try:
        ready = terminal.wait(
            lambda: MODEL in terminal.status() and terminal.composer_rows() is not None, 60
        )
        if ready is None:
            raise RuntimeError("the app never showed its status bar:\n" + screen_dump(terminal))
        yield terminal
    finally:
        terminal.close()


def answer_finished(status: str) -> bool:
    return "last:" in status and " out" in status


def screen_dump(terminal: Terminal) -> str:
    return "\n".join(line.rstrip() for line in terminal.lines())


def ask(terminal: Terminal, question: str) -> float:
    """Type the question (one write), wait until the composer shows it, press Enter.
    Returns the time of the Enter."""
    terminal.write(question.encode())
    if terminal.wait(lambda: terminal.composer() == question, 30) is None:
        raise RuntimeError(f"{question!r} never showed in the composer")
    return terminal.write(b"\r")


# --- the emulator, sped up where the benchmark needs it -----------------------------------


class Pacer:
    """Chunks before `fast_until` skip the emulator's pause (token_delay); the rest keep it."""

    def __init__(self, fast_until: int) -> None:
        self.fast_until = fast_until
        self.sent = 0


_original_wait = emulator_server._Handler._wait


def _paced_wait(handler: Any, seconds: float) -> None:
    pacer = getattr(handler.emulator, "bench_pacer", None)
    if pacer is not None:
        pacer.sent += 1
        if pacer.sent < pacer.fast_until:
            return
    _original_wait(handler, seconds)


class LazyChunks(Sequence[dict[str, Any]]):
    """stream_chunks() for a huge answer, built one chunk at a time as it is sent
    (millions of dicts up front would take gigabytes and seconds)."""

    def __init__(self, first: dict, template: dict, last: list[dict], pieces: Sequence[str]):
        self.first, self.template, self.last, self.pieces = first, template, last, pieces
        self.sent_chars = 0
        self.sent_pieces = 0
        # A chunk's JSON around its text (`encoded`).
        marker = "\x00piece"
        sample = _original_encode(self._chunk(marker))
        self._head, self._tail = sample.split(json.dumps(marker, ensure_ascii=False))
        self._made: tuple[dict[str, Any], str] | None = None  # the last chunk, encoded

    def __len__(self) -> int:
        return 1 + len(self.pieces) + len(self.last)

    def __getitem__(self, index: int) -> dict[str, Any]:  # type: ignore[override]
        if index == 0:
            return self.first
        if index <= len(self.pieces):
            piece = self.pieces[index - 1]
            if index > self.sent_pieces:
                self.sent_pieces = index
                self.sent_chars += len(piece)
            chunk = self._chunk(piece)
            text = json.dumps(piece, ensure_ascii=False)
            self._made = (chunk, f"{self._head}{text}{self._tail}")
            return chunk
        return self.last[index - 1 - len(self.pieces)]

    def _chunk(self, piece: str) -> dict[str, Any]:
        choice = {**self.template["choices"][0], "delta": {"content": piece}}
        return {**self.template, "choices": [choice]}

    def encoded(self, chunk: object) -> str | None:
        """`chunk`'s JSON when it is the chunk just made, else None."""
        made = self._made
        return made[1] if made is not None and made[0] is chunk else None


_original_stream_chunks = emulator_server.stream_chunks
_original_encode = emulator_server.encode
_original_split_tokens = emulator_server.split_tokens
_split_cache: dict[int, tuple[str, list[str]]] = {}
_lazy: list[LazyChunks] = []


def _cached_split_tokens(text: str) -> list[str]:
    if len(text) < 1_000_000:
        return _original_split_tokens(text)
    cached = _split_cache.get(len(text))
    if cached is None or cached[0] != text:  # (10 MB compare in C: fast)
        cached = (text, _original_split_tokens(text))
        _split_cache.clear()
        _split_cache[len(text)] = cached
    return cached[1]


def _lazy_stream_chunks(completion: Any, **options: Any) -> Sequence[dict[str, Any]]:
    content = completion.content
    if completion.thinking or len(content) < 100_000:
        return _original_stream_chunks(completion, **options)
    shape = _original_stream_chunks(dataclasses.replace(completion, content=("x",)), **options)
    last = [dict(chunk) for chunk in shape[2:]]
    for chunk in last:
        if chunk.get("usage"):
            chunk["usage"] = completion.usage()
    lazy = LazyChunks(shape[0], shape[1], last, content)
    _lazy.append(lazy)
    return lazy


def _lazy_encode(obj: Any) -> str:
    for lazy in _lazy[-1:]:
        encoded = lazy.encoded(obj)
        if encoded is not None:
            return encoded
    return _original_encode(obj)


def _check_lazy_chunks() -> None:
    """The lazy chunks are exactly the eager ones (checked on a small answer)."""
    from deepseek_tui.emulator.chunks import Completion

    pieces = tuple(f" piece{i}" for i in range(5))
    completion = Completion("id", 0, MODEL, False, (), pieces, "stop", 3, 0)
    eager = _original_stream_chunks(completion, include_usage=True)
    shape = _original_stream_chunks(
        dataclasses.replace(completion, content=("x",)), include_usage=True
    )
    last = [dict(chunk) for chunk in shape[2:]]
    last[-1]["usage"] = completion.usage()
    assert list(LazyChunks(shape[0], shape[1], last, pieces)) == eager
    lazy = LazyChunks(shape[0], shape[1], last, (*pieces, ' "q" \\ \n é \u2028 \ud83d'))
    for index in range(len(lazy)):
        chunk = lazy[index]
        assert (lazy.encoded(chunk) or _original_encode(chunk)) == _original_encode(chunk)


@contextlib.contextmanager
def benchmark_emulator(faults: Faults | None = None, pacer: Pacer | None = None):
    """An emulator in this process; `pacer` lets the first chunks skip token_delay."""
    emulator_server._Handler._wait = _paced_wait  # type: ignore[method-assign]
    emulator_server.stream_chunks = _lazy_stream_chunks  # type: ignore[assignment]
    emulator_server.split_tokens = _cached_split_tokens  # type: ignore[assignment]
    emulator_server.encode = _lazy_encode  # type: ignore[assignment]
    emulator = Emulator(faults=faults)
    emulator.bench_pacer = pacer  # type: ignore[attr-defined]
    try:
        with emulator:
            yield emulator
    finally:
        emulator_server._Handler._wait = _original_wait  # type: ignore[method-assign]
        emulator_server.stream_chunks = _original_stream_chunks
        emulator_server.split_tokens = _original_split_tokens
        emulator_server.encode = _original_encode


class Answer:
    """A "dense N" answer as the emulator sends it, to map what is on screen to offsets."""

    def __init__(self, size: int) -> None:
        self.question = f"dense {size}"
        self.text = reply_for([{"role": "user", "content": self.question}], thinking=False)[1]
        pieces = _cached_split_tokens(self.text)
        self.tokens = len(pieces)
        self.heading_chars: list[int] = [m.start() for m in PART.finditer(self.text)]
        # The token index at which each heading starts (piece boundaries → bisect).
        ends, position = [], 0
        for piece in pieces:
            position += len(piece)
            ends.append(position)
        self.heading_tokens = [bisect.bisect_right(ends, c) for c in self.heading_chars]

    def chars_at(self, part: int) -> int:
        return self.heading_chars[part - 1] if 0 < part <= len(self.heading_chars) else 0

    def tokens_at(self, part: int) -> int:
        return self.heading_tokens[part - 1] if 0 < part <= len(self.heading_tokens) else 0


def finished_questions(database: Path) -> tuple[list[str], int]:
    """(questions saved, in order; how many answers are finished) from conversations.db."""
    if not database.exists():
        return [], 0
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)
        try:
            rows = db.execute("SELECT role, content, finish_reason FROM messages ORDER BY id")
            rows = rows.fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return [], 0
    questions = [content for role, content, _ in rows if role == "user"]
    done = sum(1 for role, _, reason in rows if role == "assistant" and reason is not None)
    return questions, done


def saved_answer_chars(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=2)
        try:
            row = db.execute(
                "SELECT length(content) FROM messages WHERE role = 'assistant' "
                "ORDER BY id DESC LIMIT 1"
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return -1
    return row[0] if row else 0


def saved_answer(database: Path) -> tuple[int, bool]:
    """(characters of the latest answer in conversations.db, whether it has finished)."""
    if not database.exists():
        return 0, False
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=2)
        try:
            row = db.execute(
                "SELECT length(content), finish_reason FROM messages WHERE role = 'assistant' "
                "ORDER BY id DESC LIMIT 1"
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return -1, False
    return (row[0], row[1] is not None) if row else (0, False)


# --- memory -------------------------------------------------------------------------------


def status_kb(text: str, field: str) -> int:
    """A field of /proc/PID/status ("VmRSS:\t  51888 kB"), in kB; 0 when it is absent."""
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name == field and value.split():
            return int(value.split()[0])
    return 0


def stat_parent(text: str) -> int:
    """The parent pid in /proc/PID/stat ("pid (name) state ppid …"; the name may hold
    spaces and parentheses, so read after the last one)."""
    return int(text.rpartition(")")[2].split()[1])


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (this kernel has no /proc/…/children: /proc is
    scanned for parent pids)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = stat_parent(Path(f"/proc/{entry}/stat").read_text())
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of `pid` and its children in MB (10^6 bytes):
    VmRSS and VmHWM summed over the processes."""
    rss = peak = 0
    for each in process_tree(pid):
        try:
            text = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        rss += status_kb(text, "VmRSS")
        peak += status_kb(text, "VmHWM")
    return rss * 1024 / 1e6, peak * 1024 / 1e6


def memory_goal(text_chars: int, bare_mb: float) -> float:
    """Issue 16 §7: at most three times the text held, plus a bare Textual app."""
    return 3 * text_chars / 1e6 + bare_mb


def bare_memory(folder: Path) -> float:
    """A bare Textual app's resident memory (MB) once it has painted and settled."""
    script = folder / "bare_textual.py"
    script.write_text(BARE_APP)
    terminal = Terminal([sys.executable, str(script)], child_env(folder))
    try:
        if terminal.wait(lambda: terminal.shows(BARE_LABEL), 60) is None:
            return float("nan")
        terminal.pause(SETTLE)
        return memory_mb(terminal.pid)[0]
    finally:
        terminal.close()


# --- keystrokes -------------------------------------------------------------------------


class Typist:
    """Types `count` letters `interval` apart into the composer and times each echo.
    A letter has echoed when the composer shows everything typed up to and including it."""

    LETTERS = "abcdefghijklmnopqrstuvwxyz"

    def __init__(self, terminal: Terminal, count: int, interval: float, prefix: str = "") -> None:
        self.terminal, self.count, self.interval = terminal, count, interval
        self.typed = prefix  # already in the composer
        self.base = len(prefix)
        self.sent: list[float] = []
        self.seen: list[float] = []
        self.next_at = time.perf_counter()

    def tick(self) -> None:
        now = time.perf_counter()
        if len(self.sent) < self.count and now >= self.next_at:
            letter = self.LETTERS[(self.base + len(self.sent)) % len(self.LETTERS)]
            self.sent.append(self.terminal.write(letter.encode()))
            self.typed += letter
            self.next_at += self.interval

    def check(self) -> bool:
        """Record echoes; True once every letter has been sent and seen."""
        shown = self.terminal.composer()
        while len(self.seen) < len(self.sent):
            upto = self.base + len(self.seen) + 1
            if len(shown) >= upto and shown[:upto] == self.typed[:upto]:
                self.seen.append(self.terminal.last_read)
            else:
                break
        return len(self.seen) == self.count

    def run(self, timeout: float) -> None:
        self.next_at = time.perf_counter()
        self.tick()
        self.terminal.wait(self.check, self.count * self.interval + timeout, tick=self.tick)

    def latencies(self, until: float | None = None) -> list[float]:
        """Seconds from each write to its echo; unechoed ones count up to `until` (or now)."""
        end = until if until is not None else time.perf_counter()
        out = [seen - sent for sent, seen in zip(self.sent, self.seen, strict=False)]
        out += [end - sent for sent in self.sent[len(self.seen) :]]
        return out


def ms(seconds: list[float]) -> list[float]:
    return [round(v * 1000, 1) for v in seconds]


class Throttled:
    """A function called at most every `interval` seconds (its last value in between)."""

    def __init__(self, function: Callable[[], Any], interval: float) -> None:
        self.function, self.interval = function, interval
        self.at = -1e9
        self.value: Any = None

    def __call__(self) -> Any:
        if time.perf_counter() - self.at >= self.interval:
            self.at = time.perf_counter()
            self.value = self.function()
        return self.value


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# --- rows -----------------------------------------------------------------------------------


BOUND = re.compile(r"^\s*([≤≥])\s*([0-9][0-9,]*(?:\.[0-9]+)?)")


@dataclasses.dataclass
class Row:
    """One line of the table. Its goal is met when the median over runs is within the
    target's bound ("≤ 0.8", "≥ 4"; a run without a figure, NaN, counts as beyond it),
    or, for a row that judges each run itself (`verdicts`), when every run met it."""

    key: str
    measure: str
    unit: str  # "s", "ms", "count", "/s", "MB", "x"
    target: str
    samples: list[float] = dataclasses.field(default_factory=list)
    note: str = ""
    verdicts: list[bool] = dataclasses.field(default_factory=list)
    shown: str = ""  # what the table prints instead of the figures ("17/20")
    missing: str = ""  # what it prints for a run without a figure ("> 120"), if not "—"

    def add(self, value: float, met: bool | None = None) -> None:
        self.samples.append(value)
        if met is not None:
            self.verdicts.append(met)

    def summary(self) -> dict[str, Any]:
        values = [v for v in self.samples if v == v]  # drop NaN
        if not values:
            return {"min": None, "median": None, "max": None}
        return {"min": min(values), "median": statistics.median(values), "max": max(values)}

    def met(self) -> bool | None:
        """True / False against the target; None when the row has no goal."""
        if self.verdicts:
            return all(self.verdicts)
        bound = BOUND.match(self.target)
        if bound is None:
            return None
        if not self.samples:
            return False
        below = bound.group(1) == "≤"
        limit = float(bound.group(2).replace(",", ""))
        missing = math.inf if below else -math.inf
        median = statistics.median(v if v == v else missing for v in self.samples)
        return median <= limit if below else median >= limit


class Results:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.details: dict[str, list[dict[str, Any]]] = {}

    def row(self, key: str, measure: str, unit: str, target: str) -> Row:
        if key not in self.rows:
            self.rows[key] = Row(key, measure, unit, target)
        return self.rows[key]

    def detail(self, group: str, **values: Any) -> None:
        self.details.setdefault(group, []).append(values)


def row_input(results: Results, runs: int) -> None:
    sent = results.row("input", "text + Enter in one write: questions sent", "of 3", "3, in order")
    for run in range(runs):
        with (
            tempfile.TemporaryDirectory() as folder,
            benchmark_emulator() as emulator,
            running_app(emulator, Path(folder)) as terminal,
        ):
            database = Path(folder) / "conversations.db"
            for count, question in enumerate(QUESTIONS, start=1):
                terminal.write(question.encode() + b"\r")  # one read for the app
                answered = Throttled(lambda d=database: finished_questions(d)[1], 0.2)
                terminal.wait(lambda n=count, a=answered: a() >= n, 15)
            terminal.pause(0.5)
            saved, _ = finished_questions(database)
        got = sum(1 for q in QUESTIONS if q in saved)
        sent.add(got, got == len(QUESTIONS) and saved == QUESTIONS)
        results.detail("input", run=run + 1, saved=saved, in_order=saved == QUESTIONS)
        log(f"  input run {run + 1}: {got} of 3 sent, in order: {saved == QUESTIONS}")


def _wait_caught_up(terminal: Terminal, answer: Answer, pacer: Pacer, tokens: int) -> bool:
    """Until the server has sent `tokens` chunks and the screen shows the heading
    of the section being streamed (within ~2 sections of the server)."""

    def caught_up() -> bool:
        if pacer.sent < tokens:
            return False
        return answer.tokens_at(terminal.last_part()) >= pacer.sent - 130

    return terminal.wait(caught_up, 300) is not None


def row_keys(results: Results, runs: int, quick: bool, real_pace: bool) -> None:
    points = (2000, 5000) if quick else (2000, 10000)
    count = 10 if quick else 30
    answer = Answer(points[-1] + 2500)
    first = results.row("keys_first", "first keystroke after launch → composer", "ms", "≤ 100")
    idle = (
        results.row("keys_p50_idle", "keystroke → composer p50, idle (reference)", "ms", ""),
        results.row("keys_p95_idle", "keystroke → composer p95, idle (reference)", "ms", ""),
    )
    rows = {}
    for point in points:
        label = f"~{point // 1000}k tokens"
        rows[point] = (
            results.row(f"keys_p50_{point}", f"keystroke → composer p50, {label}", "ms", "≤ 20"),
            results.row(f"keys_p95_{point}", f"keystroke → composer p95, {label}", "ms", "≤ 100"),
            results.row(f"keys_max_{point}", f"keystroke → composer max, {label}", "ms", ""),
        )
    for run in range(runs):
        pacer = Pacer(0 if real_pace else points[0])
        with (
            tempfile.TemporaryDirectory() as folder,
            benchmark_emulator(Faults(token_delay=0.025), pacer) as emulator,
            running_app(emulator, Path(folder)) as terminal,
        ):
            # The floor: the same keystrokes with nothing streaming, then erased. The
            # very first keystroke after launch is slower: it is reported on its own.
            typist = Typist(terminal, count + 1, 0.1)
            typist.run(timeout=30)
            latencies = typist.latencies()
            first.add(latencies[0] * 1000)
            for row, q in zip(idle, (0.5, 0.95), strict=True):
                row.add(percentile(latencies[1:], q) * 1000)
            results.detail("keys", run=run + 1, point=0, latencies_ms=ms(latencies))
            terminal.write(b"\x7f" * len(typist.typed))
            terminal.wait(lambda: terminal.composer().startswith("Ask DeepSeek"), 30)
            ask(terminal, answer.question)
            typed = ""
            for point in points:
                if not real_pace:
                    pacer.fast_until = point
                started = time.perf_counter()
                if not _wait_caught_up(terminal, answer, pacer, point):
                    log(f"  keys run {run + 1}: never caught up with {point} tokens")
                    break
                caught = time.perf_counter() - started
                shown = answer.tokens_at(terminal.last_part())
                typist = Typist(terminal, count, 0.1, prefix=typed)
                typist.run(timeout=30)
                latencies = typist.latencies()
                typed = typist.typed
                p50, p95, top = (percentile(latencies, q) * 1000 for q in (0.5, 0.95, 1.0))
                for row, value in zip(rows[point], (p50, p95, top), strict=True):
                    row.add(value)
                results.detail(
                    "keys",
                    run=run + 1,
                    point=point,
                    server_tokens=pacer.sent,
                    screen_tokens=shown,
                    waited_to_catch_up_s=round(caught, 2),
                    echoed=len(typist.seen),
                    typed=len(typist.sent),
                    latencies_ms=ms(latencies),
                )
                log(
                    f"  keys run {run + 1} @ {pacer.sent} tokens (screen {shown}): "
                    f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {top:.0f} ms "
                    f"({len(typist.seen)}/{len(typist.sent)} echoed)"
                )


def _stream_once(answer: Answer, timeout: float) -> dict[str, Any]:
    """Enter → the whole answer on screen, counting visible updates on the way."""
    with (
        tempfile.TemporaryDirectory() as folder,
        benchmark_emulator() as emulator,
        running_app(emulator, Path(folder)) as terminal,
    ):
        changes: list[float] = []
        last = [terminal.conversation_digest()]

        def settle() -> None:
            digest = terminal.conversation_digest()
            if digest != last[0]:
                last[0] = digest
                changes.append(terminal.last_read)

        def done() -> bool:
            return terminal.finished() and terminal.shows(DENSE_MARKER)

        cpu = time.process_time()
        enter = ask(terminal, answer.question)
        finished = terminal.wait(done, timeout, on_settle=settle)
        cpu = time.process_time() - cpu
        end = finished if finished is not None else time.perf_counter()
        settle()
        stamps = [enter, *(t for t in changes if t > enter), end]
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        return {
            "seconds": (end - enter) if finished is not None else float("nan"),
            "timed_out": finished is None,
            "updates": len(stamps) - 2,
            "updates_per_s": (len(stamps) - 2) / max(end - enter, 1e-9),
            "longest_still_s": max(gaps),
            "bytes_drawn": terminal.bytes,
            "harness_cpu_s": cpu,
        }


def row_stream(results: Results, runs: int) -> None:
    small = results.row("stream_2k", "2,000-token dense answer fully on screen", "s", "≤ 0.8")
    large = results.row("stream_20k", "20,000-token dense answer fully on screen", "s", "≤ 4")
    ratio = results.row("stream_ratio", "20k / 2k (medians)", "x", "≤ 8")
    updates = results.row("updates", "screen updates/s, fast stream (20k)", "/s", "≥ 4")
    still = results.row("still", "longest still picture, fast stream (20k)", "s", "")
    answers = {2000: Answer(2000), 20000: Answer(20000)}
    for run in range(runs):
        for size, row, timeout in ((2000, small, 60), (20000, large, 240)):
            got = _stream_once(answers[size], timeout)
            row.add(got["seconds"])
            if size == 20000:
                updates.add(got["updates_per_s"])
                still.add(got["longest_still_s"])
            results.detail("stream", run=run + 1, tokens=answers[size].tokens, **got)
            log(
                f"  stream run {run + 1}, {size} tokens: {got['seconds']:.2f} s"
                f"{' (timed out)' if got['timed_out'] else ''}, {got['updates']} updates, "
                f"still up to {got['longest_still_s']:.2f} s, harness CPU "
                f"{got['harness_cpu_s']:.1f} s"
            )
    if small.samples and large.samples:
        ratio.add(statistics.median(large.samples) / statistics.median(small.samples))


STRESS_FINISH = 60.0  # Enter → the status bar's "last: … out" (a 20k stream takes ~3 s)
STRESS_GRACE = 20.0  # after that, for the answer's last line to show
RESCUE_WAIT = 3.0  # after End, then after ctrl+down
KEY_END, KEY_CTRL_DOWN = b"\x1b[F", b"\x1b[1;5B"


def stress_outcome(finished: float | None, end: float | None, grace: float) -> str:
    """ "reached": the status bar said the answer finished and its last line showed no
    later than `grace` after that; "stuck": finished, but the line did not show in
    time; "unfinished": the status bar never said finished."""
    if finished is None:
        return "unfinished"
    if end is None or end > finished + grace:
        return "stuck"
    return "reached"


def _stress_once(emulator: Emulator, answer: Answer, grace: float) -> dict[str, Any]:
    """A fresh app streams `answer` as fast as the emulator sends: did its end show?"""
    with (
        tempfile.TemporaryDirectory() as folder,
        running_app(emulator, Path(folder)) as terminal,
    ):
        seen: dict[str, float] = {}

        def look() -> bool:
            if "end" not in seen and terminal.shows(DENSE_MARKER):
                seen["end"] = terminal.last_read
            if "finished" not in seen and terminal.finished():
                seen["finished"] = terminal.last_read
            return "end" in seen and "finished" in seen

        enter = ask(terminal, answer.question)
        terminal.wait(lambda: look() or "finished" in seen, STRESS_FINISH)
        if "finished" in seen and "end" not in seen:
            terminal.wait(look, seen["finished"] + grace - time.perf_counter())
        finished, end = seen.get("finished"), seen.get("end")
        outcome = stress_outcome(finished, end, grace)
        got: dict[str, Any] = {
            "outcome": outcome,
            "seconds": max(end, finished) - enter if outcome == "reached" else float("nan"),
            "finished_s": finished - enter if finished is not None else None,
            "end_after_finished_s": end - finished if end and finished else None,
        }
        if outcome != "reached":
            # How far short the view stopped, what it showed, and whether the keys that
            # jump to the latest message bring the end into view (issue 16: they did not).
            got["parts_on_screen"] = terminal.last_part()
            got["parts"] = len(answer.heading_chars)
            got["screen"] = screen_dump(terminal)
            got["rescued_by"] = None
            for name, key in (("End", KEY_END), ("ctrl+down", KEY_CTRL_DOWN)):
                terminal.write(key)
                if terminal.wait(lambda: terminal.shows(DENSE_MARKER), RESCUE_WAIT) is not None:
                    got["rescued_by"] = name
                    break
        return got


def row_stress(results: Results, count: int) -> None:
    reached = results.row(
        "stress", "20k fast streams reaching the end", f"of {count}", f"{count}/{count}"
    )
    stuck = results.row(
        "stress_stuck", f"  stuck: finished, end not on screen in {STRESS_GRACE:.0f} s", "runs", "0"
    )
    rescued = results.row("stress_rescued", "  of those, End or ^↓ brought the end", "runs", "")
    seconds = results.row("stress_s", "  Enter → the end on screen (runs that reached it)", "s", "")
    answer = Answer(20000)
    outcomes: list[str] = []
    brought = 0
    with benchmark_emulator() as emulator:
        for run in range(count):
            got = _stress_once(emulator, answer, STRESS_GRACE)
            outcomes.append(got["outcome"])
            if got["outcome"] == "reached":
                seconds.add(got["seconds"])
            brought += bool(got.get("rescued_by"))
            results.detail("stress", run=run + 1, **got)
            if got["outcome"] == "reached":
                said = f"reached the end in {got['seconds']:.2f} s"
            elif got["outcome"] == "stuck":
                said = (
                    f"STUCK at part {got['parts_on_screen']} of {got['parts']} "
                    f"(finished after {got['finished_s']:.2f} s); "
                    f"{got['rescued_by'] or 'neither End nor ctrl+down'} brought the end"
                )
            else:
                said = f"the status bar never said finished in {STRESS_FINISH:.0f} s"
            log(f"  stress run {run + 1}/{count}: {said}")
    got_there, stuck_runs = outcomes.count("reached"), outcomes.count("stuck")
    reached.add(got_there, got_there == count)
    reached.shown = f"{got_there}/{count}"
    stuck.add(stuck_runs, stuck_runs == 0)
    stuck.shown = f"{stuck_runs}" + (
        f" (+{count - got_there - stuck_runs} unfinished)" if count - got_there - stuck_runs else ""
    )
    rescued.add(brought)
    rescued.shown = f"{brought}/{stuck_runs}"


def row_paint(results: Results, runs: int) -> None:
    app = results.row("paint_app", "first paint: launch → model id on screen", "s", "")
    bare = results.row("paint_bare", "first paint: bare Textual app, same runs", "s", "")
    ratio = results.row("paint_ratio", "first paint, app / bare Textual (medians)", "x", "≤ 1.2")
    with tempfile.TemporaryDirectory() as folder, benchmark_emulator() as emulator:
        env = child_env(Path(folder))
        bare_script = Path(folder) / "bare_textual.py"
        bare_script.write_text(BARE_APP)
        launches = {
            "app": ([app_path(), "--base-url", emulator.base_url], MODEL, app),
            "bare": ([sys.executable, str(bare_script)], BARE_LABEL, bare),
        }
        for run in range(runs + 1):  # the first pair warms the disk cache and the database
            for name, (argv, marker, row) in launches.items():
                terminal = Terminal(argv, env)
                try:
                    seen = terminal.wait(lambda t=terminal, m=marker: t.shows(m), 60)
                finally:
                    terminal.close()
                seconds = seen - terminal.started if seen is not None else float("nan")
                if run:
                    row.add(seconds)
                    log(f"  paint run {run}: {name} {seconds:.3f} s")
    if app.samples and bare.samples:
        ratio.add(statistics.median(app.samples) / statistics.median(bare.samples))


def _huge_intake(
    emulator: Emulator, config: Path, answer: Answer, window: float, cap: float
) -> dict[str, Any]:
    """Enter → the whole answer taken in (or `cap`), a keystroke every 0.5 s throughout;
    what was sent, shown and saved after `window`; then the app's memory."""
    total = len(answer.text)
    database = config / "conversations.db"
    with running_app(emulator, config) as terminal:
        _lazy.clear()
        enter = ask(terminal, answer.question)
        typist = Typist(terminal, int(cap / 0.5) + 1, 0.5)
        typist.next_at = enter + 0.5
        saved = Throttled(lambda: saved_answer(database), 0.5)
        marks: dict[str, float] = {}
        at_window: dict[str, float] = {}

        def look(now: float) -> None:
            lazy = _lazy[-1] if _lazy else None
            if "sent" not in marks and lazy and lazy.sent_pieces >= len(lazy.pieces):
                marks["sent"] = now
            if "status" not in marks and terminal.finished():
                marks["status"] = terminal.last_read
            if "end" not in marks and terminal.shows(DENSE_MARKER):
                marks["end"] = terminal.last_read
            if "saved" not in marks and saved() == (total, True):
                marks["saved"] = now
            if not at_window and now - enter >= window:
                at_window.update(
                    sent=lazy.sent_chars if lazy else 0,
                    shown=answer.chars_at(terminal.last_part()),
                    saved=saved_answer_chars(database),
                )

        def taken_in() -> bool:
            return "status" in marks and "saved" in marks

        deadline = enter + cap
        while (now := time.perf_counter()) < deadline and terminal.alive:
            # The last line may show well after the rest (the view catches up on its
            # backlog): as long as the stress row's grace for it.
            if taken_in() and ("end" in marks or now > max(marks.values()) + STRESS_GRACE):
                break
            terminal.read(0.02)
            typist.tick()
            typist.check()
            look(time.perf_counter())
        typist.count = len(typist.sent)  # no more letters; wait for the ones typed
        terminal.wait(typist.check, 5)
        latencies = typist.latencies()
        if not taken_in():  # stop it, so what is held is what was saved
            terminal.write(b"\x1b")
            terminal.wait(lambda: "stopped" in terminal.status(), 30)
        terminal.pause(SETTLE)
        held, peak = memory_mb(terminal.pid)
        chars = saved_answer_chars(database)
    took = {name: at - enter for name, at in marks.items()}
    return {
        "taken_in_s": max(took["status"], took["saved"]) if taken_in() else float("nan"),
        "server_sent_all_s": took.get("sent", float("nan")),
        "status_finished_s": took.get("status", float("nan")),
        "saved_whole_s": took.get("saved", float("nan")),
        "last_line_shown_s": took.get("end", float("nan")),
        "at_window": at_window,
        "keys_echoed": len(typist.seen),
        "keys_typed": len(typist.sent),
        "keys_ms": ms(latencies),
        "chars_held": chars,
        "rss_mb": held,
        "peak_mb": peak,
    }


def _huge_escape(
    emulator: Emulator, config: Path, answer: Answer, window: float, esc_timeout: float
) -> dict[str, Any]:
    """Esc `window` seconds into the answer (sooner if the server has sent half of it,
    so that a fast app is still streaming) → "stopped" on screen; what was saved."""
    database = config / "conversations.db"
    with running_app(emulator, config) as terminal:
        _lazy.clear()
        enter = ask(terminal, answer.question)
        half = len(answer.text) // 2

        def sent() -> int:
            return _lazy[-1].sent_chars if _lazy else 0

        terminal.wait(lambda: sent() >= half or terminal.finished(), window, tick=lambda: None)
        finished_first = terminal.finished()
        at, sent_at = time.perf_counter() - enter, sent()
        escape = terminal.write(b"\x1b")
        stopped = terminal.wait(lambda: "stopped" in terminal.status(), esc_timeout)
        terminal.pause(1.0)
        return {
            "esc_at_s": at,
            "esc_at_sent_mb": sent_at / 1e6,
            "finished_before_esc": finished_first,
            "esc_s": stopped - escape if stopped is not None else float("nan"),
            "esc_timed_out": stopped is None,
            "saved_after_stop_mb": saved_answer_chars(database) / 1e6,
        }


def row_huge(results: Results, runs: int, quick: bool) -> None:
    """Two launches a run: one takes the whole answer in (or gives up at `cap`) with
    keystrokes throughout and its memory after; the other presses Esc mid-answer."""
    window = 5.0 if quick else 20.0
    cap = 30.0 if quick else 120.0
    esc_timeout = 30.0 if quick else 60.0
    _check_lazy_chunks()
    probe = Answer(20000)
    size = min(DENSE_MAX, int(HUGE_BYTES / (len(probe.text) / probe.tokens) * 1.01))
    log(f"  huge: building a {HUGE_BYTES / 1e6:.0f} MB answer (dense {size}) …")
    answer = Answer(size)
    log(f"  huge: {len(answer.text) / 1e6:.1f} MB, {answer.tokens:,} tokens")
    w = f"{window:.0f} s"
    sent_row = results.row("huge_sent", f"10 MB answer: sent by the server in {w}", "MB", "")
    shown_row = results.row("huge_shown", f"10 MB answer: shown on screen after {w}", "MB", "")
    saved_row = results.row("huge_saved", f"10 MB answer: saved after {w}", "MB", "")
    server_row = results.row("huge_server", "10 MB answer: Enter → server sent all", "s", "")
    taken_row = results.row(
        "huge_taken", "10 MB answer: Enter → taken in (saved whole, status done)", "s", "≤ 10"
    )
    end_row = results.row("huge_end", "10 MB answer: Enter → its last line on screen", "s", "")
    keys = [
        results.row(f"huge_keys_{name}", f"10 MB answer: keystroke echo {name}", "ms", target)
        for name, target in (("p50", ""), ("p95", "≤ 100"), ("max", ""))
    ]
    esc_row = results.row("huge_esc", '10 MB answer: Esc → "stopped"', "s", "≤ 0.2")
    after_row = results.row("huge_saved_stop", "10 MB answer: saved after Esc", "MB", "")
    bare_row = results.row("mem_bare", "memory: bare Textual app (baseline)", "MB", "")
    text_row = results.row("huge_text", "10 MB answer: text held (saved)", "MB", "")
    held_row = results.row("mem_huge", "memory after the 10 MB answer", "MB", "")
    peak_row = results.row("mem_huge_peak", "peak memory during the 10 MB answer", "MB", "")
    for row in (server_row, taken_row, end_row):
        row.missing = f"> {cap:.0f}"
    goals: list[float] = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as folder, benchmark_emulator() as emulator:
            bare = bare_memory(Path(folder))
            intake = _huge_intake(emulator, Path(folder), answer, window, cap)
        with tempfile.TemporaryDirectory() as folder, benchmark_emulator() as emulator:
            esc = _huge_escape(emulator, Path(folder), answer, window, esc_timeout)
        latencies = [v / 1000 for v in intake["keys_ms"]]
        at_window = intake["at_window"]
        goal = memory_goal(intake["chars_held"], bare)
        goals.append(goal)
        for row, value in (
            (sent_row, at_window.get("sent", math.nan) / 1e6),
            (shown_row, at_window.get("shown", math.nan) / 1e6),
            (saved_row, at_window.get("saved", math.nan) / 1e6),
            (server_row, intake["server_sent_all_s"]),
            (taken_row, intake["taken_in_s"]),
            (end_row, intake["last_line_shown_s"]),
            (esc_row, esc["esc_s"]),
            (after_row, esc["saved_after_stop_mb"]),
            (bare_row, bare),
            (text_row, intake["chars_held"] / 1e6),
            (peak_row, intake["peak_mb"]),
        ):
            row.add(value)
        held_row.add(intake["rss_mb"], intake["rss_mb"] <= goal)
        for row, q in zip(keys, (0.5, 0.95, 1.0), strict=True):
            row.add(percentile(latencies, q) * 1000)
        results.detail(
            "huge", run=run + 1, answer_mb=len(answer.text) / 1e6, bare_mb=bare, **intake, **esc
        )
        taken = intake["taken_in_s"]

        def since(key: str, got: dict[str, Any] = intake) -> str:
            return "—" if got[key] != got[key] else f"{got[key]:.1f} s"

        stop = f"> {esc_timeout:.0f} s" if esc["esc_timed_out"] else f"{esc['esc_s']:.2f} s"
        if esc["finished_before_esc"]:
            stop += " (the answer had finished first)"
        log(
            f"  huge run {run + 1}: after {w} sent {at_window.get('sent', 0) / 1e6:.2f} MB, "
            f"shown {at_window.get('shown', 0) / 1e6:.2f}, saved "
            f"{at_window.get('saved', 0) / 1e6:.2f}; taken in "
            f"{f'> {cap:.0f} s' if taken != taken else f'{taken:.1f} s'} "
            f"(server {since('server_sent_all_s')}, status {since('status_finished_s')}, "
            f"saved {since('saved_whole_s')}, last line {since('last_line_shown_s')}); keys "
            f"{intake['keys_echoed']}/{intake['keys_typed']} echoed, p95 "
            f"{percentile(latencies, 0.95) * 1000:.0f} ms, max "
            f"{max(latencies, default=math.nan) * 1000:.0f} ms; memory {intake['rss_mb']:.1f} MB"
            f" (peak {intake['peak_mb']:.1f}) holding {intake['chars_held'] / 1e6:.2f} MB, "
            f"goal ≤ {goal:.1f}; Esc at {esc['esc_at_s']:.1f} s → stopped {stop}"
        )
    if goals:
        held_row.target = f"≤ {statistics.median(goals):.1f} (3× text + bare)"


CONVERSATION_MESSAGES = 2000
LAST_MESSAGE = "LAST-MESSAGE-OF-THE-CONVERSATION"  # the last line of its last answer


def build_conversation(database: Path, messages: int) -> tuple[str, int]:
    """A conversation of `messages` messages in conversations.db, written with the
    app's own Store: short questions, answers of four "dense" sections (~1 KB of
    Markdown: headings, code, a table, lists). Returns (its id, characters of text)."""
    from deepseek_tui.messages import MessageDraft
    from deepseek_tui.store import NewConversation, Store
    from deepseek_tui.timestamps import now_iso

    text = Answer(20000).text
    sections = re.split(r"\n\n(?=#+ Part \d+:)", text.removesuffix(f"\n\n{DENSE_MARKER}"))
    stamp = now_iso()
    made: list[MessageDraft] = []
    for index in range(messages):
        turn = index // 2
        if index % 2 == 0:
            content = f"Question {turn + 1}: tell me about parts {4 * turn + 1}-{4 * turn + 4}"
            made.append(MessageDraft("user", content, created_at=stamp))
            continue
        content = "\n\n".join(sections[(4 * turn + k) % len(sections)] for k in range(4))
        if index == messages - 1:
            content += f"\n\n{LAST_MESSAGE}"
        made.append(
            MessageDraft("assistant", content, created_at=stamp, model=MODEL, finish_reason="stop")
        )
    store = Store.open(database)
    try:
        conversation = store.insert_conversation(
            NewConversation(f"{messages} messages", stamp, stamp, tuple(made))
        )
    finally:
        store.close()
    return conversation.id, sum(len(m.content) for m in made)


def row_memory(results: Results, runs: int) -> None:
    """The bare app's baseline, the app at launch, and the app holding a 2,000-message
    conversation (the 10 MB answer's figure comes from the huge row)."""
    n = f"{CONVERSATION_MESSAGES:,}"
    bare_row = results.row("mem_bare", "memory: bare Textual app (baseline)", "MB", "")
    idle_row = results.row("mem_idle", "memory: the app at launch, nothing open", "MB", "")
    open_row = results.row("conv_open", f"{n}-message conversation: launch → last message", "s", "")
    text_row = results.row("conv_text", f"{n}-message conversation: text held", "MB", "")
    conv_row = results.row("mem_conv", f"memory with the {n}-message conversation open", "MB", "")
    added_row = results.row("mem_conv_added", "  of which added by opening it", "MB", "")
    goals: list[float] = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as folder, benchmark_emulator() as emulator:
            config = Path(folder)
            conversation, chars = build_conversation(
                config / "conversations.db", CONVERSATION_MESSAGES
            )
            bare = bare_memory(config)
            with running_app(emulator, config) as terminal:
                terminal.pause(SETTLE)
                idle = memory_mb(terminal.pid)[0]
            with running_app(emulator, config, ["--conversation", conversation]) as terminal:
                shown = terminal.wait(lambda t=terminal: t.shows(LAST_MESSAGE), 60)
                opened = shown - terminal.started if shown is not None else float("nan")
                terminal.pause(SETTLE)
                held, peak = memory_mb(terminal.pid)
        goal = memory_goal(chars, bare)
        goals.append(goal)
        bare_row.add(bare)
        idle_row.add(idle)
        open_row.add(opened)
        text_row.add(chars / 1e6)
        conv_row.add(held, held <= goal and shown is not None)
        added_row.add(held - idle)
        results.detail(
            "memory",
            run=run + 1,
            bare_mb=bare,
            idle_mb=idle,
            conversation_chars=chars,
            open_s=opened,
            last_message_shown=shown is not None,
            rss_mb=held,
            peak_mb=peak,
            goal_mb=goal,
        )
        log(
            f"  memory run {run + 1}: bare {bare:.1f} MB, app at launch {idle:.1f} MB; "
            f"{n} messages ({chars / 1e6:.2f} MB of text) "
            f"{'opened' if shown is not None else 'NOT SHOWN'} in {opened:.2f} s, "
            f"{held:.1f} MB (peak {peak:.1f}), goal ≤ {goal:.1f} MB"
        )
    if goals:
        conv_row.target = f"≤ {statistics.median(goals):.1f} (3× text + bare)"


# --- output -----------------------------------------------------------------------------------


def fmt(value: float | None, unit: str) -> str:
    if value is None or value != value:
        return "—"
    if unit == "ms":
        return f"{value:.0f}"
    if unit == "of 3":
        return f"{value:.0f}"
    if unit in ("x", "/s"):
        return f"{value:.1f}"
    if unit == "MB":
        return f"{value:.2f}"
    return f"{value:.2f}"


def print_table(results: Results, runs: int, header: dict[str, Any]) -> None:
    print(
        f"deepseek-tui in a pty {COLS}×{ROWS}, TERM=xterm-256color, parsed with pyte · "
        f"{header['cpus']} CPUs · load {header['load_before']} → {header['load_after']} · "
        f"Python {header['python']} · Textual {header['textual']} · runs {runs}"
    )
    width = max((len(r.measure) for r in results.rows.values()), default=40) + 2
    print(f"{'measure':<{width}}{'min / median / max':>26}  {'unit':<6} goal  target")
    print("-" * (width + 57))
    for row in results.rows.values():
        goal = GOAL[row.met()]
        print(f"{row.measure:<{width}}{cells(row):>26}  {row.unit:<6} {goal:<5} {row.target}")


GOAL = {True: "✓", False: "✗", None: "·"}


def cells(row: Row) -> str:
    if row.shown:
        return row.shown
    if row.missing and any(v != v for v in row.samples):
        # Runs without a figure (timed out) are beyond every figure: shown as `missing`.
        ordered = sorted(math.inf if v != v else v for v in row.samples)
        picks = [ordered[0], statistics.median(ordered), ordered[-1]]
        shown = [row.missing if v == math.inf else fmt(v, row.unit) for v in picks]
        return shown[1] if len(ordered) == 1 else " / ".join(shown)
    s = row.summary()
    if len(row.samples) == 1 or row.unit == "x":
        return fmt(s["median"], row.unit)
    return " / ".join(fmt(s[k], row.unit) for k in ("min", "median", "max"))


def machine() -> dict[str, Any]:
    import textual

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "textual": getattr(textual, "__version__", "?"),
        "load_before": f"{os.getloadavg()[0]:.1f}",
    }


ROW_NAMES = ("input", "keys", "stream", "stress", "paint", "huge", "memory")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per row (default 3)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--only", action="append", choices=ROW_NAMES, help="run only this row")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 run, short windows")
    parser.add_argument(
        "--real-pace", action="store_true", help="keys: every token at 40 tokens/s (slow)"
    )
    parser.add_argument(
        "--stress-runs",
        type=int,
        metavar="N",
        help="stress: fresh apps streaming 20k tokens (default 20; --quick: 3)",
    )
    args = parser.parse_args(argv)
    runs = 1 if args.quick and args.runs == 3 else max(1, args.runs)
    only = args.only or list(ROW_NAMES)
    header = machine()
    results = Results()
    started = time.perf_counter()
    cpu = time.process_time()
    for name in ROW_NAMES:
        if name not in only:
            continue
        log(f"{name} …")
        if name == "input":
            row_input(results, runs)
        elif name == "keys":
            row_keys(results, runs, args.quick, args.real_pace)
        elif name == "stream":
            row_stream(results, runs)
        elif name == "stress":
            row_stress(results, max(1, args.stress_runs or (3 if args.quick else 20)))
        elif name == "paint":
            row_paint(results, runs if not args.quick else 2)
        elif name == "huge":
            row_huge(results, runs, args.quick)
        elif name == "memory":
            row_memory(results, runs)
    header["load_after"] = f"{os.getloadavg()[0]:.1f}"
    header["wall_s"] = round(time.perf_counter() - started, 1)
    header["harness_cpu_s"] = round(time.process_time() - cpu, 1)
    if args.json:
        out = {
            "machine": header,
            "runs": runs,
            "rows": {
                key: {
                    "measure": row.measure,
                    "unit": row.unit,
                    "target": row.target,
                    "goal_met": row.met(),
                    "shown": cells(row),  # as the table prints it
                    "samples": [v if v == v else None for v in row.samples],  # NaN: none
                    **row.summary(),
                }
                for key, row in results.rows.items()
            },
            "details": results.details,
        }
        print(json.dumps(out, indent=2, default=lambda v: None if v != v else str(v)))
    else:
        print_table(results, runs, header)
        print(
            f"(wall {header['wall_s']} s; harness + emulator CPU {header['harness_cpu_s']} s; "
            "--json for every sample)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
