"""Grouping of pending payments into settlement batches (pure, no AWS calls).

A batch holds one merchant's payments in one currency. Its id is derived from its content, so
a re-run over the same payments proposes the same batch and the conditional write in ``app``
refuses to create it twice. Batches are capped so that one batch record plus one update per
payment fit in a single DynamoDB transaction (100 actions).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_PAYMENTS_PER_BATCH = 99
BATCH_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ledgerguard:reference-stack:batches")


@dataclass(frozen=True)
class Batch:
    """Payments settled together, with their total in minor units."""

    batch_id: str
    merchant_id: str
    currency: str
    payment_ids: tuple[str, ...]
    total_minor: int


def plan_batches(pending: Iterable[Mapping[str, Any]]) -> list[Batch]:
    """Group pending payments by merchant and currency, in stable order, capped in size."""
    groups: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for payment in pending:
        key = (payment["merchant_id"], payment["currency"])
        groups[key].append((payment["payment_id"], int(payment["amount_minor"])))

    batches = []
    for (merchant_id, currency), members in sorted(groups.items()):
        members.sort()
        for start in range(0, len(members), MAX_PAYMENTS_PER_BATCH):
            chunk = members[start : start + MAX_PAYMENTS_PER_BATCH]
            batches.append(_batch(merchant_id, currency, chunk))
    return batches


def _batch(merchant_id: str, currency: str, members: list[tuple[str, int]]) -> Batch:
    """A batch with its content-derived id."""
    payment_ids = tuple(payment_id for payment_id, _ in members)
    name = "|".join([merchant_id, currency, *payment_ids])
    return Batch(
        batch_id=str(uuid.uuid5(BATCH_ID_NAMESPACE, name)),
        merchant_id=merchant_id,
        currency=currency,
        payment_ids=payment_ids,
        total_minor=sum(amount for _, amount in members),
    )
