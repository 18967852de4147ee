"""Timestamp formatting shared by every table, so that string keys sort chronologically."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso(moment: datetime) -> str:
    """Fixed-width UTC ISO-8601 text (microseconds, ``Z``), sortable as a string key."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime(_FORMAT)


def parse_iso(text: str) -> datetime:
    """Inverse of ``iso``."""
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)
