"""Double-entry postings for one authorized payment, balanced per currency by construction.

For a payment of A with fee F (both in the payment currency's minor units):

    debit  customer_funds             A     (funds owed to us by the card scheme)
    credit merchant_payable:<id>      A     (owed to the merchant)
    debit  merchant_payable:<id>      F     (fee withheld from the merchant)
    credit fee_revenue                F

Amounts are ``int`` only. ``assert_balanced`` is checked before anything is written, so an
unbalanced set of postings can never reach the table, whatever the fee rule becomes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from reference_stack.functions.common.money import percentage_fee

Side = Literal["debit", "credit"]
DEBIT: Side = "debit"
CREDIT: Side = "credit"

CUSTOMER_FUNDS = "customer_funds"
FEE_REVENUE = "fee_revenue"


class LedgerImbalanceError(ValueError):
    """Postings whose debits and credits differ in at least one currency."""


@dataclass(frozen=True)
class Posting:
    """One ledger line."""

    account: str
    side: Side
    amount_minor: int
    currency: str


def merchant_payable(merchant_id: str) -> str:
    """The liability account holding what is owed to one merchant."""
    return f"merchant_payable:{merchant_id}"


def payment_postings(
    merchant_id: str, amount_minor: int, currency: str, fee_bps: int
) -> tuple[list[Posting], int]:
    """The postings for an authorized payment, and the fee they withhold."""
    fee = percentage_fee(amount_minor, fee_bps)
    if fee > amount_minor:
        raise ValueError("fee exceeds the payment amount")

    payable = merchant_payable(merchant_id)
    postings = [
        Posting(CUSTOMER_FUNDS, DEBIT, amount_minor, currency),
        Posting(payable, CREDIT, amount_minor, currency),
    ]
    if fee:
        postings += [
            Posting(payable, DEBIT, fee, currency),
            Posting(FEE_REVENUE, CREDIT, fee, currency),
        ]
    assert_balanced(postings)
    return postings, fee


def net_by_currency(postings: Iterable[Posting]) -> dict[str, int]:
    """Debits minus credits per currency; zero everywhere for a balanced set."""
    net: dict[str, int] = defaultdict(int)
    for posting in postings:
        net[posting.currency] += (
            posting.amount_minor if posting.side == DEBIT else -posting.amount_minor
        )
    return dict(net)


def assert_balanced(postings: Iterable[Posting]) -> None:
    """Raise unless every amount is a positive int and each currency nets to zero."""
    postings = list(postings)
    for posting in postings:
        if type(posting.amount_minor) is not int or posting.amount_minor <= 0:
            raise LedgerImbalanceError(f"invalid amount on account {posting.account}")
        if posting.side not in (DEBIT, CREDIT):
            raise LedgerImbalanceError(f"invalid side on account {posting.account}")
    unbalanced = {currency: net for currency, net in net_by_currency(postings).items() if net}
    if unbalanced:
        raise LedgerImbalanceError(f"postings do not balance: {unbalanced}")
