"""Publishing domain events to the ``payments`` bus.

Sources and detail types are constants here and in ``terraform/events.tf`` (event patterns);
``publish`` sends up to ten entries per ``PutEvents`` call and fails loudly when EventBridge
rejects any entry, so an async invocation is retried instead of silently losing an event.
Each entry carries the publisher's ``clock.now()`` as its time, which consumers read as
``event.time`` (and which lets a local run replay a day on a simulated clock).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from reference_stack.functions.common import aws, clock, config

logger = logging.getLogger(__name__)

SOURCE_INTAKE = "ledgerguard.intake"
SOURCE_FRAUD = "ledgerguard.fraud"
SOURCE_AUTHORIZE = "ledgerguard.authorize"
SOURCE_RECONCILE = "ledgerguard.reconcile"

PAYMENT_INITIATED = "payment.initiated"
PAYMENT_SCREENED = "payment.screened"
PAYMENT_AUTHORIZED = "payment.authorized"
PAYMENT_DECLINED = "payment.declined"
RECONCILIATION_DISCREPANCY = "reconciliation.discrepancy"

MAX_ENTRIES_PER_CALL = 10


class EventPublishError(RuntimeError):
    """Raised when EventBridge rejected at least one entry of a ``PutEvents`` call."""


@dataclass(frozen=True)
class DomainEvent:
    """One event to publish: who sends it, what it is, and its validated detail."""

    source: str
    detail_type: str
    detail: BaseModel


def publish(events: Sequence[DomainEvent]) -> None:
    """Put ``events`` on the bus named by ``EVENT_BUS_NAME``, ten per call."""
    bus = config.setting(config.EVENT_BUS_NAME)
    sent_at = clock.now()
    for start in range(0, len(events), MAX_ENTRIES_PER_CALL):
        chunk = events[start : start + MAX_ENTRIES_PER_CALL]
        entries = [
            {
                "Source": event.source,
                "DetailType": event.detail_type,
                "Detail": event.detail.model_dump_json(),
                "EventBusName": bus,
                "Time": sent_at,
            }
            for event in chunk
        ]
        response = aws.client("events").put_events(Entries=entries)
        failed = int(response.get("FailedEntryCount", 0))
        if failed:
            codes = sorted(
                {e.get("ErrorCode", "?") for e in response["Entries"] if "ErrorCode" in e}
            )
            raise EventPublishError(f"{failed} of {len(entries)} events rejected: {codes}")
        logger.debug("published %d events to %s", len(entries), bus)
