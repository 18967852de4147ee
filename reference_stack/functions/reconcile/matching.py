"""Matching processor settlement rows to ledger entries, with tolerances (pure, no AWS calls).

The processor's file for business date D is assumed to list the payments the ledger posted on
D; a row may carry a settlement date up to ``date_window_days`` away from the posting date
(cut-off and time-zone differences). Rows are matched by payment id. Each difference becomes a
``Finding``: no ledger entry within the window, a ledger entry of D absent from the file, an
amount outside the tolerance, a different currency, an unreadable row, or a repeated row.
Findings carry ids and amounts only, never row text, since a processor file may hold card data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

REQUIRED_COLUMNS = (
    "payment_id",
    "merchant_id",
    "amount_minor",
    "currency",
    "settled_date",
    "processor_reference",
)


class ProcessorFileError(ValueError):
    """The settlement file lacks required columns and cannot be reconciled at all."""


class ProcessorRow(BaseModel):
    """One settled payment as the processor reports it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    payment_id: Annotated[str, Field(min_length=1, max_length=64)]
    merchant_id: Annotated[str, Field(min_length=1, max_length=64)]
    amount_minor: int
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    settled_date: date
    processor_reference: Annotated[str, Field(max_length=64)]


@dataclass(frozen=True)
class LedgerEntry:
    """A posted payment, from the ledger's marker item."""

    payment_id: str
    merchant_id: str
    amount_minor: int
    currency: str
    posting_date: date


@dataclass(frozen=True)
class Tolerances:
    """How far a processor row may differ from the ledger and still match."""

    amount_minor: int
    date_window_days: int


@dataclass(frozen=True)
class Finding:
    """One discrepancy; the fields that do not apply to its kind are ``None``."""

    kind: str
    payment_id: str | None = None
    merchant_id: str | None = None
    currency: str | None = None
    ledger_amount_minor: int | None = None
    processor_amount_minor: int | None = None
    processor_reference: str | None = None
    row_number: int | None = None


def parse_rows(text: str) -> tuple[list[tuple[int, ProcessorRow]], list[Finding]]:
    """Readable rows with their 1-based data row numbers, and findings for unreadable ones."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise ProcessorFileError(f"settlement file lacks columns {missing}")

    rows: list[tuple[int, ProcessorRow]] = []
    findings: list[Finding] = []
    for number, raw in enumerate(reader, start=1):
        try:
            rows.append((number, ProcessorRow.model_validate(raw)))
        except ValidationError:
            findings.append(Finding(kind="invalid_row", row_number=number))
    return rows, findings


def match(
    rows: Sequence[tuple[int, ProcessorRow]],
    ledger: Mapping[str, LedgerEntry],
    business_date: date,
    tolerances: Tolerances,
) -> tuple[list[Finding], int]:
    """Findings for every difference, and the number of rows that matched."""
    findings: list[Finding] = []
    seen: set[str] = set()
    matched = 0
    for number, row in rows:
        if row.payment_id in seen:
            findings.append(_row_finding("duplicate_row", number, row, None))
            continue
        seen.add(row.payment_id)
        kind = _compare(row, ledger.get(row.payment_id), tolerances)
        if kind is None:
            matched += 1
        else:
            findings.append(_row_finding(kind, number, row, ledger.get(row.payment_id)))

    for payment_id in sorted(ledger):
        entry = ledger[payment_id]
        if entry.posting_date == business_date and payment_id not in seen:
            findings.append(
                Finding(
                    kind="missing_at_processor",
                    payment_id=payment_id,
                    merchant_id=entry.merchant_id,
                    currency=entry.currency,
                    ledger_amount_minor=entry.amount_minor,
                )
            )
    return findings, matched


def _compare(row: ProcessorRow, entry: LedgerEntry | None, tolerances: Tolerances) -> str | None:
    """The kind of discrepancy between a row and its ledger entry, or None if they match."""
    if entry is None:
        return "missing_in_ledger"
    if abs((entry.posting_date - row.settled_date).days) > tolerances.date_window_days:
        return "missing_in_ledger"
    if entry.currency != row.currency:
        return "currency_mismatch"
    if abs(entry.amount_minor - row.amount_minor) > tolerances.amount_minor:
        return "amount_mismatch"
    return None


def _row_finding(kind: str, number: int, row: ProcessorRow, entry: LedgerEntry | None) -> Finding:
    """A finding about a processor row, with the ledger amount when there is an entry."""
    return Finding(
        kind=kind,
        payment_id=row.payment_id,
        merchant_id=row.merchant_id,
        currency=row.currency,
        ledger_amount_minor=entry.amount_minor if entry is not None else None,
        processor_amount_minor=row.amount_minor,
        processor_reference=row.processor_reference,
        row_number=number,
    )
