"""Authorize: the issuer simulator's rules, the stored decision and the outcome events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reference_stack.functions.authorize import app
from reference_stack.functions.authorize.issuer import is_expired
from reference_stack.functions.intake import app as intake

RECEIVED = datetime(2024, 5, 14, 12, 0, tzinfo=UTC)


@pytest.fixture
def accept(stack, api_event, payment_body, lambda_context):
    """Take a payment through intake; returns its ``payment.initiated`` detail."""
    counter = iter(range(1000))

    def run(received_at: datetime = RECEIVED, **overrides: Any) -> dict[str, Any]:
        key = f"authorize-test-{next(counter):04d}"
        event = api_event(payment_body(**overrides), idempotency_key=key, received_at=received_at)
        response = intake.handler(event, lambda_context)
        assert response["statusCode"] == 201, response["body"]
        (published,) = stack.published()
        return published["detail"]

    return run


@pytest.fixture
def screen(bus_event, lambda_context):
    """Deliver ``payment.screened`` for an initiated payment with a given fraud decision."""

    def run(initiated: dict[str, Any], decision: str = "approve") -> dict[str, Any]:
        detail = {
            "payment_id": initiated["payment_id"],
            "merchant_id": initiated["merchant_id"],
            "amount_minor": initiated["amount_minor"],
            "currency": initiated["currency"],
            "fraud": {
                "score": 0.9 if decision == "decline" else 0.01,
                "decision": decision,
                "reasons": [],
                "model_version": "fraud-lr-1",
            },
            "screened_at": initiated["created_at"],
        }
        at = datetime.fromisoformat(initiated["created_at"].replace("Z", "+00:00"))
        event = bus_event(
            "payment.screened", "ledgerguard.fraud", detail, at + timedelta(seconds=2)
        )
        return app.handler(event, lambda_context)

    return run


def _payment(stack, payment_id: str) -> dict[str, Any]:
    return next(i for i in stack.items(stack.payments_table) if i["payment_id"]["S"] == payment_id)


def test_good_payment_is_approved_and_queued_for_settlement(
    stack, accept, screen, assert_valid_events
):
    initiated = accept()

    result = screen(initiated)

    assert result == {"payment_id": initiated["payment_id"], "status": "AUTHORIZED"}
    item = _payment(stack, initiated["payment_id"])
    assert item["status"] == {"S": "AUTHORIZED"}
    assert item["response_code"] == {"S": "00"}
    assert item["settle_pending"] == {"S": "PENDING"}
    assert item["fraud_score_ppm"] == {"N": "10000"}
    (published,) = stack.published()
    assert published["detail-type"] == "payment.authorized"
    assert published["detail"]["auth_code"] == item["auth_code"]["S"]
    assert_valid_events([published])


DECLINES = [
    pytest.param(
        {"card": {"pan": "4111111111111112", "expiry": "12/27"}}, "approve", "14", id="luhn-invalid"
    ),
    pytest.param(
        {"card": {"pan": "4111111111111111", "expiry": "04/24"}}, "approve", "54", id="expired"
    ),
    pytest.param({"amount_minor": 500_001}, "approve", "61", id="over-card-limit"),
    pytest.param({}, "decline", "59", id="fraud-decline"),
]


@pytest.mark.parametrize(("overrides", "fraud_decision", "code"), DECLINES)
def test_declines_carry_the_reason_code(
    stack, accept, screen, assert_valid_events, overrides, fraud_decision, code
):
    initiated = accept(**overrides)

    result = screen(initiated, fraud_decision)

    assert result["status"] == "DECLINED"
    item = _payment(stack, initiated["payment_id"])
    assert item["response_code"] == {"S": code}
    assert "settle_pending" not in item
    (published,) = stack.published()
    assert published["detail-type"] == "payment.declined"
    assert published["detail"]["response_code"] == code
    assert_valid_events([published])


def test_card_limit_depends_on_the_currency_exponent(stack, accept, screen):
    # 5,000 major units: JPY has no minor unit, so 5,000 yen is the limit itself.
    within = screen(accept(amount_minor=5_000, currency="JPY"))
    stack.published()
    above = screen(accept(amount_minor=5_001, currency="JPY"))

    assert within["status"] == "AUTHORIZED"
    assert above["status"] == "DECLINED"


def test_velocity_limit_declines_the_sixth_payment_in_ten_minutes(stack, accept, screen):
    statuses = []
    for minute in range(7):
        initiated = accept(received_at=RECEIVED + timedelta(minutes=minute))
        statuses.append(screen(initiated)["status"])
        stack.published()

    assert statuses[:5] == ["AUTHORIZED"] * 5
    assert statuses[5:] == ["DECLINED", "DECLINED"]


def test_velocity_window_slides(stack, accept, screen):
    for minute in range(5):
        screen(accept(received_at=RECEIVED + timedelta(minutes=minute)))
        stack.published()

    later = accept(received_at=RECEIVED + timedelta(minutes=11))

    assert screen(later)["status"] == "AUTHORIZED"


def test_redelivered_event_republishes_the_stored_outcome(stack, accept, screen):
    initiated = accept()
    screen(initiated)
    first = stack.published()
    item_before = _payment(stack, initiated["payment_id"])

    screen(initiated, "decline")

    assert _payment(stack, initiated["payment_id"]) == item_before
    assert [e["detail"] for e in stack.published()] == [e["detail"] for e in first]


def test_unknown_payment_fails_the_invocation(stack, bus_event, lambda_context):
    detail = {
        "payment_id": "00000000-0000-4000-8000-000000000000",
        "merchant_id": "merchant_001",
        "amount_minor": 100,
        "currency": "EUR",
        "fraud": {"score": 0.0, "decision": "approve", "reasons": [], "model_version": "x"},
        "screened_at": "2024-05-14T12:00:00Z",
    }

    with pytest.raises(app.PaymentNotFoundError):
        app.handler(bus_event("payment.screened", "ledgerguard.fraud", detail), lambda_context)
    assert stack.published() == []


@pytest.mark.parametrize(
    ("expiry", "at", "expired"),
    [
        ("2024-05", datetime(2024, 5, 31, 23, 59, tzinfo=UTC), False),
        ("2024-05", datetime(2024, 6, 1, 0, 0, tzinfo=UTC), True),
        ("2025-01", datetime(2024, 12, 31, tzinfo=UTC), False),
    ],
)
def test_cards_are_valid_through_their_expiry_month(expiry, at, expired):
    assert is_expired(expiry, at) is expired


def test_stored_item_round_trips_through_json(stack, accept, screen):
    initiated = accept()
    screen(initiated)

    assert json.loads(json.dumps(_payment(stack, initiated["payment_id"])))
