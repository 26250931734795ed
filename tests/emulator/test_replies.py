"""Reply text: deterministic, useful as a demo, and good Markdown test material."""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepseek_tui.emulator.replies import (
    DENSE_MARKER,
    DENSE_MAX,
    _classify,
    _Question,
    count_tokens,
    reply_for,
    split_tokens,
)


def ask(text: str, *, thinking: bool = False) -> tuple[str | None, str]:
    return reply_for([{"role": "user", "content": text}], thinking=thinking)


def code_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, re.DOTALL)


def test_the_same_question_always_gets_the_same_answer() -> None:
    history = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "earlier"},
        {"role": "assistant", "content": "earlier answer"},
        {"role": "user", "content": "How do tides work?"},
    ]
    alone = ask("How do tides work?", thinking=True)
    assert reply_for(history, thinking=True) == alone
    assert ask("How do tides work?", thinking=True) == alone


def test_greeting_introduces_the_offline_demo() -> None:
    reasoning, content = ask("Hello!")
    assert reasoning is None
    assert "offline demo" in content
    for suggestion in ("`code`", "`table`", "`long 2000`", "echo:"):
        assert suggestion in content


def test_code_question_gets_a_python_block_and_a_list() -> None:
    _, content = ask("Can you show me some python code?")
    (block,) = code_blocks(content)
    assert block.startswith("def fibonacci(")
    assert re.search(r"^- ", content, re.MULTILINE)


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("a function for primes", "is_prime"),
        ("write a quick sort function in python", "quicksort"),
        ("python factorial please", "factorial"),
        ("code to check a palindrome", "is_palindrome"),
        ("gcd function", "gcd"),
        ("fizzbuzz code", "fizzbuzz"),
        ("some code", "fibonacci"),
    ],
)
def test_code_follows_the_words_of_the_question(question: str, name: str) -> None:
    (block,) = code_blocks(ask(question)[1])
    assert block.startswith(f"def {name}(")


@pytest.mark.parametrize(
    "question", ["primes", "quick sort", "factorial", "palindrome", "gcd", "fizzbuzz", "fib"]
)
def test_every_code_answer_runs_and_prints_what_its_comment_says(question: str) -> None:
    (block,) = code_blocks(ask(f"python code for {question}")[1])
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(block, {})
    promised = re.findall(r"#\s*(.+)$", block.rstrip(), re.MULTILINE)[-1]
    assert output.getvalue().strip() == promised.strip()


def test_table_question_gets_an_aligned_markdown_table() -> None:
    _, content = ask("show me a table")
    rows = [line for line in content.splitlines() if line.startswith("|")]
    assert len(rows) >= 4
    assert rows[1] == "|:------|:--------:|-----------:|-------|"
    assert len({row.count("|") for row in rows}) == 1


def test_echo_returns_exactly_the_text() -> None:
    text = "**not bold** \x1b[31mred\x1b[0m [link](x) <b>tag</b>\n  trailing  "
    assert ask(f"echo: {text}") == (None, text)
    assert ask(f"echo:{text}")[1] == text


@given(st.text())
def test_echo_round_trips_any_text(text: str) -> None:
    assert ask(f"echo: {text}")[1] == text


@pytest.mark.parametrize("size", [1, 50, 300, 2000, 12345])
def test_long_answers_are_about_n_pieces(size: int) -> None:
    _, content = ask(f"long {size}")
    pieces = len(split_tokens(content))
    assert abs(pieces - size) <= max(40, size // 50)


def test_long_answers_mix_headings_lists_code_and_tables() -> None:
    _, content = ask("long 2000")
    assert content.startswith("# ")
    assert content.count("\n## ") >= 10
    assert content.count("```python\n") >= 3
    assert "|-----:|" in content
    assert re.search(r"^- ", content, re.MULTILINE)
    assert re.search(r"^1\. ", content, re.MULTILINE)
    assert content.count("```") % 2 == 0


def test_long_is_capped_at_100000() -> None:
    _, content = ask("long 5000000")
    assert len(split_tokens(content)) <= 100_000


@pytest.mark.parametrize("size", [1, 200, 2000, 20000])
def test_dense_answers_are_about_n_pieces(size: int) -> None:
    _, content = ask(f"dense {size}")
    pieces = len(split_tokens(content))
    assert abs(pieces - size) <= max(70, size // 100)  # at least one section


def test_dense_answers_are_deterministic_and_smaller_ones_are_a_prefix() -> None:
    _, small = ask("dense 2000")
    assert ask("please, dense 2000")[1] == small
    _, large = ask("dense 20000")
    last_section = small.rindex("\n\n## Part ") if "\n\n## Part " in small else 0
    assert large.startswith(small[:last_section])


def test_dense_answers_end_with_the_marker_line_and_have_it_once() -> None:
    _, content = ask("dense 3000")
    assert content.endswith(f"\n\n{DENSE_MARKER}")
    assert content.count(DENSE_MARKER) == 1


def test_dense_answers_have_every_kind_of_block_every_few_hundred_characters() -> None:
    from markdown_it import MarkdownIt

    _, content = ask("dense 5000")
    assert len(re.findall(r"^(`{3,})", content, re.MULTILINE)) % 2 == 0
    starts = [m.start() for m in re.finditer(r"^#{2,3} Part \d+:", content, re.MULTILINE)]
    assert len(starts) >= 60
    assert len(content) / len(starts) < 300  # a section (every block kind) per ~260 chars
    parser = MarkdownIt("commonmark").enable("table")
    kinds = set()
    for start, end in itertools.pairwise([*starts, len(content)]):
        tokens = parser.parse(content[start:end])
        types = {t.type for t in tokens}
        inline = {c.type for t in tokens if t.type == "inline" for c in t.children or []}
        assert {"heading_open", "paragraph_open", "fence", "table_open"} <= types
        assert types & {"bullet_list_open", "ordered_list_open"}
        assert {"strong_open", "code_inline"} <= inline
        kinds |= {t.info for t in tokens if t.type == "fence"}
        kinds |= types
    assert {"python", "js", "bash", "rust", "blockquote_open", "ordered_list_open"} <= kinds


def test_dense_goes_far_beyond_long_but_is_capped() -> None:
    assert _classify("dense 2500000") == _Question("dense 2500000", "dense", 2_500_000)
    assert _classify("dense 99999999").size == DENSE_MAX


def test_other_questions_get_a_structured_answer_about_them() -> None:
    question = "What is the capital of France?"
    _, content = ask(question)
    assert content.startswith(f"## {question}\n")
    assert f"> {question}" in content
    assert "**6 words**" in content and "**30 characters**" in content
    assert re.search(r"^- ", content, re.MULTILINE)
    assert "```python\n" in content
    assert "| 4 | capital | 7 |" in content


def test_odd_questions_still_give_well_formed_markdown() -> None:
    for question in ("```", "| a | b |", "# title\n\nsecond line", "???", "   "):
        _, content = ask(question)
        assert content
        fences = re.findall(r"^(`{3,})", content, re.MULTILINE)
        assert len(fences) % 2 == 0


def test_reasoning_mentions_the_question_in_a_few_sentences() -> None:
    reasoning, _ = ask("Why do cats purr?", thinking=True)
    assert reasoning is not None
    assert "Why do cats purr?" in reasoning
    assert 3 <= reasoning.count(". ") + 1 <= 6


def test_long_answers_think_longer() -> None:
    short, _ = ask("long 100", thinking=True)
    long, _ = ask("long 5000", thinking=True)
    assert short is not None and long is not None
    assert len(long) > 2 * len(short)


def test_prefix_completion_continues_the_prefix() -> None:
    question = {"role": "user", "content": "hello"}
    _, full = reply_for([question], thinking=False)
    prefix = {"role": "assistant", "content": full[:25], "prefix": True}
    _, rest = reply_for([question, prefix], thinking=False)
    assert full[:25] + rest == full


def test_prefix_inside_a_code_fence_continues_with_code() -> None:
    messages = [
        {"role": "user", "content": "write quick sort"},
        {"role": "assistant", "content": "```python\n", "prefix": True},
    ]
    _, rest = reply_for(messages, thinking=False)
    assert rest.startswith("def quicksort(")
    assert rest.rstrip().endswith("```")


def test_count_tokens_is_about_four_characters_and_never_zero() -> None:
    assert count_tokens("") == 1
    assert count_tokens("abcd") == 1
    assert count_tokens("abcde") == 2
    assert count_tokens("x" * 400) == 100


@given(st.text())
def test_split_tokens_round_trips(text: str) -> None:
    pieces = split_tokens(text)
    assert "".join(pieces) == text
    assert all(pieces)


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_split_tokens_pieces_stay_small(text: str) -> None:
    assert all(len(piece.lstrip()) <= 8 for piece in split_tokens(text))


@given(st.text(alphabet=st.sampled_from(["e", "\u0301", "\u200d", "👍", "\U0001f3fd", "🇩", "🇪"])))
def test_split_tokens_never_starts_a_piece_with_a_combining_character(text: str) -> None:
    pieces = split_tokens(text)
    for before, piece in itertools.pairwise(pieces):
        if not before[-1].isspace():
            assert unicodedata.category(piece[0]) != "Mn"
            assert piece[0] not in ("\u200d", "\U0001f3fd")
            assert before[-1] != "\u200d"


def test_split_tokens_cuts_long_words_and_keeps_graphemes() -> None:
    assert split_tokens("internationalization") == ["inte", "rnat", "iona", "liza", "tion"]
    family = "👨\u200d👩\u200d👧\u200d👦"
    assert split_tokens(family * 3) == [family] * 3
    assert split_tokens("hello  world\n\n## x") == ["hello", "  world", "\n\n##", " x"]
