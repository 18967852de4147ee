"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Failed and waived findings are results; waived ones carry a suppression (so GitHub shows them
as dismissed), cannot-verify ones are notes. Each rule has help text (description and
remediation, in Markdown), its controls as tags (`pci-dss-4.0/7.2.1`) and the numeric
`security-severity` GitHub sorts by. `partialFingerprints` hold the finding's fingerprint,
which does not change when lines shift. Paths are relative to `%SRCROOT%`, the scanned root.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from scanner.fingerprint import FINGERPRINT_VERSION, finding_fingerprint
from scanner.model import ControlRef, Finding, RuleInfo, ScanResult, Severity, Status

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = f"ledgerguard/{FINGERPRINT_VERSION}"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
# GitHub maps these to its labels: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, else low.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
_BASELINE_STATE = {"new": "new", "existing": "unchanged"}


def render(result: ScanResult, *, color: bool = False) -> str:
    """One SARIF log with one run; pretty-printed JSON, byte-stable for the same result."""
    reported = [f for f in result.findings if f.status != Status.PASSED]
    rule_ids = sorted({f.rule_id for f in reported})
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    infos = {rule.id: rule for rule in result.rules}
    controls = _controls_by_rule(reported)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": result.tool.name,
                "version": result.tool.version,
                "semanticVersion": result.tool.version,
                "rules": [
                    _rule(rule_id, infos.get(rule_id), reported, controls[rule_id])
                    for rule_id in rule_ids
                ],
            }
        },
        "invocations": [_invocation(result)],
        "results": [
            _result(finding, index[finding.rule_id], result.baseline is not None)
            for finding in reported
        ],
        "columnKind": "unicodeCodePoints",
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _controls_by_rule(findings: list[Finding]) -> dict[str, list[ControlRef]]:
    found: dict[str, list[ControlRef]] = {}
    for finding in findings:
        known = found.setdefault(finding.rule_id, [])
        known.extend(c for c in finding.controls if c not in known)
    return found


def _rule(
    rule_id: str, info: RuleInfo | None, findings: list[Finding], controls: list[ControlRef]
) -> dict[str, Any]:
    sample = next(f for f in findings if f.rule_id == rule_id)
    title = info.title if info else sample.title
    severity = info.severity if info else sample.severity
    tags = ["security", "compliance", *(f"{c.framework}/{c.id}" for c in controls)]
    descriptor: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": title},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {
            "tags": tags,
            "security-severity": _SECURITY_SEVERITY[severity],
            "precision": "high",
        },
    }
    if info is not None:
        descriptor["fullDescription"] = {"text": _strip(info.description)}
        descriptor["help"] = {"text": _help_text(info), "markdown": _help_markdown(info, controls)}
        if info.references:
            descriptor["helpUri"] = info.references[0]
    return descriptor


def _help_text(info: RuleInfo) -> str:
    return f"{_strip(info.description)}\n\nRemediation: {_strip(info.remediation)}"


def _help_markdown(info: RuleInfo, controls: list[ControlRef]) -> str:
    parts = [
        f"**{info.title}**",
        _strip(info.description),
        f"**Remediation:** {_strip(info.remediation)}",
    ]
    if controls:
        parts.append("**Controls:** " + ", ".join(f"{c.framework} {c.id}" for c in controls))
    if info.references:
        parts.append("**References:**\n" + "\n".join(f"- <{url}>" for url in info.references))
    return "\n\n".join(parts)


def _result(finding: Finding, rule_index: int, with_baseline: bool) -> dict[str, Any]:
    level = "note" if finding.cannot_verify else _LEVEL[finding.severity]
    entry: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": f"{finding.resource}: {finding.message}"},
        "locations": [
            {
                "physicalLocation": _physical(finding.file, finding.line),
                "logicalLocations": [
                    {
                        "name": finding.resource,
                        "fullyQualifiedName": finding.resource,
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding_fingerprint(finding)},
        "properties": {
            "severity": finding.severity.value,
            "resourceType": finding.resource_type,
            "controls": [f"{c.framework}/{c.id}" for c in finding.controls],
            "cannotVerify": finding.cannot_verify,
        },
    }
    if with_baseline and finding.baseline is not None:
        entry["baselineState"] = _BASELINE_STATE[finding.baseline]
    if finding.waiver is not None:
        waiver = finding.waiver
        entry["suppressions"] = [
            {
                "kind": "inSource" if waiver.inline else "external",
                "status": "accepted",
                "justification": waiver.reason,
                "properties": {
                    "owner": waiver.owner,
                    "approvedBy": waiver.approved_by,
                    "ticket": waiver.ticket,
                    "expires": waiver.expires.isoformat(),
                    "source": waiver.source,
                },
            }
        ]
    return entry


def _invocation(result: ScanResult) -> dict[str, Any]:
    errors = [
        {
            "level": "error",
            "message": {"text": error.message},
            "locations": [{"physicalLocation": _physical(error.file, error.line)}],
        }
        for error in result.errors
    ]
    notices = [
        {
            "level": "warning",
            "message": {"text": f"{notice.source}: {notice.message}"},
            "properties": {"kind": notice.kind, "source": notice.source},
        }
        for notice in result.waiver_notices
    ]
    return {
        "executionSuccessful": not result.errors,
        "toolExecutionNotifications": errors,
        "toolConfigurationNotifications": notices,
    }


def _physical(file: str, line: int | None) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": quote(file), "uriBaseId": SRCROOT}}
    if line:
        location["region"] = {"startLine": line}
    return location


def _strip(text: str) -> str:
    return text.strip()
