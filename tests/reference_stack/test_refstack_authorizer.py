"""Authorizer: HS256 bearer tokens checked strictly; every failure is a plain deny."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from reference_stack.functions.authorizer import app
from reference_stack.functions.authorizer.bearer import sign

NOW = datetime(2024, 5, 14, 12, 0, tzinfo=UTC)
SIGNING_KEY = bytes(range(100, 148))  # the key conftest stores in Secrets Manager


def _claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": "https://auth.ledgerguard.example",
        "aud": "payments-api",
        "sub": "client-42",
        "merchant_id": "merchant_001",
        "exp": int(NOW.timestamp()) + 300,
    }
    claims.update(overrides)
    return claims


def _event(api_event, authorization: str | None) -> dict[str, Any]:
    event = api_event({}, idempotency_key=None, merchant_id=None, received_at=NOW)
    del event["body"], event["isBase64Encoded"]
    event["type"] = "REQUEST"
    event["routeArn"] = "arn:aws:execute-api:eu-west-1:123456789012:api1234/$default/POST/payments"
    event["headers"].pop("authorization")
    if authorization is not None:
        event["headers"]["authorization"] = authorization
        event["identitySource"] = [authorization]
    return event


def test_valid_token_is_allowed_with_the_merchant_in_context(stack, api_event, lambda_context):
    token = sign(_claims(), SIGNING_KEY)

    response = app.handler(_event(api_event, f"Bearer {token}"), lambda_context)

    assert response == {
        "isAuthorized": True,
        "context": {"merchant_id": "merchant_001", "subject": "client-42"},
    }


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}."


DENIED = [
    pytest.param(None, id="no-header"),
    pytest.param("Basic dXNlcjpwYXNz", id="basic-auth"),
    pytest.param("Bearer ", id="empty-token"),
    pytest.param("Bearer not-a-jwt", id="garbage"),
    pytest.param(f"Bearer {sign(_claims(), b'x' * 48)}", id="wrong-key"),
    pytest.param(
        f"Bearer {sign(_claims(exp=int(NOW.timestamp()) - 31), SIGNING_KEY)}", id="expired"
    ),
    pytest.param(f"Bearer {sign(_claims(aud='other-api'), SIGNING_KEY)}", id="wrong-audience"),
    pytest.param(
        f"Bearer {sign(_claims(iss='https://evil.example'), SIGNING_KEY)}", id="wrong-issuer"
    ),
    pytest.param(
        f"Bearer {sign(_claims(merchant_id='../admin'), SIGNING_KEY)}", id="bad-merchant-claim"
    ),
    pytest.param(f"Bearer {_unsigned(_claims())}", id="alg-none"),
]


@pytest.mark.parametrize("authorization", DENIED)
def test_bad_credentials_are_denied(stack, api_event, lambda_context, authorization):
    response = app.handler(_event(api_event, authorization), lambda_context)

    assert response == {"isAuthorized": False}


def test_unparseable_event_is_denied_not_raised(stack, lambda_context):
    assert app.handler({"type": "REQUEST"}, lambda_context) == {"isAuthorized": False}


def test_token_is_never_logged(stack, api_event, lambda_context, capsys, caplog):
    token = sign(_claims(aud="other-api"), SIGNING_KEY)

    app.handler(_event(api_event, f"Bearer {token}"), lambda_context)

    captured = capsys.readouterr()
    assert token not in captured.out + captured.err + caplog.text
