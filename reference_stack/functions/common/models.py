"""Pydantic models of the domain events on the ``payments`` bus.

Each ``detail`` model mirrors a JSON schema in ``reference_stack/events/``; the tests validate
every emitted event against those schemas, so a field added here must be added there too.
No model has a field that could hold a card number: cards appear only as token, BIN, last four.
``extra="forbid"`` makes a consumer reject a detail carrying anything else.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, StrictInt

PaymentId = Annotated[
    str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
MerchantId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{3,64}$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
AmountMinor = Annotated[StrictInt, Field(gt=0)]
CardToken = Annotated[str, Field(pattern=r"^tok_[0-9a-f]{64}$")]

FraudDecision = Literal["approve", "review", "decline"]
DiscrepancyKind = Literal[
    "missing_in_ledger",
    "missing_at_processor",
    "amount_mismatch",
    "currency_mismatch",
    "invalid_row",
    "duplicate_row",
]


class _Detail(BaseModel):
    """Base of every event detail: immutable and closed to unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CardSummary(_Detail):
    """The card as the pipeline knows it after intake."""

    token: CardToken
    bin: Annotated[str, Field(pattern=r"^[0-9]{6}$")]
    last4: Annotated[str, Field(pattern=r"^[0-9]{4}$")]


class PaymentInitiated(_Detail):
    """``payment.initiated``: intake accepted and stored a payment."""

    payment_id: PaymentId
    merchant_id: MerchantId
    amount_minor: AmountMinor
    currency: Currency
    card: CardSummary
    luhn_valid: bool
    mcc: Annotated[str, Field(pattern=r"^[0-9]{4}$")]
    billing_country: Country | None = None
    ip_country: Country | None = None
    created_at: datetime


class FraudAssessment(_Detail):
    """The fraud model's verdict on one payment."""

    score: Annotated[float, Field(ge=0.0, le=1.0)]
    decision: FraudDecision
    reasons: Annotated[list[str], Field(max_length=3)]
    model_version: str


class PaymentScreened(_Detail):
    """``payment.screened``: the fraud model scored a payment."""

    payment_id: PaymentId
    merchant_id: MerchantId
    amount_minor: AmountMinor
    currency: Currency
    fraud: FraudAssessment
    screened_at: datetime


class PaymentAuthorized(_Detail):
    """``payment.authorized``: the issuer approved a payment."""

    payment_id: PaymentId
    merchant_id: MerchantId
    amount_minor: AmountMinor
    currency: Currency
    card_token: CardToken
    auth_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{6}$")]
    response_code: Literal["00"]
    review_required: bool
    authorized_at: datetime


class PaymentDeclined(_Detail):
    """``payment.declined``: the issuer or the fraud model refused a payment."""

    payment_id: PaymentId
    merchant_id: MerchantId
    amount_minor: AmountMinor
    currency: Currency
    response_code: Annotated[str, Field(pattern=r"^[0-9]{2}$")]
    reason: str
    declined_at: datetime


class ReconciliationDiscrepancy(_Detail):
    """``reconciliation.discrepancy``: one difference between ledger and processor file."""

    business_date: date
    kind: DiscrepancyKind
    payment_id: str | None = None
    merchant_id: str | None = None
    currency: Currency | None = None
    ledger_amount_minor: StrictInt | None = None
    processor_amount_minor: StrictInt | None = None
    processor_reference: str | None = None
    row_number: StrictInt | None = None
    report_key: str
    detected_at: datetime


class PaymentInitiatedEvent(EventBridgeModel):
    """EventBridge envelope around ``PaymentInitiated`` (input of the fraud function)."""

    detail: PaymentInitiated


class PaymentScreenedEvent(EventBridgeModel):
    """EventBridge envelope around ``PaymentScreened`` (input of the authorize function)."""

    detail: PaymentScreened


class PaymentAuthorizedEvent(EventBridgeModel):
    """EventBridge envelope around ``PaymentAuthorized`` (input of the ledger function)."""

    detail: PaymentAuthorized


class ScheduledEvent(EventBridgeModel):
    """A schedule rule's event (input of settle and reconcile); only ``time`` is used."""


class NotificationEvent(EventBridgeModel):
    """Events the notifier accepts; the detail is parsed per ``detail-type`` by the handler."""

    detail_type: Literal["payment.declined", "reconciliation.discrepancy"] = Field(
        alias="detail-type"
    )
