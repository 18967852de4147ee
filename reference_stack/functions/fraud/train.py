"""Offline training of the fraud model: synthetic labelled payments -> ``model.json``.

Run from the repository root with ``python -m reference_stack.functions.fraud.train``. The data
set is generated from a seeded hidden "ground truth" logistic model (there is no real fraud
data in this repository), the model is fitted by Newton's method with a small ridge penalty,
and the parameters, thresholds and hold-out metrics are written as JSON. numpy is needed here
only; the Lambda runtime scores with ``scoring.py`` in pure Python and never imports this file.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reference_stack.functions.fraud.scoring import FEATURE_NAMES, MODEL_PATH

logger = logging.getLogger(__name__)

SEED = 20240601
SAMPLES = 60_000
HOLDOUT_FRACTION = 0.25
RIDGE = 1e-3
NEWTON_STEPS = 25
REVIEW_THRESHOLD = 0.15
DECLINE_THRESHOLD = 0.5
MODEL_VERSION = "fraud-lr-1"
DECIMALS = 6

# The hidden model that labels the synthetic data, in FEATURE_NAMES order (+ intercept).
TRUE_WEIGHTS = np.array([0.9, 1.8, 1.5, 0.7, 0.9, 3.0, 0.8])
TRUE_INTERCEPT = -6.0

Matrix = NDArray[np.float64]


def synthesize(rng: np.random.Generator, samples: int) -> tuple[Matrix, Matrix]:
    """Feature matrix (columns in FEATURE_NAMES order) and 0/1 fraud labels."""
    amount_major = rng.lognormal(mean=3.5, sigma=1.1, size=samples)
    missing_geo = rng.random(samples) < 0.10
    columns = [
        np.log10(1.0 + amount_major),
        rng.random(samples) < 0.05,
        (rng.random(samples) < 0.08) & ~missing_geo,
        rng.random(samples) < 0.20,
        rng.random(samples) < 0.04,
        rng.random(samples) < 0.01,
        missing_geo,
    ]
    features = np.column_stack(columns).astype(np.float64)
    logits = TRUE_INTERCEPT + features @ TRUE_WEIGHTS
    labels = (rng.random(samples) < 1.0 / (1.0 + np.exp(-logits))).astype(np.float64)
    return features, labels


def fit(features: Matrix, labels: Matrix) -> tuple[Matrix, float]:
    """Weights and bias of an L2-regularized logistic regression (Newton / IRLS)."""
    design = np.column_stack([np.ones(len(features)), features])
    beta = np.zeros(design.shape[1])
    penalty = RIDGE * len(features) * np.eye(design.shape[1])
    penalty[0, 0] = 0.0  # the intercept is not shrunk

    for _ in range(NEWTON_STEPS):
        probabilities = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (probabilities - labels) + penalty @ beta
        curvature = probabilities * (1.0 - probabilities)
        hessian = design.T @ (design * curvature[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta[1:], float(beta[0])


def auc(scores: Matrix, labels: Matrix) -> float:
    """Area under the ROC curve via the rank-sum statistic (ties get average ranks)."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    positives = labels.sum()
    negatives = len(labels) - positives
    return float(
        (ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


def threshold_metrics(scores: Matrix, labels: Matrix, threshold: float) -> dict[str, float]:
    """Share of payments flagged, and precision/recall of flagging at ``threshold``."""
    flagged = scores >= threshold
    true_positives = float((flagged & (labels == 1)).sum())
    return {
        "flagged_rate": round(float(flagged.mean()), 4),
        "precision": round(true_positives / max(float(flagged.sum()), 1.0), 4),
        "recall": round(true_positives / max(float(labels.sum()), 1.0), 4),
    }


def train(seed: int = SEED, samples: int = SAMPLES) -> dict[str, Any]:
    """Generate data, fit, evaluate on the hold-out set; returns the ``model.json`` content."""
    rng = np.random.default_rng(seed)
    features, labels = synthesize(rng, samples)
    split = int(samples * (1.0 - HOLDOUT_FRACTION))

    means = features[:split].mean(axis=0)
    scales = features[:split].std(axis=0)
    scales[scales == 0.0] = 1.0
    standardized = (features - means) / scales
    weights, bias = fit(standardized[:split], labels[:split])

    holdout_scores = 1.0 / (1.0 + np.exp(-(standardized[split:] @ weights + bias)))
    holdout_labels = labels[split:]
    return {
        "model_version": MODEL_VERSION,
        "features": list(FEATURE_NAMES),
        "means": [round(float(v), DECIMALS) for v in means],
        "scales": [round(float(v), DECIMALS) for v in scales],
        "weights": [round(float(v), DECIMALS) for v in weights],
        "bias": round(bias, DECIMALS),
        "thresholds": {"review": REVIEW_THRESHOLD, "decline": DECLINE_THRESHOLD},
        "training": {
            "seed": seed,
            "samples": samples,
            "holdout_samples": samples - split,
            "fraud_rate": round(float(labels.mean()), 4),
            "holdout_auc": round(auc(holdout_scores, holdout_labels), 4),
            "review": threshold_metrics(holdout_scores, holdout_labels, REVIEW_THRESHOLD),
            "decline": threshold_metrics(holdout_scores, holdout_labels, DECLINE_THRESHOLD),
        },
    }


def main() -> None:
    """Command-line entry point: train and write the parameter file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    model = train(seed=args.seed)
    args.output.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    logger.info("wrote %s (hold-out AUC %.4f)", args.output, model["training"]["holdout_auc"])


if __name__ == "__main__":
    main()
