"""The CI gate: waivers and a baseline applied to the findings, then the exit code a result
earns under a severity threshold."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.model import (
    BaselineReport,
    Finding,
    GateVerdict,
    ScanResult,
    Severity,
    Status,
    WaiverNotice,
)

if TYPE_CHECKING:
    from scanner.loaders.terraform import Inventory
    from scanner.scan import ScanOptions


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


@dataclass
class Exceptions:
    """Findings after waivers and baseline, with what the result reports about both."""

    findings: list[Finding]
    notices: list[WaiverNotice] = field(default_factory=list)
    baseline: BaselineReport | None = None


def apply_exceptions(
    findings: list[Finding],
    options: ScanOptions,
    root: Path,
    inventory: Inventory,
    rule_ids: set[str],
    only_files: set[str],
) -> Exceptions:
    """Apply the waivers file, inline waivers and the baseline to `findings`, then keep only
    the findings of `only_files` when the scan was limited to files.

    Waivers and the baseline are matched against every finding first, so that a waiver or a
    baseline entry for a file outside `only_files` is neither stale nor fixed. `rule_ids` are
    the rules a waiver may name. UsageError (exit 2) for an invalid waiver or baseline, naming
    its file and line.
    """
    from scanner.baseline import apply_baseline, load_baseline
    from scanner.waivers.apply import apply_waivers
    from scanner.waivers.file import load_waiver_file
    from scanner.waivers.inline import find_inline_waivers
    from scanner.waivers.model import resolve_today

    today = resolve_today(options.today)
    known = rule_ids | {finding.rule_id for finding in findings}
    waivers = []
    if options.waivers is not None:
        display = display_path(options.waivers, root)
        waivers += load_waiver_file(
            options.waivers, display, known, today, options.config.waivers.max_lifetime_days
        )
    broken = {error.file for error in inventory.errors}
    files = [f for f in inventory.files if f not in broken]
    waivers += find_inline_waivers(
        root, files, inventory.resources, known, today, options.config.waivers.max_lifetime_days
    )
    everything, notices = apply_waivers(findings, waivers, today)
    findings = [f for f in everything if not only_files or f.file in only_files]
    report = None
    if options.baseline is not None:
        entries = load_baseline(options.baseline, display_path(options.baseline, root))
        findings, report = apply_baseline(findings, entries, everything)
    return Exceptions(findings, notices, report)


def display_path(path: Path, root: Path) -> str:
    """How reports name a file the user passed: relative to the scanned root when inside it,
    else as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return os.fspath(path)


def gate(result: ScanResult, threshold: Threshold, ignore_input_errors: bool = False) -> ExitCode:
    """2 when an input could not be read (unless ignored), 1 when a failed finding at or above
    the threshold is neither waived nor recorded in the baseline, else 0."""
    if result.errors and not ignore_input_errors:
        return ExitCode.ERROR
    return ExitCode.FAILED if gating(result.findings, threshold) else ExitCode.PASSED


def gating(findings: list[Finding], threshold: Threshold) -> list[Finding]:
    """The findings that fail the gate: failed (not waived), not recorded in the baseline, and
    at or above the threshold."""
    if threshold == Threshold.NONE:
        return []
    floor = Severity(threshold.value).rank
    return [
        f
        for f in findings
        if f.status == Status.FAILED and f.baseline != "existing" and f.severity.rank >= floor
    ]


def decide(result: ScanResult, threshold: Threshold, ignore_input_errors: bool = False) -> ExitCode:
    """`gate`, with the verdict recorded on `result` for the reports that show it."""
    code = gate(result, threshold, ignore_input_errors)
    result.gate = GateVerdict(
        passed=code == ExitCode.PASSED, fail_on=threshold.value, exit_code=int(code)
    )
    return code
