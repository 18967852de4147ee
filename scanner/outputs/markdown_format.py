"""A Markdown summary to post as a pull- or merge-request comment.

The gate verdict, counts by severity and by framework, new against baseline, the top failed
findings and the waivers. Locations are `file:line` code spans, not links: a relative link in
a PR comment resolves against the comment's page, not the repository tree, and a correct link
needs the repository URL and commit, which only the pipeline knows.
"""

from __future__ import annotations

from collections import Counter

from scanner.gate import Threshold, gating
from scanner.model import ScanResult, Severity, Status

TOP = 20


def render(result: ScanResult, *, color: bool = False) -> str:
    """The whole comment, ending in one newline."""
    sections = [
        _verdict(result),
        _by_severity(result),
        _by_framework(result),
        _baseline(result),
        _top_findings(result),
        _waived(result),
        _notices(result),
        _errors(result),
        f"<sub>ledgerguard {result.tool.version}</sub>",
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _verdict(result: ScanResult) -> str:
    summary = result.summary
    counts = (
        f"{_count(summary.resources, 'resource')} in {_count(summary.files, 'file')}: "
        f"**{summary.failed}** failed, **{summary.passed}** passed, **{summary.waived}** waived."
    )
    gate = result.gate
    if gate is None:
        return f"## ledgerguard report\n\n{counts}"
    if gate.exit_code == 2:
        line = f"{_count(len(result.errors), 'input error')}: the gate cannot pass (exit 2)."
        return f"## ledgerguard: ⚠️ input errors\n\n{line}\n\n{counts}"
    if gate.passed:
        line = f"No failed finding gates at `--fail-on {gate.fail_on}`"
        line += " (waived and baseline findings do not count)." if gate.fail_on != "none" else "."
        return f"## ledgerguard: ✅ gate passed\n\n{line}\n\n{counts}"
    count = len(gating(result.findings, Threshold(gate.fail_on)))
    verb = "fails" if count == 1 else "fail"
    line = f"{_count(count, 'finding')} at or above `{gate.fail_on}` {verb} the gate (exit 1)."
    return f"## ledgerguard: ❌ gate failed\n\n{line}\n\n{counts}"


def _by_severity(result: ScanResult) -> str:
    failed = Counter(f.severity for f in result.findings if f.status == Status.FAILED)
    waived = Counter(f.severity for f in result.findings if f.status == Status.WAIVED)
    new = Counter(f.severity for f in result.findings if f.baseline == "new")
    with_baseline = result.baseline is not None
    head = (
        "| Severity | Failed | New | In baseline | Waived |"
        if with_baseline
        else ("| Severity | Failed | Waived |")
    )
    rule = "|---|---:|---:|---:|---:|" if with_baseline else "|---|---:|---:|"
    rows = [head, rule]
    for severity in Severity:
        if with_baseline:
            existing = failed[severity] - new[severity]
            cells = [failed[severity], new[severity], existing, waived[severity]]
        else:
            cells = [failed[severity], waived[severity]]
        rows.append(f"| {severity.value} | " + " | ".join(map(str, cells)) + " |")
    return "### By severity\n\n" + "\n".join(rows)


def _by_framework(result: ScanResult) -> str:
    frameworks = sorted({c.framework for f in result.findings for c in f.controls})
    if not frameworks:
        return ""
    rows = ["| Framework | Failed | Waived | Controls with failures |", "|---|---:|---:|---|"]
    for framework in frameworks:
        mine = [f for f in result.findings if any(c.framework == framework for c in f.controls)]
        failed = [f for f in mine if f.status == Status.FAILED]
        waived = sum(1 for f in mine if f.status == Status.WAIVED)
        controls = sorted(
            {c.id for f in failed for c in f.controls if c.framework == framework},
            key=_control_key,
        )
        shown = ", ".join(controls) or "—"
        rows.append(f"| {framework} | {len(failed)} | {waived} | {shown} |")
    return "### By framework\n\n" + "\n".join(rows)


def _baseline(result: ScanResult) -> str:
    report = result.baseline
    if report is None:
        return ""
    text = (
        f"### Baseline\n\n**{report.new}** new, **{report.existing}** already in the baseline "
        f"(reported, not gating), **{len(report.fixed)}** fixed."
    )
    if report.fixed:
        fixed = [f"- `{e.rule_id}` on `{e.resource}`" for e in report.fixed[:TOP]]
        if len(report.fixed) > TOP:
            fixed.append(f"- … and {len(report.fixed) - TOP} more")
        text += "\n\nFixed since the baseline:\n\n" + "\n".join(fixed)
    return text


def _top_findings(result: ScanResult) -> str:
    failed = [f for f in result.findings if f.status == Status.FAILED]
    if not failed:
        return ""
    failed.sort(
        key=lambda f: (f.baseline == "existing", -f.severity.rank, f.cannot_verify, f.file, f.line)
    )
    rows = ["| Severity | Rule | Resource | Location | Finding |", "|---|---|---|---|---|"]
    for finding in failed[:TOP]:
        severity = finding.severity.value
        if finding.baseline == "existing":
            severity += " (baseline)"
        rows.append(
            f"| {severity} | `{finding.rule_id}` | `{finding.resource}` | "
            f"`{finding.file}:{finding.line}` | {_cell(f'{finding.title}: {finding.message}')} |"
        )
    more = len(failed) - TOP
    text = "### Top findings\n\n" + "\n".join(rows)
    if more > 0:
        text += f"\n\n… and {_count(more, 'more failed finding')} in the full report."
    return text


def _waived(result: ScanResult) -> str:
    waived = [f for f in result.findings if f.status == Status.WAIVED and f.waiver is not None]
    if not waived:
        return ""
    rows = ["| Rule | Resource | Reason | Owner | Expires | Waiver |", "|---|---|---|---|---|---|"]
    for finding in waived[:TOP]:
        waiver = finding.waiver
        assert waiver is not None
        rows.append(
            f"| `{finding.rule_id}` | `{finding.resource}` | {_cell(waiver.reason)} | "
            f"{_cell(waiver.owner)} | {waiver.expires.isoformat()} | `{waiver.source}` |"
        )
    if len(waived) > TOP:
        rows.append(f"\n… and {len(waived) - TOP} more.")
    return f"### Waived ({len(waived)})\n\n" + "\n".join(rows)


def _notices(result: ScanResult) -> str:
    if not result.waiver_notices:
        return ""
    lines = [
        f"- **{notice.kind}** `{notice.source}`: {_cell(notice.message)}"
        for notice in result.waiver_notices
    ]
    return "### Waivers needing attention\n\n" + "\n".join(lines)


def _errors(result: ScanResult) -> str:
    lines = []
    for error in result.errors:
        where = f"{error.file}:{error.line}" if error.line else error.file
        lines.append(f"- `{where}`: {_cell(error.message)}")
    for module in result.modules_not_scanned:
        lines.append(
            f"- not scanned: `{module.address}` (remote source `{module.source}`) at "
            f"`{module.file}:{module.line}`"
        )
    return "### Input errors and skipped modules\n\n" + "\n".join(lines) if lines else ""


def _cell(text: str) -> str:
    """Text safe inside a table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _control_key(control_id: str) -> tuple[tuple[int, int | str], ...]:
    """Sort `7.2.1` before `10.2.1` and `CC6.1` before `CC6.10`."""
    parts = control_id.replace("Art.", "").split(".")
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
