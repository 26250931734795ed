"""The words under an answer: how it ended, the key that helps next, tokens and cost
(`status_line`); the chat's status bar says the last answer with the same words.
No widget: the answer widget, the conversation view and the screen share them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deepseek_tui.api.events import FinishReason, finish_label
from deepseek_tui.pricing import format_cost
from deepseek_tui.terminal import sanitize

if TYPE_CHECKING:
    from deepseek_tui.api.events import Usage


# The keys that help after an answer that ended early; how it ended is said by the
# one table of words (`finish_label`).
NEXT_STEP: dict[FinishReason | str, str] = {
    FinishReason.STOPPED: "^f continues it",
    FinishReason.INTERRUPTED: "^f continues it, ^r regenerates it",
    FinishReason.LENGTH: "^f continues it",
    FinishReason.ERROR: "^r retries",
}
# ^f continues from the answer's text: with none, regenerating is what helps.
_CONTINUED = (FinishReason.STOPPED, FinishReason.INTERRUPTED, FinishReason.LENGTH)


def error_step(error: str) -> str:
    """The key that helps after a failed request, from the error's sentence (so an
    answer reopened from the history gets the same words as it did live)."""
    if "(HTTP 401)" in error:
        return "^s sets the key, then ^r retries"
    if "(HTTP 402)" in error or "(HTTP 406)" in error:
        return "^p Show balance · ^r retries"  # the notice already says to top up
    return "^r retries"


def status_line(
    reason: str | None,
    usage: Usage | None,
    cost: float | None,
    *,
    exact_cost: bool = False,
    continuable: bool = True,
    error: str = "",
    currency: str = "USD",
) -> str:
    """The line under an answer: how it ended (with the key that helps), tokens, cost.
    `reason` None means "say nothing about the ending"; `continuable` False (no text
    to continue from) offers regenerating instead of ^f. With `error` (shown in its
    own notice above the line) the line gives only the step that helps."""
    parts = []
    if error and FinishReason.parse(reason or "") == FinishReason.ERROR:
        parts.append(error_step(error))
    elif reason is not None and reason != FinishReason.STOP:
        ending = sanitize(finish_label(reason))
        parsed = FinishReason.parse(reason)
        step = NEXT_STEP.get(parsed)
        if not continuable and parsed in _CONTINUED:
            step = "^r regenerates it"
        parts.append(f"{ending}: {step}" if step else ending)
    if usage:
        parts.append(f"{usage.prompt_tokens:,} in · {usage.completion_tokens:,} out")
    if cost is not None:
        parts.append(format_cost(cost, exact=exact_cost, currency=currency))
    return " · ".join(parts)
