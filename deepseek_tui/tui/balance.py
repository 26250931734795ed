"""What is left on a DeepSeek account, as the TUI says it (the palette's notice, the
settings form); one home, so a screen does not import it from another screen's part."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deepseek_tui.api.client import BalanceReport


def balance_text(report: BalanceReport) -> str:
    """ "12.34 USD", each currency's total; a warning when it cannot pay for a request."""
    totals = ", ".join(f"{b.total} {b.currency}" for b in report.balances) or "none listed"
    if not report.is_available:
        return f"{totals}: not enough to use the API; top up your balance."
    return totals
