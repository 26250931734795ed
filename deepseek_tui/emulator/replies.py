"""Deterministic reply text for the emulator: the same question always gets the same answer."""

from __future__ import annotations

import functools
import random
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

__all__ = ["count_tokens", "reply_for", "split_tokens"]

LONG_MAX = 100_000
# "dense N" goes up to a few million tokens (a 10 MB answer for benchmarks/terminal.py).
DENSE_MAX = 3_000_000
DENSE_MARKER = "END-OF-ANSWER"  # the last line of every "dense N" answer, and nowhere else
_PIECE = re.compile(r"\s*\S+|\s+")
_LONG = re.compile(r"\blong\s+(\d+)\b", re.IGNORECASE)
_DENSE = re.compile(r"\bdense\s+(\d+)\b", re.IGNORECASE)
_ECHO = re.compile(r"echo: ?(.*)\Z", re.IGNORECASE | re.DOTALL)
_CODE = re.compile(r"\b(code|coding|python|function|functions|snippet|script)\b", re.IGNORECASE)
_TABLE = re.compile(r"\btables?\b", re.IGNORECASE)
_GREETINGS = frozenset(
    {"hello", "hi", "hey", "hallo", "hola", "howdy", "greetings", "bonjour", "yo", "moin"}
)
_WORD = re.compile(r"\w+")


# --- tokens -------------------------------------------------------------------


def count_tokens(text: str) -> int:
    """Roughly one token per four characters, never less than one."""
    return max(1, (len(text) + 3) // 4)


def split_tokens(text: str) -> list[str]:
    """Cut text into word-sized pieces whose concatenation is exactly `text`.

    A piece is a word with the whitespace before it; long words are cut into
    about four characters, never inside a grapheme (combining marks, emoji
    joiners and modifiers, flag pairs stay with their base character).
    """
    pieces: list[str] = []
    for match in _PIECE.finditer(text):
        piece = match.group()
        if len(piece.lstrip()) <= 8:
            pieces.append(piece)
        else:
            pieces.extend(_cut_long_piece(piece))
    return pieces


def _cut_long_piece(piece: str, size: int = 4) -> list[str]:
    word_start = len(piece) - len(piece.lstrip())
    out: list[str] = []
    start = 0
    i = word_start + size
    while i < len(piece):
        if _can_break(piece, i):
            out.append(piece[start:i])
            start = i
            i += size
        else:
            i += 1
    out.append(piece[start:])
    return out


def _can_break(text: str, i: int) -> bool:
    """True when a cut before text[i] would not split a user-perceived character."""
    after, before = text[i], text[i - 1]
    if _extends(after) or before == "\u200d":
        return False
    if _is_regional(after) and _is_regional(before):
        run = 0
        j = i - 1
        while j >= 0 and _is_regional(text[j]):
            run += 1
            j -= 1
        return run % 2 == 0
    return True


def _extends(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char) in ("Mn", "Me", "Mc")
        or char == "\u200d"
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences
    )


def _is_regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


# --- choosing the reply -------------------------------------------------------


@dataclass(frozen=True)
class _Question:
    text: str
    kind: str  # echo | long | dense | code | table | greeting | empty | general
    size: int = 0  # for "long N" and "dense N"


def reply_for(messages: list[dict[str, Any]], *, thinking: bool) -> tuple[str | None, str]:
    """Return (reasoning or None, content) for a chat history.

    Only the last user message matters, so a question gets the same answer in
    any conversation. When the last message is an assistant prefix (prefix
    completion), the content is the continuation of that prefix.
    """
    prefix = _assistant_prefix(messages)
    asked = _title_question(messages)
    if asked is not None:  # a title request (titles.title_request): a title, as a model gives
        return (_reasoning_for(_classify(asked)) if thinking else None), _title_for(asked)
    question = _classify(_last_user_text(messages))
    content = _content_for(question)
    if prefix is not None:
        content = _continue(prefix, content, question)
    reasoning = _reasoning_for(question) if thinking else None
    return reasoning, content


def _assistant_prefix(messages: list[dict[str, Any]]) -> str | None:
    if messages and messages[-1].get("role") == "assistant" and messages[-1].get("prefix"):
        content = messages[-1].get("content")
        return content if isinstance(content, str) else ""
    return None


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else ""
    return ""


def _classify(text: str) -> _Question:
    if echo := _ECHO.match(text):
        return _Question(echo.group(1), "echo")
    if dense := _DENSE.search(text):
        return _Question(text, "dense", min(max(int(dense.group(1)), 1), DENSE_MAX))
    if long := _LONG.search(text):
        return _Question(text, "long", min(max(int(long.group(1)), 1), LONG_MAX))
    if _CODE.search(text):
        return _Question(text, "code")
    if _TABLE.search(text):
        return _Question(text, "table")
    words = _WORD.findall(text.lower())
    if words and words[0] in _GREETINGS and len(words) <= 5:
        return _Question(text, "greeting")
    if not text.strip():
        return _Question(text, "empty")
    return _Question(text, "general")


def _content_for(question: _Question) -> str:
    match question.kind:
        case "echo":
            return question.text
        case "long":
            return _long_answer(question.size)
        case "dense":
            return _dense_answer(question.size)
        case "code":
            return _code_answer(question.text)
        case "table":
            return _TABLE_ANSWER
        case "greeting" | "empty":
            return _GREETING_ANSWER
        case _:
            return _general_answer(question.text)


# --- titles -------------------------------------------------------------------

# How titles.title_messages frames a title request (the emulator sits below titles.py
# in the layers, so it knows the request by its words, as a model would).
_TITLE_SYSTEM = "You name conversations."
_TITLE_QUOTE = "\n\n---\nThe answer began:"
_FILLER = frozenset(
    [
        "a",
        "an",
        "the",
        "what",
        "whats",
        "how",
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "can",
        "could",
        "would",
        "should",
        "will",
        "i",
        "me",
        "my",
        "you",
        "your",
        "please",
        "tell",
        "explain",
        "give",
        "show",
        "write",
        "make",
        "about",
        "of",
        "to",
        "in",
        "for",
        "on",
        "with",
        "and",
        "or",
        "it",
        "this",
        "that",
        "some",
    ]
)


def _title_question(messages: list[dict[str, Any]]) -> str | None:
    """The question a title request quotes, or None when `messages` is not one."""
    system = messages[0].get("content") if messages else None
    if not isinstance(system, str) or not system.startswith(_TITLE_SYSTEM):
        return None
    return _last_user_text(messages).partition(_TITLE_QUOTE)[0]


def _title_for(question: str) -> str:
    """A title of 3 to 6 words, what a model would call the conversation: what an
    `echo:` question says (tests name a conversation so), else by kind of question."""
    asked = _classify(question)
    match asked.kind:
        case "echo":
            return asked.text.strip().splitlines()[0] if asked.text.strip() else "Echo test"
        case "greeting" | "empty":
            return "Greeting and demo tour"
        case "code":
            return f"A Python {_snippet_for(question).title}"
        case "table":
            return "Models served by the emulator"
        case "long" | "dense":
            return f"A {asked.kind} answer of {asked.size:,} tokens"
    words = _WORD.findall(question)
    meaningful = [w for w in words if w.lower() not in _FILLER] or words
    kept = meaningful[:6]
    if len(kept) < 3:
        kept = ["Question", "about", *kept] if kept else ["A", "general", "question"]
    title = " ".join(kept)
    return title[:1].upper() + title[1:]


def _continue(prefix: str, content: str, question: _Question) -> str:
    """Continue an assistant prefix: the rest of the answer, or code inside an open fence."""
    if prefix and content.startswith(prefix):
        return content[len(prefix) :]
    if prefix.count("```") % 2 == 1:
        code = _snippet_for(question.text).code
        return ("" if prefix.endswith("\n") else "\n") + code + "```\n"
    if not prefix or prefix[-1].isspace():
        return content
    return " " + content


# --- canned answers -------------------------------------------------------------

_GREETING_ANSWER = """\
Hello! 👋 This is the **offline demo** of deepseek-tui: every answer comes from a small \
emulator running on your own machine, so nothing leaves it and no API key is needed.

Things to try:

- `code` — a small Python function in a fenced block
- `table` — a Markdown table
- `long 2000` — a long answer of about 2,000 tokens, to watch streaming
- `echo: any text` — exactly that text back, nothing added
- anything else — a structured answer about your question

Switch to a thinking model such as `deepseek-reasoner` to watch the reasoning \
stream in its own panel before the answer."""

_TABLE_ANSWER = """\
Here are the models this emulator serves:

| Model | Thinking | Max output | Notes |
|:------|:--------:|-----------:|-------|
| `deepseek-chat` | never | 8,192 | quick answers, no reasoning |
| `deepseek-reasoner` | always | 65,536 | strict R1-style history rules |
| `deepseek-v4-flash` | per request | 65,536 | `"thinking": {"type": "disabled"}` turns it off |
| `deepseek-v4-pro` | per request | 65,536 | the same switch, a *larger* model |

The columns are left-, centre- and right-aligned, so a renderer can show all three."""


def _general_answer(text: str) -> str:
    words = text.split()
    tokens = _WORD.findall(text)
    longest = max(tokens, key=len) if tokens else "—"
    alphabetical = ", ".join(f"*{w}*" for w in sorted({t.lower() for t in tokens})[:3]) or "—"
    quote = "\n".join(f"> {line}".rstrip() for line in text.splitlines()) or ">"
    shown = _shorten(text, 60)
    code = (
        f"question = {shown!r}\n"
        "words = question.split()\n"
        'print(len(words), "words,", len(question), "characters")\n'
    )
    rows = "\n".join(f"| {i} | {w} | {len(w)} |" for i, w in enumerate(tokens[:5], 1))
    return f"""\
## {_heading(text)}

{quote}

You asked a question of **{len(words)} words** and **{len(text)} characters**. \
This offline demo cannot know the answer, but it can show what it understood:

- The heading above restates your question.
- The longest word is **{longest}** ({len(longest)} characters).
- In alphabetical order the words begin with {alphabetical}.
- Ask for `code`, `table` or `long 2000` to see other kinds of answer.

{_fence(code, "python")}

| # | Word | Length |
|--:|------|-------:|
{rows or "| – | (no words) | 0 |"}"""


def _heading(text: str) -> str:
    one_line = " ".join(text.split()).lstrip("#").strip()
    return _shorten(one_line, 70) or "Your question"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fence(code: str, lang: str = "") -> str:
    """A fenced block whose fence is longer than any backtick run inside the code."""
    runs = [len(run) for run in re.findall(r"`+", code)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{lang}\n{code}{fence}"


# --- code answers ---------------------------------------------------------------


@dataclass(frozen=True)
class _Snippet:
    keywords: tuple[str, ...]
    title: str
    code: str
    notes: tuple[str, ...]


_SNIPPETS = (
    _Snippet(
        ("factorial",),
        "factorial function",
        '''\
def factorial(n: int) -> int:
    """Return n! for a non-negative integer n."""
    if n < 0:
        raise ValueError("n must be non-negative")
    result = 1
    for k in range(2, n + 1):
        result *= k
    return result


print([factorial(n) for n in range(7)])  # [1, 1, 2, 6, 24, 120, 720]
''',
        (
            "It multiplies `2…n` in a loop, so it never hits the recursion limit.",
            "`factorial(0)` is `1` by definition.",
            "Negative input raises `ValueError` instead of looping forever.",
        ),
    ),
    _Snippet(
        ("prime", "primes"),
        "prime test",
        '''\
def is_prime(n: int) -> bool:
    """Return True when n is a prime number."""
    if n < 2:
        return False
    k = 2
    while k * k <= n:
        if n % k == 0:
            return False
        k += 1
    return True


print([n for n in range(30) if is_prime(n)])  # [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
''',
        (
            "Only divisors up to `√n` need checking.",
            "Numbers below 2 are not prime.",
            "It runs in `O(√n)` time and constant memory.",
        ),
    ),
    _Snippet(
        ("sort", "sorting", "quicksort", "quick"),
        "quicksort",
        '''\
def quicksort(items: list[int]) -> list[int]:
    """Return a sorted copy of items."""
    if len(items) <= 1:
        return list(items)
    pivot, *rest = items
    smaller = [x for x in rest if x < pivot]
    larger = [x for x in rest if x >= pivot]
    return quicksort(smaller) + [pivot] + quicksort(larger)


print(quicksort([5, 3, 8, 1, 9, 2]))  # [1, 2, 3, 5, 8, 9]
''',
        (
            "The first item is the pivot; the rest split into smaller and larger.",
            "Each half is sorted recursively and joined around the pivot.",
            "It returns a new list and leaves the input untouched.",
        ),
    ),
    _Snippet(
        ("palindrome",),
        "palindrome check",
        '''\
def is_palindrome(text: str) -> bool:
    """Return True when text reads the same backwards, ignoring case and punctuation."""
    letters = [c.lower() for c in text if c.isalnum()]
    return letters == letters[::-1]


print(is_palindrome("A man, a plan, a canal: Panama"))  # True
''',
        (
            "Only letters and digits count, so spaces and commas are ignored.",
            "`[::-1]` reverses the list of letters.",
            "Case does not matter: everything is lowered first.",
        ),
    ),
    _Snippet(
        ("gcd", "divisor"),
        "greatest common divisor",
        '''\
def gcd(a: int, b: int) -> int:
    """Return the greatest common divisor of a and b (Euclid's algorithm)."""
    while b:
        a, b = b, a % b
    return abs(a)


print(gcd(48, 18), gcd(17, 5))  # 6 1
''',
        (
            "Euclid's algorithm replaces `(a, b)` with `(b, a % b)` until `b` is 0.",
            "It needs only a handful of steps even for large numbers.",
            "`abs` keeps the result positive for negative input.",
        ),
    ),
    _Snippet(
        ("fizzbuzz",),
        "FizzBuzz",
        '''\
def fizzbuzz(n: int) -> str:
    """Return the FizzBuzz word for n."""
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)


print(" ".join(fizzbuzz(n) for n in range(1, 16)))
# 1 2 Fizz 4 Buzz Fizz 7 8 Fizz Buzz 11 Fizz 13 14 FizzBuzz
''',
        (
            "Multiples of 15 are checked first, since they are also multiples of 3 and 5.",
            "Everything else is the number itself, as a string.",
            "The last line prints the first fifteen answers.",
        ),
    ),
    _Snippet(
        ("fibonacci", "fib"),
        "Fibonacci function",
        '''\
def fibonacci(n: int) -> int:
    """Return the n-th Fibonacci number, with fibonacci(0) == 0."""
    if n < 0:
        raise ValueError("n must be non-negative")
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


print([fibonacci(n) for n in range(10)])  # [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
''',
        (
            "It keeps only the last two numbers, so memory stays constant.",
            "The loop runs `n` times: `O(n)` time, no recursion.",
            "Negative input raises `ValueError`.",
        ),
    ),
)


def _snippet_for(text: str) -> _Snippet:
    """The snippet whose keywords the question mentions; Fibonacci by default."""
    words = {w.lower() for w in _WORD.findall(text)}
    for snippet in _SNIPPETS:
        if words.intersection(snippet.keywords):
            return snippet
    return _SNIPPETS[-1]


def _code_answer(text: str) -> str:
    snippet = _snippet_for(text)
    notes = "\n".join(f"- {note}" for note in snippet.notes)
    return f"""\
Here is a small, self-contained **{snippet.title}** in Python:

{_fence(snippet.code, "python")}

How it works:

{notes}

The comment on the last line shows what it prints."""


# --- long answers ---------------------------------------------------------------

_SUBJECTS = (
    "The renderer",
    "A streaming client",
    "The emulator",
    "Each chunk",
    "The terminal",
    "A Markdown parser",
    "The reader",
    "This section",
    "The layout engine",
    "Every paragraph",
)
_VERBS = ("keeps", "measures", "redraws", "splits", "collects", "checks", "wraps", "follows")
_OBJECTS = (
    "the incoming tokens",
    "a long line of text",
    "the scroll position",
    "each heading",
    "the code fences",
    "a table row",
    "the list markers",
    "its own time budget",
)
_ENDINGS = (
    "without blocking.",
    "as it arrives.",
    "in a few milliseconds.",
    "before the next chunk.",
    "one line at a time.",
    "so nothing flickers.",
    "even under load.",
)
_TOPICS = ("Streaming", "Layout", "Parsing", "Scrolling", "Rendering", "Timing", "Memory")


def _sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
        f"{rng.choice(_ENDINGS)}"
    )


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def _section(rng: random.Random, i: int) -> str:
    """One part of a long answer; every few parts bring a list, code or a table."""
    parts = [f"## {i}. {rng.choice(_TOPICS)} part {i}", _paragraph(rng, 3)]
    match i % 5:
        case 1:
            parts.append("\n".join(f"- {_sentence(rng)}" for _ in range(3)))
        case 2:
            code = (
                f"def section_{i}(values: list[int]) -> int:\n"
                f'    """Weight the values of section {i}."""\n'
                f"    return sum(v * {i} for v in values)\n"
            )
            parts.append(_fence(code, "python"))
        case 3:
            rows = "\n".join(f"| {i}.{k} | {rng.choice(_TOPICS)} | {i * k} ms |" for k in (1, 2, 3))
            parts.append(f"| Step | Topic | Time |\n|------|-------|-----:|\n{rows}")
        case 4:
            parts.append("\n".join(f"{k}. {_sentence(rng)}" for k in (1, 2, 3)))
        case _:
            parts.append(f"> {_sentence(rng)}")
    parts.append(_paragraph(rng, 2))
    return "\n\n".join(parts)


def _long_answer(size: int) -> str:
    """A structured answer of about `size` pieces (see split_tokens)."""
    rng = random.Random(size)
    closing = f"\n\nThat was a long answer of about {size:,} tokens."
    text = f"# A long answer\n\n{_paragraph(rng, 1)}"
    count = len(split_tokens(text)) + len(split_tokens(closing))
    i = 1
    while True:
        section = "\n\n" + _section(rng, i)
        cost = len(split_tokens(section))
        if count + cost > size:
            break
        text += section
        count += cost
        i += 1
    # Top up with single sentences so short answers land close to the target too.
    while True:
        sentence = " " + _sentence(rng)
        cost = len(split_tokens(sentence))
        if count + cost > size:
            break
        text += sentence
        count += cost
    return text + closing


# --- block-dense answers -------------------------------------------------------

_DENSE_WORDS = (
    "cache", "frame", "token", "layout", "widget", "buffer", "cursor", "stream", "parser",
    "screen", "segment", "viewport",
)  # fmt: skip
_DENSE_STEPS = (
    "parse the chunk",
    "append the text",
    "measure the lines",
    "keep the cursor",
    "render once",
    "scroll to the end",
    "skip the old blocks",
    "flush the frame",
)


def _dense_code(i: int, word: str, n: int) -> str:
    match i % 4:
        case 0:
            return _fence(f"def {word}_{i}(x):\n    return x * {n}\n", "python")
        case 1:
            return _fence(f"const {word}{i} = (x) => x + {n};\nconsole.log({word}{i}(1));\n", "js")
        case 2:
            return _fence(f'grep -c "{word} {i}" log.txt\necho {n}\n', "bash")
        case _:
            return _fence(f"fn {word}_{i}() -> u32 {{\n    {n}\n}}\n", "rust")


def _dense_section(rng: random.Random, i: int) -> str:
    """A heading, a paragraph with bold and code, a code block, a table and a list:
    about 260 characters, each block varied with the section number."""
    word, other = rng.choice(_DENSE_WORDS), rng.choice(_DENSE_WORDS)
    n = rng.randrange(2, 1000)
    heading = f"{'#' * (2 + i % 2)} Part {i}: {rng.choice(_TOPICS)}"
    subject, verb, ending = rng.choice(_SUBJECTS), rng.choice(_VERBS), rng.choice(_ENDINGS)
    paragraph = f"{subject} **{verb}** `{word}.{other}()` {ending}"
    if i % 3 == 0:
        table = f"| Step | Time |\n|:-----|-----:|\n| {word} | {n} ms |\n| {other} | {i} ms |"
    else:
        table = f"| # | Name | Size |\n|--:|:----:|------|\n| {i} | {word} | {n} |"
    first, second = rng.sample(_DENSE_STEPS, 2)
    match i % 3:
        case 0:
            items = f"- {first}\n- {second}"
        case 1:
            items = f"1. {first}\n2. {second}"
        case _:
            items = f"- {first}\n  - {second}"
    parts = [heading, paragraph, _dense_code(i, word, n), table, items]
    if i % 5 == 4:
        parts.append(f"> {_sentence(rng)}")
    return "\n\n".join(parts)


@functools.lru_cache(maxsize=2)
def _dense_answer(size: int) -> str:
    """About `size` pieces of block-dense Markdown (see _dense_section), ending with the
    line DENSE_MARKER. Section i is the same in every size, so a smaller answer is a
    prefix of a bigger one (up to its last section)."""
    rng = random.Random(2000)
    closing = f"\n\n{DENSE_MARKER}"
    budget = size - len(split_tokens(closing))
    parts: list[str] = []
    count = 0
    i = 1
    while True:
        section = _dense_section(rng, i)
        cost = len(split_tokens(section))  # the "\n\n" before it joins its first piece
        if parts and count + cost > budget:
            break
        parts.append(section)
        count += cost
        i += 1
    # Top up with a last paragraph so the size lands close to the target.
    sentences: list[str] = []
    while True:
        sentence = (" " if sentences else "") + _sentence(rng)
        cost = len(split_tokens(sentence))
        if count + cost > budget:
            break
        sentences.append(sentence)
        count += cost
    if sentences:
        parts.append("".join(sentences))
    return "\n\n".join(parts) + closing


# --- reasoning ------------------------------------------------------------------


def _reasoning_for(question: _Question) -> str:
    """A few plain sentences that mention the question, longer for long answers."""
    shown = _shorten(question.text, 80)
    words = len(question.text.split())
    opening = f"The user wrote: “{shown}”." if shown else "The user sent an empty message."
    plan = {
        "echo": "They want that text echoed back exactly, with nothing added or changed.",
        "long": f"They asked for a long answer of about {question.size:,} tokens, so I will "
        "write many sections with headings, paragraphs, lists, code and tables.",
        "dense": f"They asked for about {question.size:,} tokens of block-dense Markdown: "
        "every few lines a heading, code, a table and a list.",
        "code": f"They want code, so a small {_snippet_for(question.text).title} in Python "
        "with a short explanation fits.",
        "table": "They want a table, so I will lay the facts out in rows and columns.",
        "greeting": "It is a greeting, so a short friendly reply that explains the demo fits.",
        "empty": "There is nothing to answer yet, so I will explain what this demo can do.",
    }.get(question.kind, f"The question has {words} words; I should restate it and break it down.")
    sentences = [
        opening,
        plan,
        "Markdown will keep the answer easy to read in a terminal.",
        "Let me check the structure once more before I start.",
    ]
    if question.kind == "long":
        rng = random.Random(question.size)
        sentences += [_sentence(rng) for _ in range(min(question.size // 500, 40))]
    sentences.append("Okay, I have a plan.")
    return " ".join(sentences)
