"""Notifier handler: publish declines and discrepancies to the SNS notifications topic.

Subscribers (merchant webhooks through an HTTPS subscription, the operations mailbox) filter on
the ``event_type`` message attribute. The message is the validated event detail, which holds
ids, amounts and codes, never card data; it is re-validated here so that a malformed detail is
rejected before it leaves the account.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from reference_stack.functions.common import aws, config, events
from reference_stack.functions.common.models import (
    NotificationEvent,
    PaymentDeclined,
    ReconciliationDiscrepancy,
)

logger = Logger()
tracer = Tracer()

DETAIL_MODELS: dict[str, type[BaseModel]] = {
    events.PAYMENT_DECLINED: PaymentDeclined,
    events.RECONCILIATION_DISCREPANCY: ReconciliationDiscrepancy,
}


@logger.inject_lambda_context(clear_state=True, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@event_parser(model=NotificationEvent)
def handler(event: NotificationEvent, context: LambdaContext) -> dict[str, Any]:
    """EventBridge entry point for ``payment.declined`` and ``reconciliation.discrepancy``."""
    detail = DETAIL_MODELS[event.detail_type].model_validate(event.detail)
    response = aws.client("sns").publish(
        TopicArn=config.setting(config.NOTIFICATIONS_TOPIC_ARN),
        Subject=event.detail_type,
        Message=detail.model_dump_json(),
        MessageAttributes={
            "event_type": {"DataType": "String", "StringValue": event.detail_type},
        },
    )
    logger.info("forwarded %s event %s", event.detail_type, event.id)
    return {"message_id": response["MessageId"]}
