"""Typed access to the environment variables Terraform sets on each function.

Values are read on every call rather than at import time, so tests can change them with
``monkeypatch.setenv`` and a missing variable fails the invocation that needs it, with its name.
"""

from __future__ import annotations

import os


class ConfigurationError(RuntimeError):
    """Raised when a required environment variable is missing or malformed."""


def setting(name: str) -> str:
    """Return the value of a required environment variable."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set")
    return value


def int_setting(name: str, default: int) -> int:
    """Return an integer environment variable, or ``default`` when it is unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"environment variable {name} must be an integer") from exc


# Names of the variables, kept here so Terraform (functions.tf) and code agree in one place.
PAYMENTS_TABLE = "PAYMENTS_TABLE"
LEDGER_TABLE = "LEDGER_TABLE"
IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
EVENT_BUS_NAME = "EVENT_BUS_NAME"
TOKENIZATION_SECRET_ARN = "TOKENIZATION_SECRET_ARN"
API_SIGNING_SECRET_ARN = "API_SIGNING_SECRET_ARN"
JWT_ISSUER = "JWT_ISSUER"
JWT_AUDIENCE = "JWT_AUDIENCE"
SETTLEMENT_BUCKET = "SETTLEMENT_BUCKET"
EVIDENCE_BUCKET = "EVIDENCE_BUCKET"
NOTIFICATIONS_TOPIC_ARN = "NOTIFICATIONS_TOPIC_ARN"
CARD_LIMIT_MAJOR = "CARD_LIMIT_MAJOR"
VELOCITY_MAX_PAYMENTS = "VELOCITY_MAX_PAYMENTS"
VELOCITY_WINDOW_SECONDS = "VELOCITY_WINDOW_SECONDS"
FEE_BPS = "FEE_BPS"
RECON_AMOUNT_TOLERANCE_MINOR = "RECON_AMOUNT_TOLERANCE_MINOR"
RECON_DATE_WINDOW_DAYS = "RECON_DATE_WINDOW_DAYS"
