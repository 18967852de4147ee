"""The plain-text summary of a local run (and of its trace, when recorded)."""

from __future__ import annotations

from collections import Counter

from reference_stack.functions.common.money import exponent
from reference_stack.local.iam_eval import Violation
from reference_stack.local.least_privilege import TerraformNames
from reference_stack.local.run import RunResult
from reference_stack.local.workload import APPROVED, REVIEW


def money(amount_minor: int, currency: str) -> str:
    """An amount in major units with its currency's decimals (``EUR 1,234.56``)."""
    digits = exponent(currency)
    major, minor = divmod(amount_minor, 10**digits)
    text = f"{major:,}" + (f".{minor:0{digits}d}" if digits else "")
    return f"{currency} {text}"


def summary(result: RunResult) -> str:
    """What happened, in the order it happened, then the verdict."""
    options = result.options
    outcomes = Counter(result.outcomes[n] for n in sorted(result.outcomes))
    payments = [o for o in outcomes.elements() if o.startswith(("approved", "declined"))]
    approved = outcomes[APPROVED] + outcomes[REVIEW]
    declines = Counter(o.split(":", 1)[1] for o in payments if o.startswith("declined:"))
    lines = [
        f"Local run of {options.day.isoformat()} (seed {options.seed}, "
        f"Terraform {options.terraform.name}/)",
        f"payments     {len(payments)} accepted: {approved} approved "
        f"({outcomes[REVIEW]} flagged for review), {sum(declines.values())} declined",
    ]
    if declines:
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(declines.items()))
        lines.append(f"             declined by reason: {reasons}")
    others = {k: v for k, v in outcomes.items() if not k.startswith(("approved", "declined"))}
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(result.statuses.items()))
    lines.append(f"requests     {len(result.requests)} sent (HTTP {statuses})")
    if others:
        lines.append("             " + ", ".join(f"{k} {v}" for k, v in sorted(others.items())))
    lines += _ledger_lines(result)
    settled = sum(int(r["payments"]) for r in result.settle_results)
    batches = sum(int(r["batches"]) for r in result.settle_results)
    lines.append(f"settlement   {batches} batches, {settled} payments settled")
    lines += _reconcile_lines(result)
    if result.rotations:
        lines.append(f"keys         {len(result.rotations)} secrets rotated by the rotate function")
    lines.append(
        "routing      "
        + ", ".join(
            f"{target.split('.', 1)[1]} {count}"
            for target, count in sorted(result.deliveries.items())
        )
    )
    problems = result.problems()
    lines.append("result       " + ("OK" if not problems else "FAILED"))
    lines += [f"  - {problem}" for problem in problems]
    return "\n".join(lines)


def _ledger_lines(result: RunResult) -> list[str]:
    ledger = result.ledger
    if ledger is None:
        return ["ledger       not read"]
    verdict = "balanced" if not ledger.unbalanced() else "UNBALANCED"
    lines = [f"ledger       {verdict} per currency (debits = credits, to the minor unit):"]
    for currency in sorted(set(ledger.debits) | set(ledger.credits)):
        debit, credit = ledger.debits.get(currency, 0), ledger.credits.get(currency, 0)
        mark = "=" if debit == credit else "!="
        funds = ledger.customer_funds.get(currency, 0)
        approved = result.approved_totals.get(currency, 0)
        check = "matches" if funds == approved else "DIFFERS from"
        lines.append(
            f"             {money(debit, currency):>22} {mark} {money(credit, currency):<22}"
            f" customer funds {check} approved payments"
        )
    return lines


def _reconcile_lines(result: RunResult) -> list[str]:
    processor = result.processor
    if processor is None or not result.reconcile_results:
        return ["reconcile    did not run"]
    matched = sum(int(r["matched"]) for r in result.reconcile_results)
    missing = processor.injected - result.found
    extra = result.found - processor.injected
    lines = [
        f"reconcile    {matched} matched, {len(result.found)} discrepancies found, "
        f"{len(processor.injected)} injected: "
        + ("all reported" if not missing else f"{len(missing)} NOT reported")
        + (", none extra" if not extra else f", {len(extra)} extra")
    ]
    for kind, payment_id in sorted(result.found | processor.injected):
        lines.append(f"             {kind:<22} {payment_id}")
    if processor.within_tolerance:
        lines.append(f"             within tolerance, not reported: {processor.within_tolerance}")
    return lines


def trace_summary(result: RunResult, violations: list[Violation]) -> str:
    """Per function: the IAM requests its recorded calls need (resources named by Terraform
    address), the runtime's requests in short, then the violations."""
    names = TerraformNames(result.deployment)
    lines = ["least privilege (recorded calls and runtime, against each role's policies):"]
    for key, trace in sorted(result.traces.items()):
        lines.append(f"  {key} ({trace.calls} calls)")
        lines += [f"    {names.request(request)}" for request in trace.code]
        runtime = sorted({request.action.split(":", 1)[0] for request in trace.runtime})
        lines.append(f"    runtime: {', '.join(runtime)} actions of its Terraform configuration")
    if violations:
        lines.append(f"  {len(violations)} violations:")
        lines += [f"    {violation}" for violation in violations]
    else:
        lines.append("  every request allowed, every grant used")
    return "\n".join(lines)
