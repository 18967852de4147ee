"""Vocabulary of the ``payments`` and ``ledger`` tables shared by the handlers that use them.

Keeping status names and index names in one module means a rename cannot leave one handler
writing a status another never reads. Index names match ``terraform/data.tf``.
"""

from __future__ import annotations

STATUS_PENDING_SCREENING = "PENDING_SCREENING"
STATUS_AUTHORIZED = "AUTHORIZED"
STATUS_DECLINED = "DECLINED"
STATUS_SETTLED = "SETTLED"
FINAL_AUTHORIZATION_STATUSES = frozenset({STATUS_AUTHORIZED, STATUS_DECLINED, STATUS_SETTLED})

# Sparse attribute set on authorized, not yet settled payments; the settlement index is keyed
# on it so that settle reads only the payments it still has to batch.
SETTLE_PENDING = "PENDING"

PAYMENTS_BY_CARD_TOKEN_INDEX = "by_card_token"
PAYMENTS_BY_SETTLEMENT_INDEX = "by_settlement"
LEDGER_BY_POSTING_DATE_INDEX = "by_posting_date"


def ledger_payment_pk(payment_id: str) -> str:
    """Partition key of a payment's postings and its marker item in the ledger table."""
    return f"PAYMENT#{payment_id}"


LEDGER_MARKER_SK = "MARKER"
LEDGER_BATCH_SK = "BATCH"


def ledger_batch_pk(batch_id: str) -> str:
    """Partition key of a settlement batch record in the ledger table."""
    return f"BATCH#{batch_id}"
