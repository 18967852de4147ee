"""The ``POST /payments`` request body and the translation of its errors into API details.

The card number is a ``SecretStr`` so that it is masked in any repr, log line or traceback;
error details carry the field path and pydantic's message but never the rejected input.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictInt,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from reference_stack.functions.common.money import CURRENCY_EXPONENTS

MAX_AMOUNT_MINOR = 99_999_999_999

IdempotencyKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,128}$")]
_idempotency_key = TypeAdapter(IdempotencyKey)


class Card(BaseModel):
    """Card details as sent by the merchant; only ever held in memory during intake."""

    model_config = ConfigDict(extra="forbid")

    pan: SecretStr
    expiry: Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])/[0-9]{2}$")]

    @field_validator("pan")
    @classmethod
    def _pan_is_12_to_19_digits(cls, value: SecretStr) -> SecretStr:
        digits = value.get_secret_value()
        if not digits.isdigit() or not 12 <= len(digits) <= 19:
            raise ValueError("card number must be 12 to 19 digits")
        return value

    @property
    def expiry_year_month(self) -> str:
        """Expiry as ``YYYY-MM`` (cards expire at the end of that month)."""
        month, year = self.expiry.split("/")
        return f"20{year}-{month}"


class PaymentRequest(BaseModel):
    """A merchant's request to take a card payment."""

    model_config = ConfigDict(extra="forbid")

    merchant_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{3,64}$")]
    amount_minor: Annotated[StrictInt, Field(gt=0, le=MAX_AMOUNT_MINOR)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    mcc: Annotated[str, Field(pattern=r"^[0-9]{4}$")]
    card: Card
    billing_country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    ip_country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None

    @field_validator("currency")
    @classmethod
    def _currency_is_supported(cls, value: str) -> str:
        if value not in CURRENCY_EXPONENTS:
            raise ValueError("currency is not a supported ISO-4217 code")
        return value


def error_details(exc: ValidationError, prefix: str) -> list[dict[str, str]]:
    """API error details for a pydantic error, without the rejected input values."""
    details = []
    for error in exc.errors(include_url=False, include_context=False, include_input=False):
        path = ".".join([prefix, *(str(part) for part in error["loc"])])
        details.append({"field": path, "message": error["msg"]})
    return details


def validate_idempotency_key(value: str | None) -> tuple[str, list[dict[str, str]]]:
    """Check the ``Idempotency-Key`` header; returns the key and any error details."""
    field = "header.idempotency-key"
    if value is None:
        return "", [{"field": field, "message": "Field required"}]
    try:
        return _idempotency_key.validate_python(value), []
    except ValidationError as exc:
        return "", error_details(exc, field)


def validate_body(body: str) -> tuple[PaymentRequest | None, list[dict[str, str]]]:
    """Parse and validate the JSON body; returns the request or the error details."""
    try:
        return PaymentRequest.model_validate_json(body), []
    except ValidationError as exc:
        return None, error_details(exc, "body")
