"""What an answer cost: a price table the user can override, peak and off-peak.

Prices changed many times, so they are data: the built-in
table below is the latest we found (USD per 1M tokens, off-peak), and
`[prices."model-id"]` in config.toml overrides or adds a model. Since 2026-08-16
DeepSeek bills weekday peak hours (01:00–04:00 and 06:00–10:00 UTC) at twice
off-peak; `peak_pricing = false` in config.toml turns that off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from deepseek_tui.api.events import Usage

PEAK_HOURS_UTC = ((1, 4), (6, 10))
PEAK_FACTOR = 2.0


@dataclass(frozen=True, slots=True)
class Price:
    """USD per 1M tokens: input on a cache hit, input on a miss, output."""

    cache_hit: float
    cache_miss: float
    output: float


_FLASH = Price(cache_hit=0.003, cache_miss=0.15, output=0.60)
_PRO = Price(cache_hit=0.022, cache_miss=0.66, output=1.98)

DEFAULT_PRICES: dict[str, Price] = {
    # The two old names are aliases of V4-Flash (non-thinking / thinking).
    "deepseek-chat": _FLASH,
    "deepseek-reasoner": _FLASH,
    "deepseek-v4-flash": _FLASH,
    "deepseek-flash": _FLASH,
    "deepseek-v4-pro": _PRO,
}


def price_for(
    model: str,
    overrides: Mapping[str, Mapping[str, float]] | None = None,
    *,
    builtin: bool = True,
) -> Price | None:
    """The model's price: the user's table first, then ours (unless `builtin` is
    false: a gateway's prices are its own, even for an id DeepSeek also uses); None
    when unknown (a gateway's own id): we show no cost rather than a wrong one."""
    defaults: Mapping[str, Price] = DEFAULT_PRICES if builtin else {}
    if overrides and model in overrides:
        entry = overrides[model]
        base = defaults.get(model, Price(0.0, 0.0, 0.0))
        return Price(
            cache_hit=float(entry.get("cache_hit", base.cache_hit)),
            cache_miss=float(entry.get("cache_miss", base.cache_miss)),
            output=float(entry.get("output", base.output)),
        )
    return defaults.get(model)


def is_peak(moment: datetime) -> bool:
    """Weekday peak hours in UTC (DeepSeek's Beijing-time windows)."""
    moment = moment.astimezone(UTC)
    if moment.weekday() >= 5:
        return False
    return any(start <= moment.hour < end for start, end in PEAK_HOURS_UTC)


def cost(usage: Usage, price: Price, *, peak: bool = False) -> float:
    """USD for one answer. Input is billed on cache hit/miss, output on completion
    tokens (reasoning included)."""
    hit = usage.prompt_cache_hit_tokens
    miss = usage.prompt_cache_miss_tokens
    if hit + miss == 0:
        miss = usage.prompt_tokens
    amount = (hit * price.cache_hit + miss * price.cache_miss) / 1_000_000
    amount += usage.completion_tokens * price.output / 1_000_000
    return amount * (PEAK_FACTOR if peak else 1.0)


_SYMBOLS = {"USD": "$", "CNY": "¥"}


def format_cost(amount: float, *, exact: bool = True, currency: str = "USD") -> str:
    """$0.0012-style: small amounts keep two significant digits. Not `exact`, an
    amount under a cent is "<$0.01" (the status bar shows the figure). A currency
    other than USD and CNY is written after the amount ("0.0012 EUR")."""
    symbol = _SYMBOLS.get(currency.upper())
    shown = _amount(amount, exact)
    if symbol is not None:
        return shown[0] + symbol + shown[1:] if shown.startswith("<") else symbol + shown
    return f"{shown} {currency}"


def _amount(amount: float, exact: bool) -> str:
    if amount == 0:
        return "0"
    if not exact and amount < 0.01:
        return "<0.01"
    if amount >= 0.01:
        return f"{amount:,.2f}"
    digits = 2
    scaled = amount
    while scaled < 0.1:
        scaled *= 10
        digits += 1
    return f"{amount:.{digits}f}"
