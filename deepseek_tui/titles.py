"""Conversation titles: made locally from the first question (`title_for`), or asked
of the model after the first answer (`title_request`, its reply cleaned by `clean_title`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deepseek_tui.api.models import model_traits
from deepseek_tui.api.request import ChatRequest

if TYPE_CHECKING:
    from deepseek_tui.api.events import Usage
    from deepseek_tui.attachments import Attachment

# A title asked of the model after a new conversation's first answer (the
# `model_titles` setting): one small request, its reply cleaned by `clean_title`.
TITLE_INSTRUCTIONS = (
    "You name conversations. Reply with a title of 3 to 6 words that says what the "
    "conversation is about, in the language of the question: plain words on one line, "
    "no quotes, no Markdown, no full stop, nothing else."
)
TITLE_MAX_TOKENS = 32  # 3–6 words in any script, with room to spare
# A model that always thinks spends its reasoning from the same max_tokens.
TITLE_THINKING_MAX_TOKENS = 1024
TITLE_LIMIT = 60  # characters, as `title_from`
# How much of the first exchange the title request quotes (characters).
TITLE_QUESTION_CHARS = 2000
TITLE_ANSWER_CHARS = 1000


@dataclass(frozen=True)
class TitleReply:
    """What a title request brought: the cleaned title ("" when nothing usable came
    back) and what the request cost, in `currency` (None when the price is unknown)."""

    title: str
    usage: Usage | None = None
    cost: float | None = None
    currency: str = "USD"


def title_for(text: str, attachments: Sequence[Attachment]) -> str:
    """A new conversation's title: from the question, else the files it attached."""
    if text.strip() or not attachments:
        return title_from(text)
    return title_from(", ".join(attachment.name for attachment in attachments))


def title_from(text: str, limit: int = 60) -> str:
    """A conversation title from its first message, made locally."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut.rstrip(" ,.;:") + "…"


def title_messages(question: str, answer: str) -> list[dict[str, str]]:
    """The messages of a title request: the instructions, then the first exchange as
    one user message that starts with the question (shortened), so the question is
    what a model weighs most."""
    quoted_answer = answer[:TITLE_ANSWER_CHARS].strip()
    return [
        {"role": "system", "content": TITLE_INSTRUCTIONS},
        {
            "role": "user",
            "content": (
                f"{question[:TITLE_QUESTION_CHARS].strip()}\n\n"
                f"---\nThe answer began:\n{quoted_answer}\n---\n"
                "A title of 3 to 6 words for this conversation:"
            ),
        },
    ]


def title_request(model: str, question: str, answer: str) -> ChatRequest:
    """The request for a title of the exchange `question` → `answer`: non-streaming
    with a small `max_tokens`, thinking off where the model can turn it off."""
    traits = model_traits(model)
    return ChatRequest(
        model,
        title_messages(question, answer),
        thinking=False if traits.thinking == "toggle" else None,
        max_tokens=(TITLE_THINKING_MAX_TOKENS if traits.thinking == "always" else TITLE_MAX_TOKENS),
    )


# Markdown and decoration a model may wrap a title in.
_TITLE_LEAD = re.compile(r"^(?:[#>*+\-]+\s*|\d+[.)]\s+)+")
_TITLE_LABEL = re.compile(r"^(?:title|titre|titel|título|标题|タイトル)\s*[:：]\s*", re.IGNORECASE)
_TITLE_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TITLE_QUOTES = '"“”„«»「」『』`'
_TITLE_EDGES = " \t'‘’*_~.。!！:;,-–—"


def clean_title(text: str, limit: int = TITLE_LIMIT) -> str:
    """A model's title reply as a title: its first line with text, without Markdown,
    a "Title:" label, quotes or a full stop, in at most `limit` characters (cut at a
    word, as `title_from` does). "" when nothing is left."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = "".join(ch for ch in line if ch.isprintable())
    line = _TITLE_LEAD.sub("", line.strip())
    line = _TITLE_LABEL.sub("", line)
    line = _TITLE_LINK.sub(r"\1", line)
    line = line.translate({ord(ch): None for ch in _TITLE_QUOTES})
    line = line.replace("**", "").replace("__", "")
    line = " ".join(line.strip(_TITLE_EDGES).split())
    # The ellipsis of a cut title counts too.
    return line if len(line) <= limit else title_from(line, limit - 1)
