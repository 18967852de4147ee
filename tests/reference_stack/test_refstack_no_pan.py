"""No card number anywhere: tables, buckets, events and logs after a full pipeline run.

Payments for every test card go through intake, fraud, authorize, ledger, notifier, settle
and reconcile (events are handed from one handler to the next as EventBridge would). Then
every stored item, object, published event and captured log line is searched for each full
PAN. Debug logging and Powertools' event logging are switched on to make a leak visible.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from reference_stack.functions.authorize import app as authorize
from reference_stack.functions.fraud import app as fraud
from reference_stack.functions.intake import app as intake
from reference_stack.functions.ledger import app as ledger
from reference_stack.functions.notifier import app as notifier
from reference_stack.functions.reconcile import app as reconcile
from reference_stack.functions.settle import app as settle

TEST_PANS = ["4111111111111111", "5555555555554444", "378282246310005", "4111111111111112"]
HANDLER_MODULES = [authorize, fraud, intake, ledger, notifier, reconcile, settle]
CONSUMERS = {
    "payment.initiated": fraud.handler,
    "payment.screened": authorize.handler,
    "payment.authorized": ledger.handler,
    "payment.declined": notifier.handler,
    "reconciliation.discrepancy": notifier.handler,
}


def _route(stack, as_delivered, context, published: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Deliver events to their consumers until none are left; returns all events seen."""
    seen: list[dict[str, Any]] = []
    queue = list(published)
    while queue:
        event = queue.pop(0)
        seen.append(event)
        CONSUMERS[event["detail-type"]](as_delivered(event), context)
        queue.extend(stack.published())
    return seen


@pytest.fixture
def full_run(
    capsys,
    caplog,
    stack,
    api_event,
    payment_body,
    bus_event,
    as_delivered,
    lambda_context,
    monkeypatch,
) -> tuple[list[dict[str, Any]], str]:
    """Run every handler; returns the events seen and everything that was logged."""
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    json_lines = io.StringIO()
    for module in HANDLER_MODULES:
        # Powertools bound its handler to the stdout of import time; point it at a buffer to
        # read the JSON lines exactly as CloudWatch would receive them.
        handler = module.logger.registered_handler
        monkeypatch.setattr(handler, "stream", json_lines)
    seen: list[dict[str, Any]] = []
    for number, pan in enumerate(TEST_PANS):
        body = payment_body(card={"pan": pan, "expiry": "12/27"}, amount_minor=1000 + number)
        response = intake.handler(
            api_event(body, idempotency_key=f"leak-test-{number:04d}"), lambda_context
        )
        assert response["statusCode"] == 201
        seen += _route(stack, as_delivered, lambda_context, stack.published())

    bad = payment_body(card={"pan": TEST_PANS[0], "expiry": "99/99"})
    assert (
        intake.handler(api_event(bad, idempotency_key="leak-test-bad"), lambda_context)[
            "statusCode"
        ]
        == 400
    )

    night = datetime(2024, 5, 14, 22, 0, tzinfo=UTC)
    settle.handler(bus_event("Scheduled Event", "aws.events", {}, night), lambda_context)
    boto3.client("s3", region_name="eu-west-1").put_object(
        Bucket=stack.settlement_bucket,
        Key="incoming/2024-05-14.csv",
        Body=b"payment_id,merchant_id,amount_minor,currency,settled_date,processor_reference\n",
    )
    morning = datetime(2024, 5, 15, 6, 0, tzinfo=UTC)
    reconcile.handler(bus_event("Scheduled Event", "aws.events", {}, morning), lambda_context)
    seen += _route(stack, as_delivered, lambda_context, stack.published())
    captured = capsys.readouterr()
    return seen, json_lines.getvalue() + captured.out + captured.err + caplog.text


def test_no_pan_in_any_table_bucket_event_or_log(stack, full_run):
    published, logs = full_run
    kinds = {event["detail-type"] for event in published}
    assert kinds == {
        "payment.initiated",
        "payment.screened",
        "payment.authorized",
        "payment.declined",
        "reconciliation.discrepancy",
    }
    tables = [stack.payments_table, stack.ledger_table, stack.idempotency_table]
    stored = json.dumps([stack.items(table) for table in tables])
    objects = b"".join(
        body
        for bucket in (stack.settlement_bucket, stack.evidence_bucket)
        for body in stack.objects(bucket).values()
    ).decode()
    events = json.dumps(published) + json.dumps(stack.notifications())

    # The searched texts do hold the pipeline's data (so an empty capture cannot pass).
    assert "PENDING_SCREENING" in stored
    assert '"message":"accepted payment' in logs
    for pan in TEST_PANS:
        assert pan not in stored
        assert pan not in objects
        assert pan not in events
        assert pan not in logs
