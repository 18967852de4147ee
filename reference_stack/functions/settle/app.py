"""Settle handler: batch authorized, unsettled payments and mark them settled.

Runs on a schedule (default bus). Reads the sparse ``by_settlement`` index, which holds only
payments with ``settle_pending`` set, and settles each batch in one transaction: the batch
record in the ledger table plus, per payment, a conditional update that sets ``SETTLED`` and
removes ``settle_pending``. A batch whose payments changed meanwhile is skipped and picked up by
the next run; reserved concurrency of one keeps two runs from overlapping.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from reference_stack.functions.common import aws, clock, config, dynamo, payments
from reference_stack.functions.common.models import ScheduledEvent
from reference_stack.functions.settle.batching import Batch, plan_batches

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context(clear_state=True, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@event_parser(model=ScheduledEvent)
def handler(event: ScheduledEvent, context: LambdaContext) -> dict[str, Any]:
    """Schedule entry point: settle everything authorized up to the event's time."""
    batches = plan_batches(pending_payments(event.time))
    settled = [batch for batch in batches if settle_batch(batch, event.time)]
    count = sum(len(batch.payment_ids) for batch in settled)
    logger.info("settled %d payments in %d of %d batches", count, len(settled), len(batches))
    return {
        "batches": len(settled),
        "payments": count,
        "skipped_batches": len(batches) - len(settled),
    }


def pending_payments(cutoff: datetime) -> list[dict[str, Any]]:
    """Authorized, unsettled payments decided at or before ``cutoff``."""
    request: dict[str, Any] = {
        "TableName": config.setting(config.PAYMENTS_TABLE),
        "IndexName": payments.PAYMENTS_BY_SETTLEMENT_INDEX,
        "KeyConditionExpression": "settle_pending = :pending AND decided_at <= :cutoff",
        "ExpressionAttributeValues": {
            ":pending": dynamo.to_value(payments.SETTLE_PENDING),
            ":cutoff": dynamo.to_value(clock.iso(cutoff)),
        },
    }
    found: list[dict[str, Any]] = []
    while True:
        response = aws.client("dynamodb").query(**request)
        found.extend(dynamo.from_item(item) for item in response["Items"])
        if "LastEvaluatedKey" not in response:
            return found
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def settle_batch(batch: Batch, settled_at: datetime) -> bool:
    """Write one batch atomically; False when a condition failed and nothing was written."""
    try:
        aws.client("dynamodb").transact_write_items(
            TransactItems=[_batch_record(batch, settled_at)]
            + [
                _mark_settled(payment_id, batch.batch_id, settled_at)
                for payment_id in batch.payment_ids
            ]
        )
    except ClientError as exc:
        if aws.error_code(exc) != "TransactionCanceledException":
            raise
        logger.warning("batch %s skipped: a payment changed or it exists", batch.batch_id)
        return False
    return True


def _batch_record(batch: Batch, settled_at: datetime) -> dict[str, Any]:
    """Transaction action creating the batch record in the ledger table."""
    item = {
        "pk": payments.ledger_batch_pk(batch.batch_id),
        "sk": payments.LEDGER_BATCH_SK,
        "item_type": "settlement_batch",
        "batch_id": batch.batch_id,
        "merchant_id": batch.merchant_id,
        "currency": batch.currency,
        "total_minor": batch.total_minor,
        "payment_count": len(batch.payment_ids),
        "payment_ids": list(batch.payment_ids),
        "created_at": clock.iso(settled_at),
    }
    return {
        "Put": {
            "TableName": config.setting(config.LEDGER_TABLE),
            "Item": dynamo.to_item(item),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def _mark_settled(payment_id: str, batch_id: str, settled_at: datetime) -> dict[str, Any]:
    """Transaction action moving one payment from pending settlement to settled."""
    return {
        "Update": {
            "TableName": config.setting(config.PAYMENTS_TABLE),
            "Key": dynamo.to_item({"payment_id": payment_id}),
            "UpdateExpression": "SET #status = :settled, batch_id = :batch, settled_at = :at "
            "REMOVE settle_pending",
            "ConditionExpression": "settle_pending = :pending AND #status = :authorized",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":settled": dynamo.to_value(payments.STATUS_SETTLED),
                ":batch": dynamo.to_value(batch_id),
                ":at": dynamo.to_value(clock.iso(settled_at)),
                ":pending": dynamo.to_value(payments.SETTLE_PENDING),
                ":authorized": dynamo.to_value(payments.STATUS_AUTHORIZED),
            },
        }
    }
