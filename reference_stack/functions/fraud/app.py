"""Fraud handler: score ``payment.initiated`` and publish ``payment.screened``.

The function is pure computation on the event (token, BIN, last four, amount, countries): it
reads no table and holds no key; its only AWS call is publishing the result. Every verdict,
including "decline", is published as ``payment.screened``; the authorize function is the one
writer of a payment's authorization status and turns a fraud decline into ``payment.declined``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from reference_stack.functions.common import events
from reference_stack.functions.common.models import PaymentInitiatedEvent, PaymentScreened
from reference_stack.functions.fraud.scoring import features, load_model

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context(clear_state=True, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@event_parser(model=PaymentInitiatedEvent)
def handler(event: PaymentInitiatedEvent, context: LambdaContext) -> dict[str, Any]:
    """EventBridge entry point for ``payment.initiated``."""
    payment = event.detail
    assessment = load_model().assess(features(payment))
    screened = PaymentScreened(
        payment_id=payment.payment_id,
        merchant_id=payment.merchant_id,
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        fraud=assessment,
        screened_at=event.time,
    )
    events.publish([events.DomainEvent(events.SOURCE_FRAUD, events.PAYMENT_SCREENED, screened)])
    logger.info(
        "screened payment %s: %s (score %.4f)",
        payment.payment_id,
        assessment.decision,
        assessment.score,
    )
    return {"payment_id": payment.payment_id, "decision": assessment.decision}
