"""JUnit XML, as GitLab (`artifacts:reports:junit`) and Jenkins read it.

One testcase per rule and resource: classname is the rule id, name the resource address.
A failed finding is a `<failure>` whose type is its severity and whose text starts with
`file:line`; a waived one, or one recorded in the baseline, is `<skipped>` with the reason.
An input file that could not be parsed is a testcase with an `<error>`. No timestamps or
durations, so the same result gives the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from scanner.model import Finding, ScanResult, Status

SUITE = "ledgerguard"
INPUT_CLASS = "ledgerguard.input"


def render(result: ScanResult, *, color: bool = False) -> str:
    """A `<testsuites>` document with one `<testsuite>`."""
    suite = ET.Element("testsuite", name=SUITE)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    ordered = sorted(result.findings, key=lambda f: (f.rule_id, f.file, f.line, f.resource))
    for finding in ordered:
        outcome = _testcase(suite, finding)
        counts["tests"] += 1
        if outcome:
            counts[outcome] += 1
    for error in result.errors:
        where = f"{error.file}:{error.line}" if error.line else error.file
        case = ET.SubElement(
            suite, "testcase", classname=INPUT_CLASS, name=error.file, file=error.file
        )
        node = ET.SubElement(case, "error", message=error.message, type="input-error")
        node.text = f"{where}: {error.message}"
        counts["tests"] += 1
        counts["errors"] += 1
    for name, value in counts.items():
        suite.set(name, str(value))
    suites = ET.Element("testsuites", {"name": SUITE, **{k: str(v) for k, v in counts.items()}})
    suites.append(suite)
    ET.indent(suites, space="  ")
    body = ET.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _testcase(suite: ET.Element, finding: Finding) -> str | None:
    """Add the finding's testcase; the counter it adds to (failures, skipped) or None."""
    case = ET.SubElement(
        suite,
        "testcase",
        classname=finding.rule_id,
        name=finding.resource,
        file=finding.file,
        line=str(finding.line),
    )
    where = f"{finding.file}:{finding.line}"
    if finding.status == Status.WAIVED and finding.waiver is not None:
        waiver = finding.waiver
        detail = f"owner {waiver.owner}, approved by {waiver.approved_by}"
        if waiver.ticket:
            detail += f", ticket {waiver.ticket}"
        message = (
            f"waived until {waiver.expires.isoformat()}: {waiver.reason} ({detail}; "
            f"{waiver.source})"
        )
        ET.SubElement(case, "skipped", message=message)
        return "skipped"
    if finding.status != Status.FAILED:
        return None
    if finding.baseline == "existing":
        message = f"recorded in the baseline: {finding.title}: {finding.message}"
        ET.SubElement(case, "skipped", message=message)
        return "skipped"
    failure = ET.SubElement(
        case,
        "failure",
        message=f"{finding.title}: {finding.message}",
        type=finding.severity.value,
    )
    lines = [where, f"{finding.resource}: {finding.message}"]
    if finding.controls:
        lines.append("controls: " + ", ".join(f"{c.framework} {c.id}" for c in finding.controls))
    failure.text = "\n".join(lines)
    return "failures"
