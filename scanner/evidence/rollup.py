"""Per-control roll-up: the status an auditor reads for each control of a framework.

A control's status comes from the findings of the rules the catalogue maps to it:

- `failed`: at least one failed finding (a "cannot verify" finding counts: unproven is not
  compliant);
- `waived`: no failed finding, at least one waived one;
- `passed`: only passed findings, at least one;
- `no-evidence`: the control has rules but none of them found a resource in the scanned IaC,
  so the scan shows nothing either way (never counted as passed);
- `manual`: the control has no rules; a person supplies the evidence its `manual` text names.
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum

from pydantic import BaseModel, Field

from scanner.frameworks import Control, Framework
from scanner.model import Finding, ScanResult, Status


class ControlStatus(StrEnum):
    """A control's rolled-up status, in the order reports list them."""

    FAILED = "failed"
    WAIVED = "waived"
    PASSED = "passed"
    NO_EVIDENCE = "no-evidence"
    MANUAL = "manual"


class FindingRef(BaseModel):
    """A pointer to one finding of `evidence.json`'s scan result that evidences a control."""

    rule_id: str
    resource: str
    file: str
    line: int
    status: Status


class ControlResult(BaseModel):
    """One control of a framework with its status, the rules behind it and their findings."""

    id: str
    title: str
    status: ControlStatus
    rules: list[str] = Field(default_factory=list)
    manual: str | None = None
    failed: int = 0
    passed: int = 0
    waived: int = 0
    findings: list[FindingRef] = Field(default_factory=list)


class Coverage(BaseModel):
    """How many controls rules evidence alone (`automated`), rules plus evidence a person
    supplies (`partial`), or a person alone (`manual`)."""

    controls: int
    automated: int
    partial: int
    manual: int


class FrameworkResult(BaseModel):
    """A framework's catalogue entry with every control rolled up."""

    id: str
    title: str
    version: str
    source: str
    coverage: Coverage
    status_counts: dict[ControlStatus, int]
    controls: list[ControlResult]


def roll_up(result: ScanResult, frameworks: list[Framework]) -> list[FrameworkResult]:
    """Every control of each framework, in catalogue order, with its status and findings."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_rule[finding.rule_id].append(finding)
    return [_framework(framework, by_rule) for framework in frameworks]


def _framework(framework: Framework, by_rule: dict[str, list[Finding]]) -> FrameworkResult:
    controls = [_control(control, by_rule) for control in framework.controls]
    counts = {status: 0 for status in ControlStatus}
    for control in controls:
        counts[control.status] += 1
    ruled = [control for control in framework.controls if control.rules]
    partial = sum(1 for control in ruled if control.manual)
    return FrameworkResult(
        id=framework.id,
        title=framework.title,
        version=framework.version,
        source=framework.source,
        coverage=Coverage(
            controls=len(controls),
            automated=len(ruled) - partial,
            partial=partial,
            manual=len(controls) - len(ruled),
        ),
        status_counts=counts,
        controls=controls,
    )


def _control(control: Control, by_rule: dict[str, list[Finding]]) -> ControlResult:
    findings = [finding for rule_id in control.rules for finding in by_rule.get(rule_id, [])]
    tally = {status: sum(1 for f in findings if f.status == status) for status in Status}
    return ControlResult(
        id=control.id,
        title=control.title,
        status=_status(control, tally),
        rules=list(control.rules),
        manual=control.manual,
        failed=tally[Status.FAILED],
        passed=tally[Status.PASSED],
        waived=tally[Status.WAIVED],
        findings=[
            FindingRef(
                rule_id=f.rule_id, resource=f.resource, file=f.file, line=f.line, status=f.status
            )
            for f in findings
        ],
    )


def _status(control: Control, tally: dict[Status, int]) -> ControlStatus:
    if not control.rules:
        return ControlStatus.MANUAL
    if tally[Status.FAILED]:
        return ControlStatus.FAILED
    if tally[Status.WAIVED]:
        return ControlStatus.WAIVED
    if tally[Status.PASSED]:
        return ControlStatus.PASSED
    return ControlStatus.NO_EVIDENCE
