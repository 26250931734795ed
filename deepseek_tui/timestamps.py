"""Times as the store keeps them: ISO-8601, UTC, milliseconds, `Z` (sortable text)."""

from __future__ import annotations

from datetime import UTC, datetime


def now_iso() -> str:
    """UTC timestamp with milliseconds, sortable as text."""
    return iso(datetime.now(UTC))


def iso(moment: datetime) -> str:
    """The stored form of a time: UTC, milliseconds, `Z`."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(stamp: str) -> datetime:
    """A stored (or any ISO-8601) time as an aware datetime; no zone means UTC.
    Raises ValueError when it is not a time."""
    moment = datetime.fromisoformat(stamp.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
