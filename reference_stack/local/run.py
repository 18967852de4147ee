"""One local run: provision from Terraform, replay a day of payments, settle, reconcile, check.

Everything happens inside ``moto.mock_aws`` and on a simulated clock (``common.clock``), so a
run with the same options gives the same summary. The run leaves the process as it found it:
environment, clock, botocore hooks, cached clients and secrets.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

import boto3
from moto import mock_aws
from moto.awslambda.utils import get_backend

from reference_stack.functions.authorizer.bearer import sign
from reference_stack.functions.common import aws, clock
from reference_stack.functions.common import secrets as secret_cache
from reference_stack.local import books
from reference_stack.local.api import HttpApi
from reference_stack.local.functions import Functions
from reference_stack.local.least_privilege import FunctionTrace, function_traces
from reference_stack.local.moto_speed import cached_jsonpath, cheaper_transactions
from reference_stack.local.provision import Deployment, provision
from reference_stack.local.routing import Router, next_fire_time
from reference_stack.local.stack import TERRAFORM_DIR, Stack, load_stack
from reference_stack.local.trace import CallRecorder, FaultInjector
from reference_stack.local.workload import (
    CONFLICT,
    DENIED,
    FORBIDDEN,
    INVALID,
    REPLAYED,
    ROTATION_AT,
    Request,
    plan_day,
)

# Events are delivered after every DRAIN_EVERY requests (and before the key rotation and the
# schedules), which lets each poll take up to ten messages. No outcome depends on it: the
# velocity check counts payments by their creation time, whenever authorize runs.
DRAIN_EVERY = 10

RUN_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "local-run",
    "AWS_SECRET_ACCESS_KEY": "local-run",
    "AWS_SESSION_TOKEN": "local-run",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_DEV": "false",
}


@dataclass(frozen=True)
class RunOptions:
    """What to run: how many payments, which seed, which day, which Terraform."""

    payments: int = 500
    seed: int = 7
    day: date = date(2024, 5, 14)
    terraform: Path = TERRAFORM_DIR
    trace: bool = False


@dataclass
class RunResult:
    """Everything the summary and the tests look at."""

    options: RunOptions
    stack: Stack
    deployment: Deployment
    requests: list[Request]
    outcomes: dict[int, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    payments: list[dict[str, Any]] = field(default_factory=list)
    ledger: books.LedgerTotals | None = None
    approved_totals: dict[str, int] = field(default_factory=dict)
    settle_results: list[dict[str, Any]] = field(default_factory=list)
    processor: books.ProcessorFile | None = None
    reconcile_results: list[dict[str, Any]] = field(default_factory=list)
    found: frozenset[tuple[str, str]] = frozenset()
    rotations: dict[str, tuple[str, str]] = field(default_factory=dict)
    deliveries: Counter[str] = field(default_factory=Counter)
    invocations: Counter[str] = field(default_factory=Counter)
    dead_letters: list[str] = field(default_factory=list)
    faults: list[tuple[str, str, str]] = field(default_factory=list)
    traces: dict[str, FunctionTrace] = field(default_factory=dict)

    @property
    def expected(self) -> dict[int, str]:
        """Each request's expected outcome, by request number."""
        return {request.number: request.expected for request in self.requests}

    def problems(self) -> list[str]:
        """Why the run failed; empty when it succeeded."""
        found = []
        mismatched = [
            f"request {n}: expected {self.expected[n]}, got {self.outcomes.get(n)}"
            for n in sorted(self.expected)
            if self.outcomes.get(n) != self.expected[n]
        ]
        found += mismatched[:10]
        if len(mismatched) > 10:
            found.append(f"... and {len(mismatched) - 10} more requests with another outcome")
        if self.ledger is None or self.ledger.unbalanced():
            found.append(
                "ledger unbalanced in "
                + ", ".join(self.ledger.unbalanced() if self.ledger else ["?"])
            )
        elif self.ledger.customer_funds != self.approved_totals:
            found.append("ledger customer funds differ from the approved payments")
        injected = self.processor.injected if self.processor else frozenset()
        if not injected:
            found.append("too few payments were posted to inject discrepancies")
        found += [
            f"injected discrepancy not reported: {k} {p}" for k, p in sorted(injected - self.found)
        ]
        found += [
            f"unexpected discrepancy reported: {k} {p}" for k, p in sorted(self.found - injected)
        ]
        found += [f"dead-lettered: {letter}" for letter in self.dead_letters]
        return found


@contextmanager
def _isolated(region: str) -> Iterator[None]:
    """Fake credentials and a clean process state for the run; everything restored after."""
    saved = dict(os.environ)
    os.environ.update(RUN_ENVIRONMENT)
    os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = region
    aws.reset_clients()
    secret_cache.clear_cache()
    try:
        yield
    finally:
        clock.set_source(None)
        aws.reset_clients()
        secret_cache.clear_cache()
        os.environ.clear()
        os.environ.update(saved)


class SimulatedClock:
    """The run's time: moves only forward, when the runner says so."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        """The current simulated instant."""
        return self.current

    def advance_to(self, moment: datetime) -> None:
        """Move to ``moment`` (never backwards)."""
        self.current = max(self.current, moment)


def run(options: RunOptions, log_sink: TextIO | None = None) -> RunResult:
    """Run the stack locally; see the module docstring."""
    stack = load_stack(options.terraform)
    requests = plan_day(options.payments, options.seed, options.day)
    sim = SimulatedClock(datetime.combine(options.day, time(7, 0), tzinfo=UTC))
    recorder, faults = CallRecorder(), FaultInjector()
    with (
        _isolated(stack.region),
        mock_aws(config={"lambda": {"use_docker": False}}),
        cheaper_transactions(),
        cached_jsonpath(),
    ):
        clock.set_source(sim.now)
        hooks: list[FaultInjector | CallRecorder] = (
            [faults, recorder] if options.trace else [faults]
        )
        for hook in hooks:
            hook.install()
        try:
            session = boto3.session.Session(region_name=stack.region)
            deployment = provision(stack, session)
            result = RunResult(options, stack, deployment, requests)
            day = _Day(result, session, sim, faults, log_sink)
            try:
                day.play()
            finally:
                day.functions.restore_logging()
        finally:
            for hook in reversed(hooks):
                hook.uninstall()
    result.faults = list(faults.injected)
    if options.trace:
        result.traces = function_traces(deployment, recorder.calls)
    return result


class _Day:
    """The steps of one simulated business day, sharing the run's services."""

    def __init__(
        self,
        result: RunResult,
        session: boto3.session.Session,
        sim: SimulatedClock,
        faults: FaultInjector,
        log_sink: TextIO | None,
    ) -> None:
        self.result, self.session, self.sim, self.faults = result, session, sim, faults
        self.deployment = result.deployment
        self.functions = Functions(self.deployment, log_sink)
        # Services that call a function by ARN inside moto (Secrets Manager rotating a secret)
        # reach the in-process handler instead of moto's Lambda.
        backend = get_backend(self.deployment.account, self.deployment.region)
        backend.invoke = self.functions.invoke_from_moto  # type: ignore[method-assign]
        self.router = Router(self.deployment, self.functions, session)
        self.api = HttpApi(self.functions)
        self.tokens: dict[str, str] = {}
        self.payment_of: dict[int, str] = {}

    def play(self) -> None:
        """Payments, key rotation, settlement, reconciliation, then the books."""
        rotation = datetime.combine(self.result.options.day, ROTATION_AT, tzinfo=UTC)
        for number, request in enumerate(self.result.requests, start=1):
            if rotation <= request.at and not self.result.rotations:
                self.router.drain()
                self.sim.advance_to(rotation)
                self._rotate_keys()
            self._send(request)
            if number % DRAIN_EVERY == 0:
                self.router.drain()
        self.router.drain()
        self._settle_and_reconcile()
        self._read_books()
        self.result.deliveries = self.router.delivered
        self.result.invocations = self.functions.invocations
        self.result.dead_letters = [
            f"{letter.route.target}: {letter.error}" for letter in self.router.dead_letters
        ]

    # --- the merchants' side --------------------------------------------------------------

    def _env(self, function: str, name: str) -> str:
        spec = self.functions.specs[function]
        return str(self.deployment.resolver.resolve(spec.environment[name]))

    def _token(self, merchant: str, forged: bool = False, fresh: bool = False) -> str:
        if merchant in self.tokens and not (forged or fresh):
            return self.tokens[merchant]
        if forged:
            key = secrets.token_bytes(32)
        else:
            secret = self._env("authorizer", "API_SIGNING_SECRET_ARN")
            value = self.session.client("secretsmanager").get_secret_value(SecretId=secret)
            key = base64.b64decode(value["SecretString"])
        day_end = datetime.combine(self.result.options.day, time(23, 59), tzinfo=UTC)
        claims = {
            "iss": self._env("authorizer", "JWT_ISSUER"),
            "aud": self._env("authorizer", "JWT_AUDIENCE"),
            "sub": f"client-{merchant}",
            "merchant_id": merchant,
            "exp": int(day_end.timestamp()),
        }
        token = sign(claims, key)
        if not (forged or fresh):
            self.tokens[merchant] = token
        return token

    def _send(self, request: Request) -> None:
        self.sim.advance_to(request.at)
        merchant = request.token_merchant or request.merchant_id
        token = self._token(merchant, request.forged_token, request.fresh_token)
        headers = {
            "content-type": "application/json",
            "authorization": f"Bearer {token}",
            "idempotency-key": request.idempotency_key,
        }
        if request.outage:
            self.faults.fail("intake", "events", "PutEvents")
        response = self.api.post(json.dumps(request.body), headers, request.at)
        if request.outage and response["statusCode"] == 500:
            self.sim.advance_to(request.at + timedelta(seconds=1))
            response = self.api.post(json.dumps(request.body), headers, self.sim.now())
        self.result.statuses[int(response["statusCode"])] += 1
        self._record(request, response)

    def _record(self, request: Request, response: dict[str, Any]) -> None:
        status = int(response["statusCode"])
        body = json.loads(response.get("body") or "{}")
        if status == 201:
            payment_id = str(body["payment_id"])
            if payment_id in self.payment_of.values():
                self.result.outcomes[request.number] = REPLAYED
            else:
                self.payment_of[request.number] = payment_id
            return
        outcome = {400: INVALID, 422: CONFLICT}.get(status, f"http-{status}")
        if status == 403:
            outcome = FORBIDDEN if "error" in body else DENIED
        self.result.outcomes[request.number] = outcome

    # --- Secrets Manager's side -----------------------------------------------------------

    def _rotate_keys(self) -> None:
        """Start each ``aws_secretsmanager_secret_rotation`` as Secrets Manager would."""
        client = self.session.client("secretsmanager")
        resolve = self.deployment.resolver.resolve
        for rotation in self.result.stack.of_type("aws_secretsmanager_secret_rotation"):
            secret = str(resolve(rotation.attributes["secret_id"]))
            before = client.get_secret_value(SecretId=secret)["VersionId"]
            days = rotation.attributes["rotation_rules"][0]["automatically_after_days"]
            client.rotate_secret(
                SecretId=secret,
                RotationLambdaARN=str(resolve(rotation.attributes["rotation_lambda_arn"])),
                RotationRules={"AutomaticallyAfterDays": int(days)},
            )
            after = client.get_secret_value(SecretId=secret)["VersionId"]
            self.result.rotations[secret] = (str(before), str(after))

    # --- the schedules and the processor --------------------------------------------------

    def _settle_and_reconcile(self) -> None:
        (settle,) = self.router.schedule_routes("settle")
        (reconcile,) = self.router.schedule_routes("reconcile")
        assert settle.schedule is not None and reconcile.schedule is not None
        self.sim.advance_to(next_fire_time(settle.schedule, self.sim.now()))
        self.router.fire(settle, self.sim.now())
        self.router.drain()
        self.result.settle_results = [r for f, r in self.router.results if f == "settle"]

        # Reconcile only reads the ledger, so the ledger as settle left it is final.
        day = self.result.options.day
        ledger = books.scan(self.session.client("dynamodb"), self._env("reconcile", "LEDGER_TABLE"))
        self.result.ledger = books.ledger_totals(ledger)
        markers = [item for item in ledger if item.get("item_type") == "payment_marker"]
        self.result.processor = books.processor_file(
            markers,
            day,
            self.result.options.seed,
            int(self._env("reconcile", "RECON_AMOUNT_TOLERANCE_MINOR")),
            int(self._env("reconcile", "RECON_DATE_WINDOW_DAYS")),
        )
        self.session.client("s3").put_object(
            Bucket=self._env("reconcile", "SETTLEMENT_BUCKET"),
            Key=f"incoming/{day.isoformat()}.csv",
            Body=self.result.processor.text.encode("utf-8"),
        )
        self.sim.advance_to(next_fire_time(reconcile.schedule, self.sim.now()))
        self.router.fire(reconcile, self.sim.now())
        self.router.drain()
        self.result.reconcile_results = [r for f, r in self.router.results if f == "reconcile"]

    def _read_books(self) -> None:
        dynamodb, s3 = self.session.client("dynamodb"), self.session.client("s3")
        payments = books.scan(dynamodb, self._env("intake", "PAYMENTS_TABLE"))
        self.result.payments = payments
        by_id = {item["payment_id"]: item for item in payments}
        for number, payment_id in self.payment_of.items():
            self.result.outcomes[number] = books.payment_outcome(by_id[payment_id])
        approved: dict[str, int] = Counter()
        for item in payments:
            if item.get("status") in ("AUTHORIZED", "SETTLED"):
                approved[item["currency"]] += int(item["amount_minor"])
        self.result.approved_totals = dict(approved)
        found: set[tuple[str, str]] = set()
        for outcome in self.result.reconcile_results:
            report = s3.get_object(
                Bucket=self._env("reconcile", "EVIDENCE_BUCKET"), Key=outcome["report_key"]
            )
            for finding in json.loads(report["Body"].read())["discrepancies"]:
                found.add((finding["kind"], str(finding["payment_id"])))
        self.result.found = frozenset(found)
