"""Baselines: accept today's failures, gate only on new ones, and report what got fixed.

`ledgerguard baseline create` records the fingerprint (rule, resource address, hash of the
resource's normalized content; see `scanner.fingerprint`) of every failed finding, never a
value. `scan --baseline FILE` marks each failed finding `existing` when its fingerprint is
recorded, else `new`; only new ones fail the gate. The same rule failing on another resource
or in another file is new, because the address differs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from scanner.errors import UsageError
from scanner.fingerprint import FINGERPRINT_VERSION, finding_fingerprint
from scanner.located import Located, error_location, load_located
from scanner.model import BaselineEntry, BaselineReport, Finding, Status


class _Entry(BaselineEntry):
    model_config = ConfigDict(extra="forbid")


class BaselineFile(BaseModel):
    """The baseline document; `fingerprint_version` guards against stale normalizations."""

    model_config = ConfigDict(extra="forbid")

    tool: Literal["ledgerguard"]
    fingerprint_version: str
    findings: list[_Entry]


def render_baseline(findings: list[Finding]) -> str:
    """The baseline document for the failed findings among `findings`, byte-stable."""
    entries = {
        finding_fingerprint(f): BaselineEntry(
            rule_id=f.rule_id, resource=f.resource, fingerprint=finding_fingerprint(f)
        )
        for f in findings
        if f.status == Status.FAILED
    }
    document = {
        "tool": "ledgerguard",
        "fingerprint_version": FINGERPRINT_VERSION,
        "findings": [
            entry.model_dump()
            for entry in sorted(
                entries.values(), key=lambda e: (e.rule_id, e.resource, e.fingerprint)
            )
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def load_baseline(path: Path, display: str) -> list[BaselineEntry]:
    """The entries of a baseline file; UsageError naming file and line when it is bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"{display}: baseline file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{display}: cannot read baseline file: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{display}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    try:
        parsed = BaselineFile.model_validate(data)
    except ValidationError as exc:
        line, problem = error_location(exc, _lines(text, data, display))
        raise UsageError(f"{display}:{line}: {problem}") from exc
    if parsed.fingerprint_version != FINGERPRINT_VERSION:
        raise UsageError(
            f"{display}:1: made with fingerprint {parsed.fingerprint_version}, this version "
            f"uses {FINGERPRINT_VERSION}; recreate it with `ledgerguard baseline create`"
        )
    return [BaselineEntry.model_validate(entry.model_dump()) for entry in parsed.findings]


def apply_baseline(
    findings: list[Finding], entries: list[BaselineEntry], scanned: list[Finding] | None = None
) -> tuple[list[Finding], BaselineReport]:
    """Findings with failed ones marked `new` or `existing`, and the comparison.

    A recorded entry is fixed when its rule no longer fails on its resource among `scanned`
    (default: `findings`), every finding of the loaded modules.
    """
    recorded = {entry.fingerprint for entry in entries}
    report = BaselineReport()
    marked = []
    for finding in findings:
        if finding.status == Status.FAILED:
            if finding_fingerprint(finding) in recorded:
                finding = finding.model_copy(update={"baseline": "existing"})
                report.existing += 1
            else:
                finding = finding.model_copy(update={"baseline": "new"})
                report.new += 1
        marked.append(finding)
    # Fixed: the rule no longer fails on the resource. One whose content changed still fails
    # (as a new finding) and is not reported fixed.
    failing = {(f.rule_id, f.resource) for f in scanned or findings if f.status != Status.PASSED}
    report.fixed = [e for e in entries if (e.rule_id, e.resource) not in failing]
    return marked, report


def _lines(text: str, data: object, display: str) -> Located:
    # JSON is YAML, so the YAML reader recovers lines; JSON it cannot read (tabs used as
    # indentation) still validates, with errors pointing at line 1.
    try:
        return load_located(text, display)
    except UsageError:
        return Located(data)
