"""Event schemas: valid JSON Schema, in step with the pydantic models that emit the events."""

from __future__ import annotations

import pytest

from reference_stack.functions.common import events, models

MODELS = {
    events.PAYMENT_INITIATED: models.PaymentInitiated,
    events.PAYMENT_SCREENED: models.PaymentScreened,
    events.PAYMENT_AUTHORIZED: models.PaymentAuthorized,
    events.PAYMENT_DECLINED: models.PaymentDeclined,
    events.RECONCILIATION_DISCREPANCY: models.ReconciliationDiscrepancy,
}


def test_every_event_type_has_a_schema(schemas):
    assert set(schemas) == set(MODELS)


@pytest.mark.parametrize("detail_type", sorted(MODELS))
def test_schema_and_model_have_the_same_fields(schemas, detail_type):
    schema = schemas[detail_type].schema
    model = MODELS[detail_type]

    assert set(schema["properties"]) == set(model.model_fields)
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    assert set(schema["required"]) == required
    assert schema["additionalProperties"] is False


def test_a_card_number_field_is_rejected_by_the_schema(schemas):
    detail = {
        "payment_id": "00000000-0000-4000-8000-000000000001",
        "merchant_id": "merchant_001",
        "amount_minor": 1,
        "currency": "EUR",
        "response_code": "05",
        "reason": "x",
        "declined_at": "2024-05-14T12:00:00Z",
        "pan": "4111111111111111",
    }

    errors = list(schemas[events.PAYMENT_DECLINED].iter_errors(detail))

    assert [error.validator for error in errors] == ["additionalProperties"]
