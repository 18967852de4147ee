"""Reconcile: processor file vs. ledger with tolerances, report and discrepancy events."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from reference_stack.functions.common import dynamo
from reference_stack.functions.reconcile import app
from reference_stack.functions.reconcile.matching import (
    LedgerEntry,
    ProcessorFileError,
    Tolerances,
    match,
    parse_rows,
)

BUSINESS_DATE = "2024-05-14"
RUN_AT = datetime(2024, 5, 15, 6, 0, tzinfo=UTC)
HEADER = "payment_id,merchant_id,amount_minor,currency,settled_date,processor_reference\n"


def _id(number: int) -> str:
    return f"00000000-0000-4000-8000-{number:012d}"


@pytest.fixture
def posted(stack):
    """Store a ledger marker item as the ledger function writes it."""
    client = boto3.client("dynamodb", region_name="eu-west-1")

    def put(number: int, amount_minor: int, currency: str = "EUR", day: str = BUSINESS_DATE):
        item = {
            "pk": f"PAYMENT#{_id(number)}",
            "sk": "MARKER",
            "item_type": "payment_marker",
            "payment_id": _id(number),
            "merchant_id": "merchant_001",
            "amount_minor": amount_minor,
            "fee_minor": 0,
            "currency": currency,
            "posting_date": day,
            "posted_at": f"{day}T12:00:00.000000Z",
        }
        client.put_item(TableName=stack.ledger_table, Item=dynamo.to_item(item))

    return put


@pytest.fixture
def settlement_file(stack):
    def put(rows: list[str], business_date: str = BUSINESS_DATE) -> None:
        boto3.client("s3", region_name="eu-west-1").put_object(
            Bucket=stack.settlement_bucket,
            Key=f"incoming/{business_date}.csv",
            Body=(HEADER + "".join(row + "\n" for row in rows)).encode(),
        )

    return put


@pytest.fixture
def run(bus_event, lambda_context):
    def invoke(detail: dict[str, Any] | None = None) -> dict[str, Any]:
        event = bus_event("Scheduled Event", "aws.events", detail or {}, RUN_AT)
        return app.handler(event, lambda_context)

    return invoke


def test_each_kind_of_difference_is_reported_and_published(
    stack, posted, settlement_file, run, monkeypatch, assert_valid_events
):
    monkeypatch.setenv("RECON_AMOUNT_TOLERANCE_MINOR", "2")
    posted(1, 1000)
    posted(2, 2000)
    posted(3, 3000)
    posted(4, 4000)
    posted(5, 5000, currency="USD")
    posted(6, 6000, day="2024-05-13")
    settlement_file(
        [
            f"{_id(1)},merchant_001,1000,EUR,2024-05-14,PR-1",
            f"{_id(2)},merchant_001,2002,EUR,2024-05-14,PR-2",
            f"{_id(3)},merchant_001,3100,EUR,2024-05-14,PR-3",
            f"{_id(5)},merchant_001,5000,EUR,2024-05-14,PR-5",
            f"{_id(6)},merchant_001,6000,EUR,2024-05-14,PR-6",
            f"{_id(9)},merchant_001,900,EUR,2024-05-14,PR-9",
            f"{_id(1)},merchant_001,1000,EUR,2024-05-14,PR-1",
            f"{_id(7)},merchant_001,12.50,EUR,2024-05-14,PR-7",
        ]
    )

    result = run()

    assert result == {
        "report_key": "reconciliation/2024-05-14/report.json",
        "matched": 3,
        "discrepancies": 6,
    }
    report = json.loads(stack.objects(stack.evidence_bucket)[result["report_key"]])
    kinds = [(d["kind"], d["payment_id"]) for d in report["discrepancies"]]
    assert kinds == [
        ("invalid_row", None),
        ("amount_mismatch", _id(3)),
        ("currency_mismatch", _id(5)),
        ("missing_in_ledger", _id(9)),
        ("duplicate_row", _id(1)),
        ("missing_at_processor", _id(4)),
    ]
    assert report["rows_read"] == 8
    published = stack.published()
    assert [(e["detail"]["kind"], e["detail"]["payment_id"]) for e in published] == kinds
    assert_valid_events(published)


def test_clean_day_reports_no_discrepancies(stack, posted, settlement_file, run):
    posted(1, 1000)
    settlement_file([f"{_id(1)},merchant_001,1000,EUR,2024-05-14,PR-1"])

    assert run()["discrepancies"] == 0
    assert stack.published() == []


def test_business_date_can_be_given_for_a_rerun(stack, posted, settlement_file, run):
    posted(1, 1000, day="2024-05-01")
    settlement_file([f"{_id(1)},merchant_001,1000,EUR,2024-05-01,PR-1"], "2024-05-01")

    result = run({"business_date": "2024-05-01"})

    assert result["report_key"] == "reconciliation/2024-05-01/report.json"
    assert result["matched"] == 1


def test_missing_settlement_file_fails_the_invocation(stack, run):
    with pytest.raises(Exception, match="NoSuchKey"):
        run()
    assert stack.objects(stack.evidence_bucket) == {}


def test_file_without_required_columns_is_refused():
    with pytest.raises(ProcessorFileError, match="amount_minor"):
        parse_rows("payment_id,merchant_id,currency,settled_date,processor_reference\n")


def test_row_outside_the_date_window_does_not_match():
    rows, _ = parse_rows(HEADER + f"{_id(1)},m,1000,EUR,2024-05-17,PR-1\n")
    ledger = {_id(1): LedgerEntry(_id(1), "m", 1000, "EUR", date(2024, 5, 14))}

    findings, matched = match(rows, ledger, date(2024, 5, 14), Tolerances(0, 2))

    assert matched == 0
    assert [f.kind for f in findings] == ["missing_in_ledger"]


def test_report_never_contains_extra_processor_columns(stack, posted, run):
    posted(1, 1000)
    boto3.client("s3", region_name="eu-west-1").put_object(
        Bucket=stack.settlement_bucket,
        Key=f"incoming/{BUSINESS_DATE}.csv",
        Body=(
            "payment_id,merchant_id,amount_minor,currency,settled_date,processor_reference,pan\n"
            f"{_id(1)},merchant_001,1001,EUR,2024-05-14,PR-1,4111111111111111\n"
        ).encode(),
    )

    run()

    report = stack.objects(stack.evidence_bucket)["reconciliation/2024-05-14/report.json"]
    assert b"4111111111111111" not in report
    assert "4111111111111111" not in json.dumps(stack.published())
