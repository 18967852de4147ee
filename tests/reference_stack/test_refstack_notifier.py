"""Notifier: declines and discrepancies forwarded to SNS with an event-type attribute."""

from __future__ import annotations

import json

import pytest

from reference_stack.functions.notifier import app

DECLINED = {
    "payment_id": "00000000-0000-4000-8000-000000000001",
    "merchant_id": "merchant_001",
    "amount_minor": 1250,
    "currency": "EUR",
    "response_code": "54",
    "reason": "expired_card",
    "declined_at": "2024-05-14T12:00:03Z",
}


def test_decline_is_forwarded_to_the_topic(stack, bus_event, lambda_context):
    event = bus_event("payment.declined", "ledgerguard.authorize", DECLINED)

    result = app.handler(event, lambda_context)

    (envelope,) = stack.notifications()
    assert result == {"message_id": envelope["MessageId"]}
    assert envelope["Subject"] == "payment.declined"
    assert envelope["MessageAttributes"]["event_type"]["Value"] == "payment.declined"
    assert json.loads(envelope["Message"]) == DECLINED


def test_discrepancy_is_forwarded_to_the_topic(stack, bus_event, lambda_context):
    detail = {
        "business_date": "2024-05-14",
        "kind": "missing_at_processor",
        "payment_id": "00000000-0000-4000-8000-000000000004",
        "report_key": "reconciliation/2024-05-14/report.json",
        "detected_at": "2024-05-15T06:00:00Z",
    }
    event = bus_event("reconciliation.discrepancy", "ledgerguard.reconcile", detail)

    app.handler(event, lambda_context)

    (envelope,) = stack.notifications()
    assert json.loads(envelope["Message"])["kind"] == "missing_at_processor"


def test_other_event_types_are_refused(stack, bus_event, lambda_context):
    event = bus_event("payment.authorized", "ledgerguard.authorize", DECLINED)

    with pytest.raises(Exception, match="detail-type"):
        app.handler(event, lambda_context)
    assert stack.notifications() == []
