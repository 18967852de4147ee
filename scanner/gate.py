"""The CI gate: the exit code a scan result earns under a severity threshold."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from scanner.model import ScanResult, Severity, Status


class ExitCode(IntEnum):
    """Exit codes, as documented in the README and DESIGN.md."""

    PASSED = 0
    FAILED = 1
    ERROR = 2


class Threshold(StrEnum):
    """`--fail-on`: the lowest severity that fails the gate, or `none`."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


def gate(result: ScanResult, threshold: Threshold, ignore_input_errors: bool = False) -> ExitCode:
    """2 when an input could not be read (unless ignored), 1 when a failed finding is at or
    above the threshold, else 0."""
    if result.errors and not ignore_input_errors:
        return ExitCode.ERROR
    if threshold == Threshold.NONE:
        return ExitCode.PASSED
    floor = Severity(threshold.value).rank
    for finding in result.findings:
        if finding.status == Status.FAILED and finding.severity.rank >= floor:
            return ExitCode.FAILED
    return ExitCode.PASSED
