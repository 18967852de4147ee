"""Reconcile handler: processor settlement file vs. ledger, report to the evidence bucket.

Runs daily on a schedule for the previous business day (or for ``detail.business_date`` when
invoked by hand). Reads ``incoming/<date>.csv`` from the settlement bucket, loads the ledger's
marker items for the date window from the ``by_posting_date`` index, writes the JSON report to
``reconciliation/<date>/report.json`` in the object-locked evidence bucket, then publishes one
``reconciliation.discrepancy`` per finding. A missing file fails the invocation on purpose:
after the retries it lands in the DLQ, whose alarm pages the on-call engineer.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from reference_stack.functions.common import aws, clock, config, dynamo, events, payments
from reference_stack.functions.common.models import ReconciliationDiscrepancy, ScheduledEvent
from reference_stack.functions.reconcile.matching import (
    Finding,
    LedgerEntry,
    Tolerances,
    match,
    parse_rows,
)

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context(clear_state=True, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@event_parser(model=ScheduledEvent)
def handler(event: ScheduledEvent, context: LambdaContext) -> dict[str, Any]:
    """Schedule entry point."""
    business_date = _business_date(event)
    tolerances = Tolerances(
        amount_minor=config.int_setting(config.RECON_AMOUNT_TOLERANCE_MINOR, 0),
        date_window_days=config.int_setting(config.RECON_DATE_WINDOW_DAYS, 1),
    )
    source_key = f"incoming/{business_date.isoformat()}.csv"
    rows, findings = parse_rows(read_settlement_file(source_key))
    ledger = ledger_entries(business_date, tolerances.date_window_days)
    row_findings, matched = match(rows, ledger, business_date, tolerances)
    findings += row_findings

    report_key = f"reconciliation/{business_date.isoformat()}/report.json"
    report = {
        "business_date": business_date.isoformat(),
        "source_key": source_key,
        "generated_at": clock.iso(event.time),
        "tolerances": asdict(tolerances),
        "rows_read": len(rows) + sum(1 for f in findings if f.kind == "invalid_row"),
        "ledger_entries_considered": len(ledger),
        "matched": matched,
        "discrepancies": [asdict(finding) for finding in findings],
    }
    write_report(report_key, report)
    events.publish([discrepancy_event(f, business_date, report_key, event.time) for f in findings])
    logger.info(
        "reconciled %s: %d matched, %d discrepancies", business_date, matched, len(findings)
    )
    return {"report_key": report_key, "matched": matched, "discrepancies": len(findings)}


def read_settlement_file(key: str) -> str:
    """The processor's CSV for one business date."""
    response = aws.client("s3").get_object(Bucket=config.setting(config.SETTLEMENT_BUCKET), Key=key)
    return str(response["Body"].read().decode("utf-8-sig"))


def ledger_entries(business_date: date, window_days: int) -> dict[str, LedgerEntry]:
    """Ledger markers posted within ``window_days`` of ``business_date``, by payment id."""
    entries: dict[str, LedgerEntry] = {}
    for offset in range(-window_days, window_days + 1):
        day = business_date + timedelta(days=offset)
        for item in _markers_posted_on(day):
            entries[item["payment_id"]] = LedgerEntry(
                payment_id=item["payment_id"],
                merchant_id=item["merchant_id"],
                amount_minor=item["amount_minor"],
                currency=item["currency"],
                posting_date=day,
            )
    return entries


def _markers_posted_on(day: date) -> list[dict[str, Any]]:
    """Marker items of one posting date, from the sparse ``by_posting_date`` index."""
    request: dict[str, Any] = {
        "TableName": config.setting(config.LEDGER_TABLE),
        "IndexName": payments.LEDGER_BY_POSTING_DATE_INDEX,
        "KeyConditionExpression": "posting_date = :day",
        "ExpressionAttributeValues": {":day": dynamo.to_value(day.isoformat())},
    }
    items: list[dict[str, Any]] = []
    while True:
        response = aws.client("dynamodb").query(**request)
        items.extend(dynamo.from_item(item) for item in response["Items"])
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def write_report(key: str, report: dict[str, Any]) -> None:
    """Store the report; the bucket's default KMS encryption and object lock apply."""
    aws.client("s3").put_object(
        Bucket=config.setting(config.EVIDENCE_BUCKET),
        Key=key,
        Body=json.dumps(report, indent=2, sort_keys=True).encode("utf-8"),
        ContentType="application/json",
    )


def discrepancy_event(
    finding: Finding, business_date: date, report_key: str, detected_at: datetime
) -> events.DomainEvent:
    """The ``reconciliation.discrepancy`` event for one finding."""
    detail = ReconciliationDiscrepancy(
        business_date=business_date,
        report_key=report_key,
        detected_at=detected_at,
        **asdict(finding),
    )
    return events.DomainEvent(events.SOURCE_RECONCILE, events.RECONCILIATION_DISCREPANCY, detail)


def _business_date(event: ScheduledEvent) -> date:
    """The day to reconcile: ``detail.business_date`` if given, else the day before the event."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    requested = detail.get("business_date")
    if isinstance(requested, str):
        return date.fromisoformat(requested)
    return (event.time - timedelta(days=1)).date()
