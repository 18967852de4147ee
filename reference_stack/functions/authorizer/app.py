"""Authorizer handler: HTTP API REQUEST authorizer returning the simple response format.

The bearer token comes from the ``Authorization`` header (the route's identity source); the
HMAC key is read from Secrets Manager. A token whose signature fails with the current key is
checked once more with the key the last rotation replaced (``AWSPREVIOUS``), so tokens issued
before a rotation stay valid until they expire. Any failure denies: the handler never raises
for a bad request, because an exception becomes a 500 at the gateway instead of a 403. The
merchant id from the token goes into the context, where intake compares it with the request
body.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponseV2,
)
from aws_lambda_powertools.utilities.parser import ValidationError, parse
from aws_lambda_powertools.utilities.parser.models import ApiGatewayAuthorizerRequestV2
from aws_lambda_powertools.utilities.typing import LambdaContext

from reference_stack.functions.authorizer.bearer import (
    BadSignatureError,
    Expectations,
    Identity,
    TokenError,
    verify,
)
from reference_stack.functions.common import config, secrets

logger = Logger()
tracer = Tracer()

BEARER = "bearer "


@logger.inject_lambda_context(clear_state=True, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point called by API Gateway before every ``POST /payments``."""
    try:
        request = parse(event=event, model=ApiGatewayAuthorizerRequestV2)
    except ValidationError:
        logger.warning("denied: authorizer event did not parse")
        return APIGatewayAuthorizerResponseV2(authorize=False).asdict()

    token = _bearer_token(request)
    if token is None:
        logger.info("denied: no bearer token")
        return APIGatewayAuthorizerResponseV2(authorize=False).asdict()

    expected = Expectations(
        issuer=config.setting(config.JWT_ISSUER),
        audience=config.setting(config.JWT_AUDIENCE),
        now=int(request.requestContext.timeEpoch.timestamp()),
    )
    try:
        identity = _verify_with_current_or_previous_key(token, expected)
    except TokenError as exc:
        logger.info("denied: %s", exc)
        return APIGatewayAuthorizerResponseV2(authorize=False).asdict()

    logger.info("allowed merchant %s", identity.merchant_id)
    context_values = {"merchant_id": identity.merchant_id, "subject": identity.subject}
    return APIGatewayAuthorizerResponseV2(authorize=True, context=context_values).asdict()


def _bearer_token(request: ApiGatewayAuthorizerRequestV2) -> str | None:
    """The token from ``Authorization: Bearer <token>``, or None."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    value = headers.get("authorization", "")
    if not value.lower().startswith(BEARER):
        return None
    token = value[len(BEARER) :].strip()
    return token or None


def _verify_with_current_or_previous_key(token: str, expected: Expectations) -> Identity:
    """Verify with the current key; on a bad signature, with the previous key if there is one."""
    secret_arn = config.setting(config.API_SIGNING_SECRET_ARN)
    try:
        return verify(token, secrets.current_secret_bytes(secret_arn), expected)
    except BadSignatureError:
        previous = secrets.secret_bytes(secret_arn, secrets.PREVIOUS)
        if previous is None:
            raise
        return verify(token, previous, expected)
