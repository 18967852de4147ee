"""The local end-to-end run: a day of payments through the stack as its Terraform wires it.

The shared ``local_run`` (conftest) provisions moto from ``terraform/``, sends 60 payments and
the refusals of the workload through the authorizer and intake, routes every event by the
rules' parsed patterns, rotates both keys at 14:00, settles at the settlement schedule and
reconciles a processor file with injected discrepancies. Expected numbers below come from
the workload's plan (what each request was built to do), never from the run itself.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from reference_stack.local.run import RunOptions, run
from reference_stack.local.stack import TERRAFORM_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
APPROVED_OUTCOMES = ("approved", "approved-review")


def _approved(local_run):
    return [r for r in local_run.requests if r.expected in APPROVED_OUTCOMES]


def test_every_request_has_the_outcome_its_scenario_planned(local_run):
    assert local_run.outcomes == local_run.expected


def test_the_day_covers_every_path_of_the_stack(local_run):
    assert Counter(local_run.expected.values()) == {
        "approved": 52,
        "approved-review": 1,
        "declined:suspected_fraud": 1,
        "declined:invalid_card_number": 1,
        "declined:expired_card": 1,
        "declined:exceeds_amount_limit": 1,
        "declined:exceeds_frequency_limit": 3,
        "denied": 1,
        "invalid": 1,
        "forbidden": 1,
        "conflict": 1,
        "replayed": 1,
    }
    assert sum(r.creates_payment for r in local_run.requests) == local_run.options.payments
    assert local_run.statuses == {201: 61, 400: 1, 403: 2, 422: 1}


def test_ledger_balances_to_the_cent_in_every_currency(local_run):
    ledger = local_run.ledger
    planned: Counter[str] = Counter()
    for request in _approved(local_run):
        planned[request.body["currency"]] += request.body["amount_minor"]

    assert ledger.unbalanced() == []
    assert ledger.debits == ledger.credits
    assert ledger.customer_funds == dict(planned)
    assert local_run.approved_totals == dict(planned)
    assert sorted(planned) == ["BHD", "CHF", "EUR", "GBP", "JPY", "USD"]  # 3, 2 and 0 decimals


def test_settlement_batches_every_approved_payment_once(local_run):
    approved = _approved(local_run)
    batches = {(r.body["merchant_id"], r.body["currency"]) for r in approved}

    assert local_run.settle_results == [
        {"batches": len(batches), "payments": len(approved), "skipped_batches": 0}
    ]
    assert (local_run.ledger.batches, local_run.ledger.batched_payments) == (
        len(batches),
        len(approved),
    )
    assert Counter(item["status"] for item in local_run.payments) == {
        "SETTLED": len(approved),
        "DECLINED": 7,
    }


def test_reconciliation_reports_exactly_the_injected_discrepancies(local_run):
    processor = local_run.processor
    reported_ids = {payment_id for _, payment_id in local_run.found}

    assert sorted(kind for kind, _ in processor.injected) == [
        "amount_mismatch",
        "missing_at_processor",
        "missing_in_ledger",
    ]
    assert local_run.found == processor.injected
    assert processor.within_tolerance is not None
    assert processor.within_tolerance not in reported_ids
    assert local_run.reconcile_results == [
        {
            "report_key": "reconciliation/2024-05-14/report.json",
            "matched": len(_approved(local_run)) - 2,
            "discrepancies": 3,
        }
    ]


def test_events_reach_exactly_the_targets_their_rules_match(local_run):
    approved = len(_approved(local_run))
    target = "aws_cloudwatch_event_target."

    assert dict(local_run.deliveries) == {
        target + "payment_initiated": 60,
        target + "payment_screened": 60,
        target + "payment_authorized": approved,
        target + "payment_declined": 7,
        target + "reconciliation_discrepancy": 3,
        target + "settlement_schedule": 1,
        target + "reconciliation_schedule": 1,
    }
    invocations = dict(local_run.invocations)
    assert invocations.pop("authorizer") == _authorizer_cache_misses(local_run)
    assert invocations == {
        "intake": 65,  # the 64 requests the authorizer allowed, and the retry after the outage
        "fraud": 60,
        "authorize": 60,
        "ledger": approved,
        "notifier": 10,
        "settle": 1,
        "reconcile": 1,
        "rotate": 8,  # four steps for each of the two secrets
    }


def _authorizer_cache_misses(local_run) -> int:
    """Authorizer calls API Gateway makes with api.tf's result cache (300 s per token)."""
    cached: dict[str, datetime] = {}
    misses = 0
    for request in local_run.requests:
        merchant = request.token_merchant or request.merchant_id
        identity = f"{merchant}:{request.number}" if request.forged_token else merchant
        identity = f"{identity}:fresh" if request.fresh_token else identity
        seen = cached.get(identity)
        if seen is None or (request.at - seen).total_seconds() >= 300:
            cached[identity] = request.at
            misses += 1
    return misses


def test_keys_rotate_at_midday_and_velocity_spans_the_rotation(local_run):
    tokenization = local_run.deployment.secret_arns["lg-ref/pan-tokenization-key"]
    before, after = local_run.rotations[tokenization]
    rotation = datetime(2024, 5, 14, 14, 0, tzinfo=UTC)
    by_id = {item["payment_id"]: item for item in local_run.payments}
    created = sorted(
        (item["created_at"], item.get("card_token_key_id"), "previous_card_token" in item)
        for item in by_id.values()
    )
    early = [entry for entry in created if entry[0] < "2024-05-14T14:00"]
    late = [entry for entry in created if entry[0] >= "2024-05-14T14:05"]
    around = [
        local_run.outcomes[r.number]
        for r in local_run.requests
        if r.scenario == "velocity across rotation"
    ]

    assert len(local_run.rotations) == 2
    assert all(old != new for old, new in local_run.rotations.values())
    assert {(key, has_previous) for _, key, has_previous in early} == {(before, False)}
    assert {(key, has_previous) for _, key, has_previous in late} == {(after, True)}
    assert [
        r.at < rotation for r in local_run.requests if r.scenario == "velocity across rotation"
    ] == [True, True, True, False, False, False]
    assert around == ["approved"] * 5 + ["declined:exceeds_frequency_limit"]


def test_the_outage_is_retried_and_nothing_is_dead_lettered(local_run):
    (outage,) = [r for r in local_run.requests if r.outage]

    assert local_run.faults == [("intake", "events", "PutEvents")]
    assert local_run.outcomes[outage.number] == "approved"
    assert local_run.dead_letters == []
    assert local_run.problems() == []


def test_the_command_runs_500_payments_to_a_balanced_ledger():
    completed = subprocess.run(
        [sys.executable, "-m", "reference_stack.local", "--payments", "500"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = completed.stdout.splitlines()

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "payments     500 accepted: 493 approved (1 flagged for review), 7 declined" in lines
    assert lines[5] == "ledger       balanced per currency (debits = credits, to the minor unit):"
    assert all(" = " in line and "matches" in line for line in lines[6:12])
    assert "settlement   24 batches, 493 payments settled" in lines
    assert (
        "reconcile    491 matched, 3 discrepancies found, 3 injected: all reported, none extra"
        in lines
    )
    assert lines[-1] == "result       OK"


def test_a_misspelt_event_pattern_in_the_terraform_stops_the_pipeline(tmp_path):
    terraform = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_DIR, terraform)
    events = terraform / "events.tf"
    text = events.read_text(encoding="utf-8")
    assert text.count('"detail-type" = ["payment.screened"]') == 1
    events.write_text(
        text.replace('"detail-type" = ["payment.screened"]', '"detail-type" = ["payment.screned"]'),
        encoding="utf-8",
    )

    result = run(RunOptions(payments=25, terraform=terraform))
    payments = [r for r in result.requests if r.creates_payment]

    assert result.invocations["fraud"] == 25
    assert result.invocations["authorize"] == 0
    assert "aws_cloudwatch_event_target.payment_screened" not in result.deliveries
    assert {result.outcomes[r.number] for r in payments} == {"stuck:PENDING_SCREENING"}
    assert result.settle_results == [{"batches": 0, "payments": 0, "skipped_batches": 0}]
    assert result.problems()[0].endswith("got stuck:PENDING_SCREENING")
