"""Fraud model: deterministic scores for fixed inputs, reproducible training, handler output.

Timing is deliberately not asserted here (it depends on the machine); see
``benchmarks/fraud_scoring.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from reference_stack.functions.common.models import CardSummary, PaymentInitiated
from reference_stack.functions.fraud import app
from reference_stack.functions.fraud.scoring import MODEL_PATH, FraudModel, features, load_model

NOON = datetime(2024, 5, 14, 12, 0, tzinfo=UTC)


def _payment(**overrides: Any) -> PaymentInitiated:
    values: dict[str, Any] = {
        "payment_id": "6f1c2c4e-8a51-5b7e-9d1a-1f2e3d4c5b6a",
        "merchant_id": "merchant_001",
        "amount_minor": 1250,
        "currency": "EUR",
        "card": CardSummary(token="tok_" + "a" * 64, bin="411111", last4="1111"),
        "luhn_valid": True,
        "mcc": "5411",
        "billing_country": "DE",
        "ip_country": "DE",
        "created_at": NOON,
    }
    values.update(overrides)
    return PaymentInitiated(**values)


SCORED = [
    pytest.param({}, 0.007064, "approve", [], id="small-domestic"),
    pytest.param(
        {"amount_minor": 90000, "mcc": "7995"},
        0.288239,
        "review",
        ["high_risk_mcc", "log_amount", "round_amount"],
        id="gambling-round-amount",
    ),
    pytest.param(
        {"amount_minor": 45000, "mcc": "7995", "ip_country": None},
        0.235073,
        "review",
        ["high_risk_mcc", "log_amount", "missing_geo"],
        id="gambling-no-geo",
    ),
    pytest.param(
        {"amount_minor": 120000, "mcc": "7995", "ip_country": "FR"},
        0.652204,
        "decline",
        ["high_risk_mcc", "log_amount", "country_mismatch"],
        id="gambling-foreign-ip",
    ),
    pytest.param(
        {
            "amount_minor": 500000,
            "mcc": "6051",
            "ip_country": "NG",
            "luhn_valid": False,
            "created_at": datetime(2024, 5, 14, 3, 0, tzinfo=UTC),
        },
        0.993051,
        "decline",
        ["luhn_invalid", "log_amount", "high_risk_mcc"],
        id="everything-wrong",
    ),
]


@pytest.mark.parametrize(("overrides", "score", "decision", "reasons"), SCORED)
def test_fixed_inputs_give_fixed_verdicts(overrides, score, decision, reasons):
    assessment = load_model().assess(features(_payment(**overrides)))

    assert assessment.score == score
    assert assessment.decision == decision
    assert assessment.reasons == reasons
    assert assessment.model_version == "fraud-lr-1"


def test_features_are_computed_from_the_event():
    values = features(
        _payment(
            amount_minor=20000,
            ip_country=None,
            created_at=datetime(2024, 5, 14, 2, 59, tzinfo=UTC),
        )
    )

    assert values == {
        "log_amount": pytest.approx(2.30319606),
        "high_risk_mcc": 0.0,
        "country_mismatch": 0.0,
        "night_time": 1.0,
        "round_amount": 1.0,
        "luhn_invalid": 0.0,
        "missing_geo": 1.0,
    }


def test_model_file_with_other_features_is_refused():
    data = json.loads(MODEL_PATH.read_text())
    data["features"] = list(reversed(data["features"]))

    with pytest.raises(ValueError, match="do not match"):
        FraudModel.from_dict(data)


def test_committed_model_is_what_training_produces():
    train = pytest.importorskip("reference_stack.functions.fraud.train")

    trained = train.train()
    committed = json.loads(MODEL_PATH.read_text())

    assert trained.keys() == committed.keys()
    for field in ("means", "scales", "weights"):
        assert trained[field] == pytest.approx(committed[field], abs=1e-5)
    assert trained["bias"] == pytest.approx(committed["bias"], abs=1e-5)
    assert trained["thresholds"] == committed["thresholds"]
    assert trained["training"]["holdout_auc"] > 0.7


def test_handler_publishes_a_screened_event(stack, bus_event, lambda_context, assert_valid_events):
    detail = json.loads(_payment(amount_minor=90000, mcc="7995").model_dump_json())
    event = bus_event("payment.initiated", "ledgerguard.intake", detail)

    result = app.handler(event, lambda_context)

    assert result == {"payment_id": detail["payment_id"], "decision": "review"}
    (published,) = stack.published()
    assert published["detail-type"] == "payment.screened"
    assert published["detail"]["fraud"]["score"] == 0.288239
    assert_valid_events([published])


def test_handler_rejects_an_event_with_unknown_fields(stack, bus_event, lambda_context):
    detail = json.loads(_payment().model_dump_json())
    detail["pan"] = "4111111111111111"
    event = bus_event("payment.initiated", "ledgerguard.intake", detail)

    with pytest.raises(Exception, match="Extra inputs are not permitted"):
        app.handler(event, lambda_context)
    assert stack.published() == []
