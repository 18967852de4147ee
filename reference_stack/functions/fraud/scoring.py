"""Pure-Python scoring of the logistic-regression fraud model in ``model.json``.

``train.py`` fits the parameters offline (with numpy); here they are applied with the standard
library only, so the Lambda package needs no numeric dependency and a score costs a few
microseconds. Feature definitions live here and are imported by ``train.py``, so training and
serving cannot disagree on what a feature means.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reference_stack.functions.common.models import (
    FraudAssessment,
    FraudDecision,
    PaymentInitiated,
)
from reference_stack.functions.common.money import major_magnitude

MODEL_PATH = Path(__file__).with_name("model.json")

FEATURE_NAMES: tuple[str, ...] = (
    "log_amount",
    "high_risk_mcc",
    "country_mismatch",
    "night_time",
    "round_amount",
    "luhn_invalid",
    "missing_geo",
)

# Merchant category codes with high fraud rates: money transfer, telemarketing, quasi-cash,
# gambling.
HIGH_RISK_MCCS = frozenset({"4829", "5967", "6051", "7995"})
NIGHT_HOURS_UTC = range(0, 6)
ROUND_AMOUNT_MAJOR = 100
MAX_REASONS = 3


def features(payment: PaymentInitiated) -> dict[str, float]:
    """The model's input features for one payment."""
    magnitude = major_magnitude(payment.amount_minor, payment.currency)
    countries_known = payment.billing_country is not None and payment.ip_country is not None
    return {
        "log_amount": math.log10(1.0 + magnitude),
        "high_risk_mcc": float(payment.mcc in HIGH_RISK_MCCS),
        "country_mismatch": float(
            countries_known and payment.billing_country != payment.ip_country
        ),
        "night_time": float(payment.created_at.hour in NIGHT_HOURS_UTC),
        "round_amount": float(
            magnitude >= ROUND_AMOUNT_MAJOR and magnitude % ROUND_AMOUNT_MAJOR == 0
        ),
        "luhn_invalid": float(not payment.luhn_valid),
        "missing_geo": float(payment.ip_country is None),
    }


@dataclass(frozen=True)
class FraudModel:
    """Standardized logistic regression with two decision thresholds."""

    version: str
    feature_names: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    review_threshold: float
    decline_threshold: float

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> FraudModel:
        """Build a model from the parsed ``model.json``, checking it matches this code."""
        names = tuple(str(name) for name in _seq(data["features"]))
        if names != FEATURE_NAMES:
            raise ValueError(f"model features {names} do not match the code's {FEATURE_NAMES}")
        thresholds = data["thresholds"]
        if not isinstance(thresholds, Mapping):
            raise ValueError("thresholds must be an object")
        columns = {
            key: tuple(_number(v) for v in _seq(data[key]))
            for key in ("means", "scales", "weights")
        }
        if any(len(values) != len(names) for values in columns.values()):
            raise ValueError("model parameters do not have one value per feature")
        return cls(
            version=str(data["model_version"]),
            feature_names=names,
            means=columns["means"],
            scales=columns["scales"],
            weights=columns["weights"],
            bias=_number(data["bias"]),
            review_threshold=_number(thresholds["review"]),
            decline_threshold=_number(thresholds["decline"]),
        )

    def assess(self, values: Mapping[str, float]) -> FraudAssessment:
        """Score one feature vector: probability, decision and the strongest reasons."""
        contributions = [
            weight * (values[name] - mean) / scale
            for name, mean, scale, weight in zip(
                self.feature_names, self.means, self.scales, self.weights, strict=True
            )
        ]
        probability = _sigmoid(self.bias + math.fsum(contributions))
        ranked = sorted(
            zip(contributions, self.feature_names, strict=True), key=lambda pair: -pair[0]
        )
        reasons = [name for contribution, name in ranked if contribution > 0][:MAX_REASONS]
        return FraudAssessment(
            score=round(probability, 6),
            decision=self._decision(probability),
            reasons=reasons,
            model_version=self.version,
        )

    def _decision(self, probability: float) -> FraudDecision:
        if probability >= self.decline_threshold:
            return "decline"
        if probability >= self.review_threshold:
            return "review"
        return "approve"


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> FraudModel:
    """The model shipped next to this module, read once per sandbox on first use."""
    return FraudModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _sigmoid(logit: float) -> float:
    """Logistic function that does not overflow for large negative logits."""
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    exp = math.exp(logit)
    return exp / (1.0 + exp)


def _seq(value: object) -> Sequence[object]:
    """A list from ``model.json``, or a clear error for a malformed file."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ValueError("expected a list in model.json")
    return value


def _number(value: object) -> float:
    """A number from ``model.json``, or a clear error for a malformed file."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("expected a number in model.json")
    return float(value)
