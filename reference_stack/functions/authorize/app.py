"""Authorize handler: decide on a ``payment.screened`` payment and record the outcome.

Reads the payment (the source of truth for Luhn result and expiry), counts recent payments of
the same card on the ``by_card_token`` index (under its current token and, after a key
rotation, its token under the previous key), writes the decision with a condition on the
pending status, then publishes ``payment.authorized`` or ``payment.declined``. A redelivered
event for an already decided payment re-publishes the stored outcome (consumers are
idempotent), so a crash between the write and the publish loses nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from reference_stack.functions.authorize.issuer import Decision, IssuerLimits, PaymentFacts, decide
from reference_stack.functions.common import aws, clock, config, dynamo, events, payments
from reference_stack.functions.common.models import (
    PaymentAuthorized,
    PaymentDeclined,
    PaymentScreened,
    PaymentScreenedEvent,
)

logger = Logger()
tracer = Tracer()

SCORE_SCALE = 1_000_000  # fraud scores are stored as integer parts per million


class PaymentNotFoundError(RuntimeError):
    """The screened payment is not in the payments table (the event is retried, then DLQ'd)."""


@logger.inject_lambda_context(clear_state=True, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@event_parser(model=PaymentScreenedEvent)
def handler(event: PaymentScreenedEvent, context: LambdaContext) -> dict[str, Any]:
    """EventBridge entry point for ``payment.screened``."""
    screened = event.detail
    payment = load_payment(screened.payment_id)
    if payment["status"] in payments.FINAL_AUTHORIZATION_STATUSES:
        logger.info("payment %s already decided; republishing", screened.payment_id)
    else:
        limits = issuer_limits()
        decision = decide(payment_facts(payment, screened, limits.velocity_window), limits)
        payment = store_decision(payment, screened, decision, event.time)
        logger.info("payment %s: response code %s", screened.payment_id, decision.response_code)

    events.publish([outcome_event(payment)])
    return {"payment_id": screened.payment_id, "status": payment["status"]}


def issuer_limits() -> IssuerLimits:
    """Limits from the function's environment."""
    return IssuerLimits(
        card_limit_major=config.int_setting(config.CARD_LIMIT_MAJOR, 5_000),
        velocity_max_payments=config.int_setting(config.VELOCITY_MAX_PAYMENTS, 5),
        velocity_window=timedelta(seconds=config.int_setting(config.VELOCITY_WINDOW_SECONDS, 600)),
    )


def load_payment(payment_id: str) -> dict[str, Any]:
    """The stored payment, read consistently."""
    response = aws.client("dynamodb").get_item(
        TableName=config.setting(config.PAYMENTS_TABLE),
        Key=dynamo.to_item({"payment_id": payment_id}),
        ConsistentRead=True,
    )
    if "Item" not in response:
        raise PaymentNotFoundError(payment_id)
    return dynamo.from_item(response["Item"])


def payment_facts(
    payment: dict[str, Any], screened: PaymentScreened, window: timedelta
) -> PaymentFacts:
    """Gather the simulator's inputs, including the velocity count over ``window``."""
    created_at = clock.parse_iso(payment["created_at"])
    tokens = [payment["card_token"]]
    if payment.get("previous_card_token"):
        tokens.append(payment["previous_card_token"])
    return PaymentFacts(
        payment_id=payment["payment_id"],
        amount_minor=payment["amount_minor"],
        currency=payment["currency"],
        luhn_valid=payment["luhn_valid"],
        card_expiry=payment["card_expiry"],
        created_at=created_at,
        fraud_decision=screened.fraud.decision,
        recent_payments=sum(
            count_recent_payments(token, created_at - window, created_at) for token in tokens
        ),
    )


def count_recent_payments(card_token: str, start: datetime, end: datetime) -> int:
    """Payments with this card token created in ``[start, end]`` (index query, count only)."""
    request: dict[str, Any] = {
        "TableName": config.setting(config.PAYMENTS_TABLE),
        "IndexName": payments.PAYMENTS_BY_CARD_TOKEN_INDEX,
        "KeyConditionExpression": "card_token = :token AND created_at BETWEEN :start AND :end",
        "ExpressionAttributeValues": {
            ":token": dynamo.to_value(card_token),
            ":start": dynamo.to_value(clock.iso(start)),
            ":end": dynamo.to_value(clock.iso(end)),
        },
        "Select": "COUNT",
    }
    total = 0
    while True:
        response = aws.client("dynamodb").query(**request)
        total += int(response["Count"])
        if "LastEvaluatedKey" not in response:
            return total
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def store_decision(
    payment: dict[str, Any], screened: PaymentScreened, decision: Decision, decided_at: datetime
) -> dict[str, Any]:
    """Write the decision if the payment is still pending; returns the updated payment."""
    changes: dict[str, Any] = {
        "status": payments.STATUS_AUTHORIZED if decision.approved else payments.STATUS_DECLINED,
        "response_code": decision.response_code,
        "decision_reason": decision.reason,
        "decided_at": clock.iso(decided_at),
        "fraud_score_ppm": round(screened.fraud.score * SCORE_SCALE),
        "fraud_decision": screened.fraud.decision,
        "review_required": screened.fraud.decision == "review",
    }
    if decision.approved:
        changes["auth_code"] = decision.auth_code
        changes["settle_pending"] = payments.SETTLE_PENDING

    names = {f"#{key}": key for key in changes}
    values = {f":{key}": dynamo.to_value(value) for key, value in changes.items()}
    values[":pending"] = dynamo.to_value(payments.STATUS_PENDING_SCREENING)
    aws.client("dynamodb").update_item(
        TableName=config.setting(config.PAYMENTS_TABLE),
        Key=dynamo.to_item({"payment_id": payment["payment_id"]}),
        UpdateExpression="SET " + ", ".join(f"#{key} = :{key}" for key in changes),
        ConditionExpression="#status = :pending",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )
    return {**payment, **changes}


def outcome_event(payment: dict[str, Any]) -> events.DomainEvent:
    """``payment.authorized`` or ``payment.declined`` for a decided payment."""
    decided_at = clock.parse_iso(payment["decided_at"])
    if payment["status"] == payments.STATUS_DECLINED:
        declined = PaymentDeclined(
            payment_id=payment["payment_id"],
            merchant_id=payment["merchant_id"],
            amount_minor=payment["amount_minor"],
            currency=payment["currency"],
            response_code=payment["response_code"],
            reason=payment["decision_reason"],
            declined_at=decided_at,
        )
        return events.DomainEvent(events.SOURCE_AUTHORIZE, events.PAYMENT_DECLINED, declined)

    authorized = PaymentAuthorized(
        payment_id=payment["payment_id"],
        merchant_id=payment["merchant_id"],
        amount_minor=payment["amount_minor"],
        currency=payment["currency"],
        card_token=payment["card_token"],
        auth_code=payment["auth_code"],
        response_code="00",
        review_required=payment["review_required"],
        authorized_at=decided_at,
    )
    return events.DomainEvent(events.SOURCE_AUTHORIZE, events.PAYMENT_AUTHORIZED, authorized)
