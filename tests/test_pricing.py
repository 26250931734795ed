"""Costs from usage and the price table (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from deepseek_tui.api.events import Usage
from deepseek_tui.pricing import Price, cost, format_cost, is_peak, price_for


def test_cost_bills_cache_hits_misses_and_output() -> None:
    usage = Usage(
        prompt_tokens=1_000_000,
        completion_tokens=1_000_000,
        prompt_cache_hit_tokens=400_000,
        prompt_cache_miss_tokens=600_000,
    )
    price = Price(cache_hit=0.1, cache_miss=1.0, output=2.0)
    assert cost(usage, price) == pytest.approx(0.04 + 0.6 + 2.0)
    assert cost(usage, price, peak=True) == pytest.approx(2 * (0.04 + 0.6 + 2.0))


def test_peak_hours_are_weekday_utc_windows() -> None:
    monday = datetime(2026, 11, 23, tzinfo=UTC)
    assert is_peak(monday.replace(hour=2))
    assert is_peak(monday.replace(hour=9, minute=59))
    assert not is_peak(monday.replace(hour=5))
    assert not is_peak(monday.replace(hour=10))
    assert not is_peak(datetime(2026, 11, 22, 2, tzinfo=UTC))  # Sunday


def test_the_users_table_wins_and_unknown_models_have_no_price() -> None:
    assert price_for("deepseek-chat") is not None
    assert price_for("someone/else-model") is None
    mine = price_for("deepseek-chat", {"deepseek-chat": {"output": 9.0}})
    assert mine.output == 9.0 and mine.cache_miss == price_for("deepseek-chat").cache_miss


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(0, "$0"), (0.0000123, "$0.000012"), (0.00123, "$0.0012"), (0.5, "$0.50"), (12.345, "$12.35")],
)
def test_costs_read_well(amount: float, shown: str) -> None:
    assert format_cost(amount) == shown


def test_a_cost_under_a_cent_can_be_shown_as_less_than_a_cent() -> None:
    assert format_cost(0.0000021, exact=False) == "<$0.01"
    assert format_cost(0.0000021) == "$0.0000021"
    assert format_cost(0.25, exact=False) == "$0.25"
    assert format_cost(0, exact=False) == "$0"


def test_costs_carry_their_currency() -> None:
    assert format_cost(0.5, currency="CNY") == "¥0.50"
    assert format_cost(0.0000021, exact=False, currency="CNY") == "<¥0.01"
    assert format_cost(0.0012, currency="EUR") == "0.0012 EUR"
    assert format_cost(0.0012, exact=False, currency="EUR") == "<0.01 EUR"
