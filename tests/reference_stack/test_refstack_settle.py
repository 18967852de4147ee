"""Settle: authorized payments batched per merchant and currency, marked settled once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from reference_stack.functions.common import dynamo
from reference_stack.functions.settle import app
from reference_stack.functions.settle.batching import MAX_PAYMENTS_PER_BATCH, plan_batches

RUN_AT = datetime(2024, 5, 14, 22, 0, tzinfo=UTC)


@pytest.fixture
def authorized(stack):
    """Store an authorized, unsettled payment directly (as authorize leaves it)."""
    client = boto3.client("dynamodb", region_name="eu-west-1")

    def put(merchant_id: str, currency: str, amount_minor: int, **extra: Any) -> str:
        payment_id = str(uuid.uuid4())
        item = {
            "payment_id": payment_id,
            "merchant_id": merchant_id,
            "currency": currency,
            "amount_minor": amount_minor,
            "status": "AUTHORIZED",
            "settle_pending": "PENDING",
            "decided_at": "2024-05-14T12:00:00.000000Z",
            "card_token": "tok_" + "c" * 64,
            "created_at": "2024-05-14T11:59:58.000000Z",
            **extra,
        }
        client.put_item(TableName=stack.payments_table, Item=dynamo.to_item(item))
        return payment_id

    return put


@pytest.fixture
def run(bus_event, lambda_context):
    def invoke(at: datetime = RUN_AT) -> dict[str, Any]:
        event = bus_event("Scheduled Event", "aws.events", {}, at)
        return app.handler(event, lambda_context)

    return invoke


def test_payments_are_batched_per_merchant_and_currency(stack, authorized, run):
    authorized("m_a", "EUR", 1000)
    authorized("m_a", "EUR", 250)
    authorized("m_a", "USD", 700)
    authorized("m_b", "EUR", 5)

    assert run() == {"batches": 3, "payments": 4, "skipped_batches": 0}

    batches = {
        (b["merchant_id"]["S"], b["currency"]["S"]): int(b["total_minor"]["N"])
        for b in stack.items(stack.ledger_table)
        if b["item_type"]["S"] == "settlement_batch"
    }
    assert batches == {("m_a", "EUR"): 1250, ("m_a", "USD"): 700, ("m_b", "EUR"): 5}
    for payment in stack.items(stack.payments_table):
        assert payment["status"] == {"S": "SETTLED"}
        assert "settle_pending" not in payment
        assert "batch_id" in payment


def test_second_run_finds_nothing_to_settle(stack, authorized, run):
    authorized("m_a", "EUR", 1000)
    run()

    assert run() == {"batches": 0, "payments": 0, "skipped_batches": 0}


def test_payments_decided_after_the_run_wait_for_the_next_one(stack, authorized, run):
    authorized("m_a", "EUR", 1000, decided_at="2024-05-14T22:00:01.000000Z")

    assert run()["payments"] == 0


def test_batch_is_skipped_when_a_payment_changed_meanwhile(stack, authorized, run):
    authorized("m_a", "EUR", 1000)
    authorized("m_a", "EUR", 2000, status="DECLINED")

    assert run() == {"batches": 0, "payments": 0, "skipped_batches": 1}
    assert stack.items(stack.ledger_table) == []


def test_large_groups_are_split_to_fit_one_transaction():
    pending = [
        {"payment_id": f"p{i:04d}", "merchant_id": "m", "currency": "EUR", "amount_minor": 1}
        for i in range(MAX_PAYMENTS_PER_BATCH * 2 + 1)
    ]

    batches = plan_batches(pending)

    assert [len(b.payment_ids) for b in batches] == [99, 99, 1]
    assert sum(b.total_minor for b in batches) == len(pending)
    assert plan_batches(reversed(pending)) == batches
