"""Ledger handler: post an authorized payment in one DynamoDB transaction, exactly once.

The transaction puts a per-payment marker item, guarded by ``attribute_not_exists``, together
with every posting line. A redelivered ``payment.authorized`` fails the marker's condition, the
whole transaction is cancelled, and the handler reports a duplicate without writing anything.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from reference_stack.functions.common import aws, clock, config, dynamo, payments
from reference_stack.functions.common.models import PaymentAuthorized, PaymentAuthorizedEvent
from reference_stack.functions.ledger.postings import Posting, payment_postings

logger = Logger()
tracer = Tracer()

DEFAULT_FEE_BPS = 150


@logger.inject_lambda_context(clear_state=True, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@event_parser(model=PaymentAuthorizedEvent)
def handler(event: PaymentAuthorizedEvent, context: LambdaContext) -> dict[str, Any]:
    """EventBridge entry point for ``payment.authorized``."""
    payment = event.detail
    fee_bps = config.int_setting(config.FEE_BPS, DEFAULT_FEE_BPS)
    postings, fee = payment_postings(
        payment.merchant_id, payment.amount_minor, payment.currency, fee_bps
    )
    items = ledger_items(payment, postings, fee, clock.iso(event.time))

    if not write_once(config.setting(config.LEDGER_TABLE), items):
        logger.info("payment %s was already posted", payment.payment_id)
        return {"payment_id": payment.payment_id, "posted": False}
    logger.info("posted payment %s (%d lines)", payment.payment_id, len(postings))
    return {"payment_id": payment.payment_id, "posted": True}


def ledger_items(
    payment: PaymentAuthorized, postings: list[Posting], fee_minor: int, posted_at: str
) -> list[dict[str, Any]]:
    """The marker item (first) and one item per posting line."""
    pk = payments.ledger_payment_pk(payment.payment_id)
    marker = {
        "pk": pk,
        "sk": payments.LEDGER_MARKER_SK,
        "item_type": "payment_marker",
        "payment_id": payment.payment_id,
        "merchant_id": payment.merchant_id,
        "amount_minor": payment.amount_minor,
        "fee_minor": fee_minor,
        "currency": payment.currency,
        "posting_date": payment.authorized_at.date().isoformat(),
        "posted_at": posted_at,
    }
    lines = [
        {
            "pk": pk,
            "sk": f"ENTRY#{number:02d}",
            "item_type": "posting",
            "payment_id": payment.payment_id,
            "account": posting.account,
            "side": posting.side,
            "amount_minor": posting.amount_minor,
            "currency": posting.currency,
            "posted_at": posted_at,
        }
        for number, posting in enumerate(postings, start=1)
    ]
    return [marker, *lines]


def write_once(table: str, items: list[dict[str, Any]]) -> bool:
    """Write all items atomically unless the marker (first item) exists; False if it did."""
    marker, *lines = items
    transaction = [
        {
            "Put": {
                "TableName": table,
                "Item": dynamo.to_item(marker),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        *({"Put": {"TableName": table, "Item": dynamo.to_item(line)}} for line in lines),
    ]
    try:
        aws.client("dynamodb").transact_write_items(TransactItems=transaction)
    except ClientError as exc:
        if aws.error_code(exc) == "TransactionCanceledException" and _marker_existed(exc):
            return False
        raise
    return True


def _marker_existed(exc: ClientError) -> bool:
    """Whether a cancelled transaction failed on the marker's condition."""
    reasons = exc.response.get("CancellationReasons", [])
    if reasons:
        return bool(reasons[0].get("Code") == "ConditionalCheckFailed")
    return "ConditionalCheckFailed" in str(exc)
