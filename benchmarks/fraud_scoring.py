"""Benchmark of the reference stack's fraud scoring: features + model, pure Python.

Run from the repository root: ``python benchmarks/fraud_scoring.py``. Prints the median and
99th percentile time per payment over several rounds; the target is well under a millisecond.
Timing lives here and not in the tests because it depends on the machine running it.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reference_stack.functions.common.models import CardSummary, PaymentInitiated
from reference_stack.functions.fraud.scoring import features, load_model

logger = logging.getLogger(__name__)


def sample_payments(count: int) -> list[PaymentInitiated]:
    """Varied payments (amounts, MCCs, countries, hours) so no single branch dominates."""
    mccs = ["5411", "7995", "5812", "6051", "4829"]
    countries = ["DE", "FR", None, "NG"]
    return [
        PaymentInitiated(
            payment_id=f"00000000-0000-4000-8000-{index:012d}",
            merchant_id="merchant_001",
            amount_minor=100 + index * 37 % 500_000,
            currency="EUR",
            card=CardSummary(token="tok_" + "0" * 64, bin="411111", last4="1111"),
            luhn_valid=index % 50 != 0,
            mcc=mccs[index % len(mccs)],
            billing_country="DE",
            ip_country=countries[index % len(countries)],
            created_at=datetime(2024, 5, 14, index % 24, 0, tzinfo=UTC),
        )
        for index in range(count)
    ]


def main() -> None:
    """Time ``assess(features(payment))`` per payment and report percentiles."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    model = load_model()
    payments = sample_payments(args.payments)
    timings: list[float] = []
    for _ in range(args.rounds):
        for payment in payments:
            start = time.perf_counter()
            model.assess(features(payment))
            timings.append(time.perf_counter() - start)

    timings.sort()
    median_us = statistics.median(timings) * 1e6
    p99_us = timings[int(len(timings) * 0.99) - 1] * 1e6
    logger.info(
        "fraud scoring: %d scores, median %.1f us, p99 %.1f us", len(timings), median_us, p99_us
    )


if __name__ == "__main__":
    main()
