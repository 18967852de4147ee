"""Intake handler: validate, tokenize, record idempotently, announce ``payment.initiated``.

The PAN exists only inside ``accept_payment``: it is tokenized with a keyed HMAC as soon as the
request is valid, and from then on only the token, BIN, last four and Luhn result travel on.
The token comes from the current key of the tokenization key ring; the payment records that
key's id and, once a rotation has happened, the card's token under the previous key, so that
velocity checks and look-ups span a rotation (see reference_stack/README.md).
Writing the payment and publishing the event are wrapped in Powertools idempotency keyed on
the merchant and the ``Idempotency-Key`` header, so a client retry returns the first response.
"""

from __future__ import annotations

import base64
import functools
import uuid
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from reference_stack.functions.common import aws, clock, config, dynamo, events, payments
from reference_stack.functions.common.http import error_response, json_response
from reference_stack.functions.common.models import CardSummary, PaymentInitiated
from reference_stack.functions.common.secrets import key_ring
from reference_stack.functions.common.tokenization import CardFingerprint, KeyRing, tokenize
from reference_stack.functions.intake.request import (
    PaymentRequest,
    validate_body,
    validate_idempotency_key,
)

logger = Logger()
tracer = Tracer()

PAYMENT_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ledgerguard:reference-stack:payments")
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
# Fields that must match when the same idempotency key is presented again. The card is
# compared by token in ``_stored_payment``; the idempotency payload check uses the card's
# BIN, last four and expiry instead, because a key rotation between a request and its retry
# changes the token.
COMPARED_FIELDS = ("merchant_id", "amount_minor", "currency")


class PaymentConflictError(RuntimeError):
    """The idempotency key was used before for a payment with different details."""


@logger.inject_lambda_context(clear_state=True, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """HTTP API (payload 2.0) entry point for ``POST /payments``."""
    request = parse(event=event, model=APIGatewayProxyEventV2Model)
    return accept_payment(request, context)


def accept_payment(request: APIGatewayProxyEventV2Model, context: LambdaContext) -> dict[str, Any]:
    """Validate the request and record the payment; returns the HTTP response."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    key, details = validate_idempotency_key(headers.get("idempotency-key"))
    body, body_details = validate_body(_body_text(request))
    details += body_details
    if body is None or details:
        logger.info("rejected invalid payment request with %d errors", len(details))
        return error_response(400, "validation_failed", details)

    if body.merchant_id != _authorized_merchant(request):
        logger.warning("merchant in body does not match the authorizer's merchant")
        detail = {"field": "body.merchant_id", "message": "merchant does not match credentials"}
        return error_response(403, "forbidden", [detail])

    ring = _key_ring()
    pan = body.card.pan.get_secret_value()
    fingerprint = tokenize(pan, ring.key(ring.current))
    record = payment_record(body, fingerprint, key, request.requestContext.timeEpoch)
    record["card_token_key_id"] = ring.current
    if ring.previous is not None:
        record["previous_card_token"] = tokenize(pan, ring.key(ring.previous)).token

    try:
        result = _recorder(context)(payment=record)
    except (IdempotencyValidationError, PaymentConflictError):
        detail = {"field": "header.idempotency-key", "message": "key was used for another payment"}
        return error_response(422, "idempotency_key_reused", [detail])
    except IdempotencyAlreadyInProgressError:
        detail = {
            "field": "header.idempotency-key",
            "message": "a request with this key is running",
        }
        return error_response(409, "request_in_progress", [detail])
    return json_response(201, result)


def payment_record(
    body: PaymentRequest, card: CardFingerprint, idempotency_key: str, received_at: datetime
) -> dict[str, Any]:
    """The payments-table item for an accepted request: card fingerprint, never the PAN."""
    payment_id = uuid.uuid5(PAYMENT_ID_NAMESPACE, f"{body.merchant_id}:{idempotency_key}")
    return {
        "payment_id": str(payment_id),
        "merchant_id": body.merchant_id,
        "idempotency_key": idempotency_key,
        "amount_minor": body.amount_minor,
        "currency": body.currency,
        "mcc": body.mcc,
        "card_token": card.token,
        "card_bin": card.bin,
        "card_last4": card.last4,
        "card_expiry": body.card.expiry_year_month,
        "luhn_valid": card.luhn_valid,
        "billing_country": body.billing_country,
        "ip_country": body.ip_country,
        "status": payments.STATUS_PENDING_SCREENING,
        "created_at": clock.iso(received_at),
    }


def record_payment(payment: dict[str, Any]) -> dict[str, Any]:
    """Store the payment (once) and publish ``payment.initiated``; idempotent per key."""
    table = config.setting(config.PAYMENTS_TABLE)
    try:
        aws.client("dynamodb").put_item(
            TableName=table,
            Item=dynamo.to_item(payment),
            ConditionExpression="attribute_not_exists(payment_id)",
        )
    except ClientError as exc:
        if aws.error_code(exc) != "ConditionalCheckFailedException":
            raise
        # A previous attempt stored the payment but did not finish; resume from what it stored.
        payment = _stored_payment(table, payment)

    events.publish([initiated_event(payment)])
    logger.info("accepted payment %s", payment["payment_id"])
    return {"payment_id": payment["payment_id"], "status": payments.STATUS_PENDING_SCREENING}


def initiated_event(payment: dict[str, Any]) -> events.DomainEvent:
    """The ``payment.initiated`` event for a stored payment."""
    detail = PaymentInitiated(
        payment_id=payment["payment_id"],
        merchant_id=payment["merchant_id"],
        amount_minor=payment["amount_minor"],
        currency=payment["currency"],
        card=CardSummary(
            token=payment["card_token"], bin=payment["card_bin"], last4=payment["card_last4"]
        ),
        luhn_valid=payment["luhn_valid"],
        mcc=payment["mcc"],
        billing_country=payment.get("billing_country"),
        ip_country=payment.get("ip_country"),
        created_at=clock.parse_iso(payment["created_at"]),
    )
    return events.DomainEvent(events.SOURCE_INTAKE, events.PAYMENT_INITIATED, detail)


def _stored_payment(table: str, payment: dict[str, Any]) -> dict[str, Any]:
    """The already stored payment with this id, if it is the same payment."""
    response = aws.client("dynamodb").get_item(
        TableName=table,
        Key=dynamo.to_item({"payment_id": payment["payment_id"]}),
        ConsistentRead=True,
    )
    stored = dynamo.from_item(response["Item"])
    # The stored token is the card's token under the key current then: this request's token,
    # or its token under the previous key when a rotation happened in between.
    same_card = stored.get("card_token") in (
        payment["card_token"],
        payment.get("previous_card_token"),
    )
    if not same_card or any(stored.get(field) != payment[field] for field in COMPARED_FIELDS):
        raise PaymentConflictError(payment["payment_id"])
    return stored


def _recorder(context: LambdaContext) -> Any:
    """``record_payment`` wrapped in Powertools idempotency for this invocation."""
    idempotency = IdempotencyConfig(
        event_key_jmespath="[merchant_id, idempotency_key]",
        payload_validation_jmespath="[amount_minor, currency, card_bin, card_last4, card_expiry]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_TTL_SECONDS,
    )
    idempotency.register_lambda_context(context)
    store = _persistence_layer(config.setting(config.IDEMPOTENCY_TABLE), aws.client("dynamodb"))
    return idempotent_function(
        record_payment,
        data_keyword_argument="payment",
        persistence_store=store,
        config=idempotency,
        key_prefix="intake.record_payment",
    )


@functools.lru_cache(maxsize=4)
def _persistence_layer(table_name: str, client: Any) -> DynamoDBPersistenceLayer:
    """The idempotency store, built once per sandbox (and per client).

    Building it registers a user-agent handler on the DynamoDB client; building one per
    invocation would add a handler to the shared client on every request, and every later
    DynamoDB call of the sandbox would run all of them.
    """
    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)


def _body_text(request: APIGatewayProxyEventV2Model) -> str:
    """The request body as text, decoding API Gateway's base64 form."""
    raw = request.body if isinstance(request.body, str) else ""
    if request.isBase64Encoded:
        return base64.b64decode(raw).decode("utf-8", errors="replace")
    return raw


def _authorized_merchant(request: APIGatewayProxyEventV2Model) -> str | None:
    """The merchant id the Lambda authorizer put in the request context."""
    authorizer = request.requestContext.authorizer
    if authorizer is None or authorizer.lambda_value is None:
        return None
    merchant = authorizer.lambda_value.get("merchant_id")
    return merchant if isinstance(merchant, str) else None


def _key_ring() -> KeyRing:
    """The tokenization key ring, from Secrets Manager (cached)."""
    return key_ring(config.setting(config.TOKENIZATION_SECRET_ARN))
