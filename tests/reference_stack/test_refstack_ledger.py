"""Ledger: balanced double-entry postings, written once per payment, integers only."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import pytest

from reference_stack.functions.common.money import percentage_fee
from reference_stack.functions.ledger import app
from reference_stack.functions.ledger.postings import (
    LedgerImbalanceError,
    Posting,
    assert_balanced,
    payment_postings,
)


@pytest.fixture
def post(bus_event, lambda_context):
    """Deliver ``payment.authorized`` for a payment of the given amount and currency."""

    def run(amount_minor: int, currency: str, payment_id: str | None = None) -> dict[str, Any]:
        detail = {
            "payment_id": payment_id or str(uuid.uuid4()),
            "merchant_id": "merchant_001",
            "amount_minor": amount_minor,
            "currency": currency,
            "card_token": "tok_" + "b" * 64,
            "auth_code": "A1B2C3",
            "response_code": "00",
            "review_required": False,
            "authorized_at": "2024-05-14T12:00:03Z",
        }
        event = bus_event("payment.authorized", "ledgerguard.authorize", detail)
        return app.handler(event, lambda_context)

    return run


def _lines(stack) -> list[dict[str, Any]]:
    return [i for i in stack.items(stack.ledger_table) if i["item_type"]["S"] == "posting"]


def test_payment_is_posted_as_marker_and_four_lines(stack, post):
    payment_id = str(uuid.uuid4())

    assert post(10_000, "EUR", payment_id) == {"payment_id": payment_id, "posted": True}

    items = stack.items(stack.ledger_table)
    marker = next(i for i in items if i["sk"]["S"] == "MARKER")
    assert marker["fee_minor"] == {"N": "150"}
    assert marker["posting_date"] == {"S": "2024-05-14"}
    lines = sorted(
        (i["account"]["S"], i["side"]["S"], int(i["amount_minor"]["N"])) for i in _lines(stack)
    )
    assert lines == [
        ("customer_funds", "debit", 10_000),
        ("fee_revenue", "credit", 150),
        ("merchant_payable:merchant_001", "credit", 10_000),
        ("merchant_payable:merchant_001", "debit", 150),
    ]


def test_redelivered_payment_is_not_posted_twice(stack, post):
    payment_id = str(uuid.uuid4())
    post(10_000, "EUR", payment_id)

    assert post(10_000, "EUR", payment_id) == {"payment_id": payment_id, "posted": False}
    assert len(stack.items(stack.ledger_table)) == 5


def test_ledger_balances_per_currency(stack, post):
    for amount, currency in [(1250, "EUR"), (999, "USD"), (5000, "JPY"), (1234, "KWD"), (7, "EUR")]:
        post(amount, currency)

    net: dict[str, int] = defaultdict(int)
    for line in _lines(stack):
        amount = int(line["amount_minor"]["N"])
        net[line["currency"]["S"]] += amount if line["side"]["S"] == "debit" else -amount

    assert dict(net) == {"EUR": 0, "USD": 0, "JPY": 0, "KWD": 0}
    assert all("." not in line["amount_minor"]["N"] for line in _lines(stack))


def test_zero_fee_rate_posts_only_the_payment_lines(stack, post, monkeypatch):
    monkeypatch.setenv("FEE_BPS", "0")

    post(10_000, "EUR")

    assert len(_lines(stack)) == 2


def test_unbalanced_postings_are_refused():
    postings = [
        Posting("customer_funds", "debit", 100, "EUR"),
        Posting("merchant_payable:m", "credit", 100, "USD"),
    ]

    with pytest.raises(LedgerImbalanceError, match="do not balance"):
        assert_balanced(postings)


def test_float_amounts_are_refused():
    postings = [
        Posting("customer_funds", "debit", 1.5, "EUR"),  # type: ignore[arg-type]
        Posting("merchant_payable:m", "credit", 1.5, "EUR"),  # type: ignore[arg-type]
    ]

    with pytest.raises(LedgerImbalanceError, match="invalid amount"):
        assert_balanced(postings)


@pytest.mark.parametrize(
    ("amount", "bps", "fee"),
    [(10_000, 150, 150), (999, 150, 15), (3, 5000, 2), (1, 4999, 0), (10**15, 150, 15 * 10**12)],
)
def test_fees_round_half_up_in_integers(amount, bps, fee):
    assert percentage_fee(amount, bps) == fee


def test_postings_for_every_amount_balance():
    for amount in range(1, 2_000, 7):
        postings, fee = payment_postings("m", amount, "EUR", 290)
        assert_balanced(postings)
        assert 0 <= fee <= amount
