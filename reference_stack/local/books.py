"""What the run reads back from the stack's storage: outcomes, ledger totals, the processor file.

The runner, not a function, reads the tables here (its calls are not attributed to any
function). It also plays the card processor: ``processor_file`` writes the settlement CSV of a
business date from the ledger's marker items, with discrepancies injected on purpose.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from reference_stack.functions.common import dynamo
from reference_stack.local.workload import APPROVED, REVIEW, declined

EXTRA_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ledgerguard:reference-stack:processor")
COLUMNS = (
    "payment_id",
    "merchant_id",
    "amount_minor",
    "currency",
    "settled_date",
    "processor_reference",
)


def scan(client: Any, table: str) -> list[dict[str, Any]]:
    """Every item of a table, as plain values."""
    pages = client.get_paginator("scan").paginate(TableName=table)
    return [dynamo.from_item(item) for page in pages for item in page["Items"]]


@dataclass(frozen=True)
class LedgerTotals:
    """Debits and credits per currency, and what the ledger owes per currency."""

    debits: dict[str, int]
    credits: dict[str, int]
    customer_funds: dict[str, int]
    markers: int
    batches: int
    batched_payments: int

    def unbalanced(self) -> list[str]:
        """Currencies whose debits and credits differ."""
        currencies = sorted(set(self.debits) | set(self.credits))
        return [c for c in currencies if self.debits.get(c, 0) != self.credits.get(c, 0)]


def ledger_totals(items: list[dict[str, Any]]) -> LedgerTotals:
    """Sum the ledger table's posting lines per currency and side."""
    debits: dict[str, int] = defaultdict(int)
    credits: dict[str, int] = defaultdict(int)
    funds: dict[str, int] = defaultdict(int)
    markers = batches = batched = 0
    for item in items:
        kind = item.get("item_type")
        if kind == "posting":
            side = debits if item["side"] == "debit" else credits
            side[item["currency"]] += int(item["amount_minor"])
            if item["account"] == "customer_funds" and item["side"] == "debit":
                funds[item["currency"]] += int(item["amount_minor"])
        elif kind == "payment_marker":
            markers += 1
        elif kind == "settlement_batch":
            batches += 1
            batched += int(item["payment_count"])
    return LedgerTotals(dict(debits), dict(credits), dict(funds), markers, batches, batched)


@dataclass(frozen=True)
class ProcessorFile:
    """The CSV the processor sends for a business date, and what was injected into it."""

    text: str
    rows: int
    injected: frozenset[tuple[str, str]]
    within_tolerance: str | None


def processor_file(
    markers: list[dict[str, Any]],
    business_date: date,
    seed: int,
    amount_tolerance: int,
    date_window_days: int,
) -> ProcessorFile:
    """The settlement file from the ledger's markers of ``business_date``, with three injected
    discrepancies (a missing payment, an amount beyond tolerance, an unknown line) and one
    difference within tolerance that must not be reported. With fewer than three posted
    payments (a broken run) the file lists them as posted and nothing is injected."""
    posted = sorted(
        (m for m in markers if m.get("posting_date") == business_date.isoformat()),
        key=lambda marker: marker["payment_id"],
    )
    out = io.StringIO()
    if len(posted) < 3:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for number, marker in enumerate(posted, start=1):
            writer.writerow([*(marker[c] for c in COLUMNS[:4]), business_date, f"PRC{number:08d}"])
        return ProcessorFile(out.getvalue(), len(posted), frozenset(), None)
    missing, mismatch, tolerated = random.Random(seed).sample(posted, 3)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    within = None
    for number, marker in enumerate(posted, start=1):
        if marker is missing:
            continue
        amount, settled = int(marker["amount_minor"]), business_date
        if marker is mismatch:
            amount += amount_tolerance + 1
        if marker is tolerated and (amount_tolerance or date_window_days):
            amount += amount_tolerance
            settled += timedelta(days=date_window_days)
            within = str(marker["payment_id"])
        writer.writerow(
            [
                marker["payment_id"],
                marker["merchant_id"],
                amount,
                marker["currency"],
                settled,
                f"PRC{number:08d}",
            ]
        )
    extra = str(uuid.uuid5(EXTRA_NAMESPACE, f"{business_date}:{seed}"))
    writer.writerow([extra, posted[0]["merchant_id"], 4242, "EUR", business_date, "PRC99999999"])
    injected = frozenset(
        {
            ("missing_at_processor", str(missing["payment_id"])),
            ("amount_mismatch", str(mismatch["payment_id"])),
            ("missing_in_ledger", extra),
        }
    )
    return ProcessorFile(out.getvalue(), len(posted), injected, within)


def payment_outcome(item: dict[str, Any]) -> str:
    """A stored payment's outcome in the workload's vocabulary."""
    status = item.get("status")
    if status in ("AUTHORIZED", "SETTLED"):
        return REVIEW if item.get("review_required") else APPROVED
    if status == "DECLINED":
        return declined(str(item["decision_reason"]))
    return f"stuck:{status}"
