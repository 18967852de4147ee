"""The issuer's decision rules, as a pure function of what the pipeline knows about a payment.

A real issuer checks the PAN; this pipeline no longer has it, so intake records whether the
number passed the Luhn check and the simulator relies on that, on the expiry month, a
per-payment limit and a velocity count per card token. Response codes follow ISO 8583 field 39.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from reference_stack.functions.common.money import major_to_minor

APPROVED = "00"
INVALID_CARD_NUMBER = "14"
EXPIRED_CARD = "54"
SUSPECTED_FRAUD = "59"
EXCEEDS_AMOUNT_LIMIT = "61"
EXCEEDS_FREQUENCY_LIMIT = "65"


@dataclass(frozen=True)
class IssuerLimits:
    """Configurable limits: amount per payment (major units) and payments per card window."""

    card_limit_major: int
    velocity_max_payments: int
    velocity_window: timedelta


@dataclass(frozen=True)
class PaymentFacts:
    """What the simulator decides on; ``recent_payments`` includes the payment itself."""

    payment_id: str
    amount_minor: int
    currency: str
    luhn_valid: bool
    card_expiry: str
    created_at: datetime
    fraud_decision: str
    recent_payments: int


@dataclass(frozen=True)
class Decision:
    """The issuer's answer; ``auth_code`` is set only for approvals."""

    approved: bool
    response_code: str
    reason: str
    auth_code: str | None = None


def decide(facts: PaymentFacts, limits: IssuerLimits) -> Decision:
    """Apply the rules in a fixed order; the first failing rule gives the decline reason."""
    if facts.fraud_decision == "decline":
        return Decision(False, SUSPECTED_FRAUD, "suspected_fraud")
    if not facts.luhn_valid:
        return Decision(False, INVALID_CARD_NUMBER, "invalid_card_number")
    if is_expired(facts.card_expiry, facts.created_at):
        return Decision(False, EXPIRED_CARD, "expired_card")
    if facts.amount_minor > major_to_minor(limits.card_limit_major, facts.currency):
        return Decision(False, EXCEEDS_AMOUNT_LIMIT, "exceeds_amount_limit")
    if facts.recent_payments > limits.velocity_max_payments:
        return Decision(False, EXCEEDS_FREQUENCY_LIMIT, "exceeds_frequency_limit")
    return Decision(True, APPROVED, "approved", auth_code(facts.payment_id))


def is_expired(card_expiry: str, at: datetime) -> bool:
    """Whether a card expiring in ``YYYY-MM`` (valid through that month) has expired ``at``."""
    year, month = (int(part) for part in card_expiry.split("-"))
    return (at.year, at.month) > (year, month)


def auth_code(payment_id: str) -> str:
    """A stable six-character approval code derived from the payment id."""
    return hashlib.sha256(payment_id.encode("ascii")).hexdigest()[:6].upper()
