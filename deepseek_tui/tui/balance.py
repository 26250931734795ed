"""What is left on a DeepSeek account, as the TUI says it (the palette's notice, the
settings form); one home, so a screen does not import it from another screen's part."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deepseek_tui.terminal import sanitize

if TYPE_CHECKING:
    from deepseek_tui.api.client import BalanceReport


def balance_text(report: BalanceReport) -> str:
    """ "12.34 USD", each currency's total; a warning when it cannot pay for a request.
    The amounts and currencies are the server's words: shown inert, on one line."""
    totals = ", ".join(f"{b.total} {b.currency}" for b in report.balances) or "none listed"
    totals = " ".join(sanitize(totals, name=True).split())
    if not report.is_available:
        return f"{totals}: not enough to use the API; top up your balance."
    return totals


def balance_error(error: Exception) -> str:
    """Why the balance is unknown: the server's words among them, so inert, one line."""
    return " ".join(sanitize(str(error), name=True).split())
