"""Intake: validation, tokenization, idempotent recording and the ``payment.initiated`` event."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from reference_stack.functions.intake import app

VISA = "4111111111111111"


def _invoke(event: dict[str, Any], context: Any) -> tuple[int, dict[str, Any]]:
    response = app.handler(event, context)
    return response["statusCode"], json.loads(response["body"])


def test_valid_payment_is_tokenized_stored_and_announced(
    stack, api_event, payment_body, lambda_context, assert_valid_events
):
    status, body = _invoke(api_event(payment_body()), lambda_context)

    assert status == 201
    assert body == {"payment_id": body["payment_id"], "status": "PENDING_SCREENING"}
    (item,) = stack.items(stack.payments_table)
    assert item["card_bin"] == {"S": "411111"}
    assert item["card_last4"] == {"S": "1111"}
    assert item["card_token"]["S"].startswith("tok_")
    assert item["luhn_valid"] == {"BOOL": True}
    assert item["card_expiry"] == {"S": "2027-12"}
    assert item["amount_minor"] == {"N": "1250"}

    (event,) = stack.published()
    assert event["detail-type"] == "payment.initiated"
    assert event["detail"]["payment_id"] == body["payment_id"]
    assert event["detail"]["card"]["last4"] == "1111"
    assert_valid_events([event])


def test_same_card_gives_same_token_for_different_payments(
    stack, api_event, payment_body, lambda_context
):
    _invoke(api_event(payment_body(), idempotency_key="first-key-001"), lambda_context)
    _invoke(api_event(payment_body(), idempotency_key="second-key-002"), lambda_context)

    tokens = {item["card_token"]["S"] for item in stack.items(stack.payments_table)}
    assert len(stack.items(stack.payments_table)) == 2
    assert len(tokens) == 1


def test_retry_with_same_key_returns_first_response_and_writes_once(
    stack, api_event, payment_body, lambda_context
):
    first = _invoke(api_event(payment_body()), lambda_context)
    second = _invoke(api_event(payment_body()), lambda_context)

    assert first == second
    assert len(stack.items(stack.payments_table)) == 1
    assert len(stack.published()) == 1


def test_reusing_a_key_for_another_payment_is_rejected(
    stack, api_event, payment_body, lambda_context
):
    _invoke(api_event(payment_body()), lambda_context)
    stack.published()

    status, body = _invoke(api_event(payment_body(amount_minor=9999)), lambda_context)

    assert status == 422
    assert body == {
        "error": "idempotency_key_reused",
        "details": [
            {"field": "header.idempotency-key", "message": "key was used for another payment"}
        ],
    }
    assert len(stack.items(stack.payments_table)) == 1
    assert stack.published() == []


def test_base64_encoded_body_is_accepted(stack, api_event, payment_body, lambda_context):
    event = api_event(payment_body())
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True

    status, _ = _invoke(event, lambda_context)

    assert status == 201


def _card(pan: str = VISA, expiry: str = "12/27") -> dict[str, str]:
    return {"pan": pan, "expiry": expiry}


BAD_REQUESTS = [
    pytest.param(
        {"amount_minor": 0},
        [{"field": "body.amount_minor", "message": "Input should be greater than 0"}],
        id="zero-amount",
    ),
    pytest.param(
        {"amount_minor": 12.5},
        [{"field": "body.amount_minor", "message": "Input should be a valid integer"}],
        id="float-amount",
    ),
    pytest.param(
        {"currency": "eur"},
        [{"field": "body.currency", "message": "String should match pattern '^[A-Z]{3}$'"}],
        id="lowercase-currency",
    ),
    pytest.param(
        {"currency": "XXX"},
        [
            {
                "field": "body.currency",
                "message": "Value error, currency is not a supported ISO-4217 code",
            }
        ],
        id="unsupported-currency",
    ),
    pytest.param(
        {"card": _card(pan="41111111111x1111")},
        [{"field": "body.card.pan", "message": "Value error, card number must be 12 to 19 digits"}],
        id="pan-with-letter",
    ),
    pytest.param(
        {"card": _card(pan="41111111111")},
        [{"field": "body.card.pan", "message": "Value error, card number must be 12 to 19 digits"}],
        id="pan-too-short",
    ),
    pytest.param(
        {"card": _card(expiry="13/27")},
        [
            {
                "field": "body.card.expiry",
                "message": "String should match pattern '^(0[1-9]|1[0-2])/[0-9]{2}$'",
            }
        ],
        id="bad-expiry-month",
    ),
    pytest.param(
        {"merchant_id": None},
        [{"field": "body.merchant_id", "message": "Input should be a valid string"}],
        id="null-merchant",
    ),
    pytest.param(
        {"cvv": "123"},
        [{"field": "body.cvv", "message": "Extra inputs are not permitted"}],
        id="extra-field-cvv",
    ),
]


@pytest.mark.parametrize(("overrides", "details"), BAD_REQUESTS)
def test_bad_request_returns_400_and_writes_nothing(
    stack, api_event, payment_body, lambda_context, overrides, details
):
    status, body = _invoke(api_event(payment_body(**overrides)), lambda_context)

    assert status == 400
    assert body == {"error": "validation_failed", "details": details}
    _assert_nothing_written(stack)


def test_missing_idempotency_key_is_a_bad_request(stack, api_event, payment_body, lambda_context):
    status, body = _invoke(api_event(payment_body(), idempotency_key=None), lambda_context)

    assert status == 400
    assert body == {
        "error": "validation_failed",
        "details": [{"field": "header.idempotency-key", "message": "Field required"}],
    }
    _assert_nothing_written(stack)


def test_malformed_json_is_a_bad_request(stack, api_event, lambda_context):
    status, body = _invoke(api_event('{"amount_minor": 12'), lambda_context)

    assert status == 400
    assert body["error"] == "validation_failed"
    assert [detail["field"] for detail in body["details"]] == ["body"]
    assert body["details"][0]["message"].startswith("Invalid JSON")
    _assert_nothing_written(stack)


def test_error_details_never_echo_the_card_number(stack, api_event, payment_body, lambda_context):
    event = api_event(payment_body(amount_minor=-1, card=_card(expiry="00/00")))

    response = app.handler(event, lambda_context)

    assert response["statusCode"] == 400
    assert VISA not in response["body"]


def test_merchant_other_than_the_token_holder_is_forbidden(
    stack, api_event, payment_body, lambda_context
):
    event = api_event(payment_body(merchant_id="merchant_999"), merchant_id="merchant_001")

    status, body = _invoke(event, lambda_context)

    assert status == 403
    assert body == {
        "error": "forbidden",
        "details": [
            {"field": "body.merchant_id", "message": "merchant does not match credentials"}
        ],
    }
    _assert_nothing_written(stack)


def _assert_nothing_written(stack) -> None:
    assert stack.items(stack.payments_table) == []
    assert stack.items(stack.idempotency_table) == []
    assert stack.published() == []
