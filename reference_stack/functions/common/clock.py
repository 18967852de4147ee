"""Time for the handlers: the current instant, and the string form every table sorts by.

``now`` reads the system clock. A local run of the stack replays a business day on a
simulated clock and installs it with ``set_source``; nothing in Lambda calls ``set_source``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return _source()


def set_source(source: Callable[[], datetime] | None) -> None:
    """Make ``now`` read ``source`` (a simulated clock); None restores the system clock."""
    global _source
    _source = source if source is not None else _system_now


def iso(moment: datetime) -> str:
    """Fixed-width UTC ISO-8601 text (microseconds, ``Z``), sortable as a string key."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime(_FORMAT)


def parse_iso(text: str) -> datetime:
    """Inverse of ``iso``."""
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)
