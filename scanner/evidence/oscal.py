"""NIST OSCAL assessment results, built with compliance-trestle's models.

Mapping, per evidence run (one OSCAL `result`):

- each framework is a `control-selection` of `reviewed-controls`; control ids become OSCAL
  tokens `<framework>_<control>` (`pci-dss-4.0_7.2.1`), with the id as written in a prop;
- each finding (one rule on one resource) is an `observation` (method TEST) whose subject is
  the resource, an `inventory-item` of the result's local definitions, with `file:line` as
  relevant evidence;
- each control is a `finding` whose target status is `satisfied` (passed), `not-satisfied`
  with reason `fail` (failed) or `other` (waived); manual and no-evidence controls carry no
  status, only the `ledgerguard status` prop and remarks saying why;
- each waived finding is a `risk` with status `deviation-approved`, its owner, approver and
  ticket as props and its expiry as the deadline, related to the finding's observation and to
  the findings of the controls it affects.

UUIDs are version-5 UUIDs over the document's content (everything but its timestamp), so two
runs on the same input differ only in timestamps.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import defaultdict
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any

from scanner.evidence.document import EvidenceDocument
from scanner.evidence.rollup import ControlResult, ControlStatus, FrameworkResult
from scanner.model import Finding, Status
from scanner.redact import redact

if TYPE_CHECKING:
    from trestle.oscal.assessment_results import AssessmentResults

PROP_NS = "urn:ledgerguard:oscal"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PROP_NS)
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]")

_TARGET_STATUS: dict[ControlStatus, dict[str, str]] = {
    ControlStatus.PASSED: {"state": "satisfied", "reason": "pass"},
    ControlStatus.FAILED: {"state": "not-satisfied", "reason": "fail"},
    ControlStatus.WAIVED: {"state": "not-satisfied", "reason": "other"},
}
_TARGET_REMARKS = {
    ControlStatus.PASSED: "Every finding of the control's rules passed.",
    ControlStatus.FAILED: "At least one finding of the control's rules failed.",
    ControlStatus.WAIVED: "Failures of the control's rules are waived: approved deviations, "
    "listed as risks.",
    ControlStatus.NO_EVIDENCE: "No status: no scanned resource is of a type the control's rules "
    "examine, so the scan shows the control neither met nor failed.",
    ControlStatus.MANUAL: "No status: infrastructure code cannot evidence this control.",
}


def control_token(framework_id: str, control_id: str) -> str:
    """The OSCAL control id (a token) for a control: `pci-dss-4.0_7.2.1`, `soc2_CC6.1`."""
    return _NOT_TOKEN.sub("-", f"{framework_id}_{control_id}")


def assessment_results(document: EvidenceDocument, moment: datetime) -> AssessmentResults:
    """The OSCAL assessment results of one evidence run, validated by trestle's models."""
    from trestle.oscal import OSCAL_VERSION
    from trestle.oscal.assessment_results import AssessmentResults

    content = hashlib.sha256(document.model_dump_json(exclude={"generated"}).encode()).hexdigest()
    builder = _Builder(document, content, moment.astimezone(UTC))
    git = document.source.git
    return AssessmentResults.model_validate(
        {
            "uuid": builder.uuid("assessment-results"),
            "metadata": {
                "title": "ledgerguard assessment results: "
                + ", ".join(f.id for f in document.frameworks),
                "published": builder.moment,
                "last-modified": builder.moment,
                "version": (git.commit if git and git.commit else content)[:12],
                "oscal-version": OSCAL_VERSION,
            },
            "import-ap": {
                "href": f"#{builder.uuid('policy-pack')}",
                "remarks": "No separate assessment plan: the policy pack (rules and framework "
                "catalogues, hashed in back-matter) defines what is assessed and how.",
            },
            "results": [builder.result()],
            "back-matter": {"resources": [builder.policy_pack()]},
        }
    )


def to_json(results: AssessmentResults) -> str:
    """The OSCAL JSON document (wrapped in `assessment-results`), pretty, newline-terminated."""
    return results.oscal_serialize_json(pretty=True) + "\n"


class _Builder:
    """Builds the parts of one result; every UUID derives from the document's content."""

    def __init__(self, document: EvidenceDocument, content: str, moment: datetime) -> None:
        self.document = document
        self.content = content
        self.moment = moment
        self.tool = self.uuid("component", "ledgerguard")
        self.observations: dict[int, str] = {}
        self.risks: dict[int, str] = {}
        self.resources: dict[tuple[str, str], Finding] = {}
        seen: dict[str, int] = defaultdict(int)
        for index, finding in enumerate(document.scan.findings):
            key = f"{finding.rule_id}|{finding.resource}|{finding.file}|{finding.line}"
            seen[key] += 1
            self.observations[index] = self.uuid("observation", key, str(seen[key]))
            if finding.status == Status.WAIVED:
                self.risks[index] = self.uuid("risk", key, str(seen[key]))
            self.resources.setdefault((finding.file, finding.resource), finding)

    def uuid(self, kind: str, *parts: str) -> str:
        """A version-5 UUID for `kind` and `parts` within this document's content."""
        return str(uuid.uuid5(_NAMESPACE, "\x1f".join((kind, self.content, *parts))))

    def result(self) -> dict[str, Any]:
        summary = self.document.scan.summary
        git = self.document.source.git
        at = "outside git" if git is None else f"at commit {git.commit or 'none'}"
        return {
            "uuid": self.uuid("result"),
            "title": f"ledgerguard scan {at}",
            "description": f"Automated assessment of the infrastructure code {at}"
            f"{' with uncommitted changes' if git and git.dirty else ''} by ledgerguard "
            f"{self.document.tool.version}: {summary.failed} failed, {summary.waived} "
            f"waived and {summary.passed} passed findings across {summary.resources} "
            "resources.",
            "start": self.moment,
            "end": self.moment,
            "props": self._result_props(),
            "local-definitions": self._local_definitions(),
            "reviewed-controls": {
                "control-selections": [self._selection(f) for f in self.document.frameworks]
            },
            "observations": self._observations() or None,
            "risks": self._risks() or None,
            "findings": [
                self._finding(framework, control)
                for framework in self.document.frameworks
                for control in framework.controls
            ]
            or None,
        }

    def policy_pack(self) -> dict[str, Any]:
        pack = self.document.policy_pack
        return {
            "uuid": self.uuid("policy-pack"),
            "title": "ledgerguard policy pack",
            "description": f"The rules and framework catalogues that were applied: {pack.files} "
            f"files with SHA-256 {pack.sha256} (see manifest.json).",
            "props": [_prop("policy-pack-sha256", pack.sha256)],
        }

    def _result_props(self) -> list[Any]:
        git = self.document.source.git
        props = [_prop("tool-version", self.document.tool.version)]
        if git is not None:
            if git.commit:
                props.append(_prop("git-commit", git.commit))
            props.append(_prop("git-dirty", str(git.dirty).lower()))
        props.append(_prop("policy-pack-sha256", self.document.policy_pack.sha256))
        return props

    def _local_definitions(self) -> dict[str, Any]:
        items = [
            {
                "uuid": self._item(finding),
                "description": f"{finding.resource_type} `{address}` in {file}",
                "props": [
                    _prop("resource", address),
                    _prop("resource-type", finding.resource_type),
                    _prop("file", file),
                ],
            }
            for (file, address), finding in sorted(self.resources.items())
        ]
        return {
            "inventory-items": items or None,
            "assessment-assets": {
                "components": [
                    {
                        "uuid": self.tool,
                        "type": "software",
                        "title": "ledgerguard",
                        "description": "Policy-as-code scanner for serverless payment "
                        "infrastructure code.",
                        "props": [_prop("version", self.document.tool.version)],
                        "status": {"state": "operational"},
                    }
                ],
                "assessment-platforms": [
                    {
                        "uuid": self.uuid("platform"),
                        "title": "ledgerguard",
                        "uses-components": [{"component-uuid": self.tool}],
                    }
                ],
            },
        }

    def _selection(self, framework: FrameworkResult) -> dict[str, Any]:
        return {
            "description": f"{framework.title} {framework.version} ({framework.id})",
            "props": [_prop("framework", framework.id)],
            "include-controls": [
                {"control-id": control_token(framework.id, control.id)}
                for control in framework.controls
            ],
        }

    def _observations(self) -> list[dict[str, Any]]:
        observations = []
        for index, finding in enumerate(self.document.scan.findings):
            props = [
                _prop("rule-id", finding.rule_id),
                _prop("result", finding.status.value),
                _prop("severity", finding.severity.value),
            ]
            if finding.cannot_verify:
                props.append(_prop("cannot-verify", "true"))
            observations.append(
                {
                    "uuid": self.observations[index],
                    "title": f"{finding.rule_id} {finding.status.value}: {finding.resource}",
                    "description": redact(finding.message),
                    "props": props,
                    "methods": ["TEST"],
                    "types": [
                        "control-objective" if finding.status == Status.PASSED else "finding"
                    ],
                    "origins": [self._origin()],
                    "subjects": [
                        {
                            "subject-uuid": self._item(finding),
                            "type": "inventory-item",
                            "title": finding.resource,
                        }
                    ],
                    "relevant-evidence": [
                        {"description": f"{finding.file}:{finding.line} ({finding.title})"}
                    ],
                    "collected": self.moment,
                }
            )
        return observations

    def _risks(self) -> list[dict[str, Any]]:
        risks = []
        for index, risk_uuid in sorted(self.risks.items()):
            finding = self.document.scan.findings[index]
            waiver = finding.waiver
            props = []
            if waiver is not None:
                props = [
                    _prop("waiver-owner", waiver.owner),
                    _prop("waiver-approved-by", waiver.approved_by),
                    _prop("waiver-source", waiver.source),
                ]
                if waiver.ticket:
                    props.append(_prop("waiver-ticket", waiver.ticket))
            risks.append(
                {
                    "uuid": risk_uuid,
                    "title": f"Waived: {finding.rule_id} on {finding.resource}",
                    "description": redact(waiver.reason) if waiver else "Waiver not recorded.",
                    "statement": redact(finding.message),
                    "props": props or None,
                    "status": "deviation-approved",
                    "origins": [self._origin()],
                    "deadline": (
                        datetime.combine(waiver.expires, time(0, 0), tzinfo=UTC) if waiver else None
                    ),
                    "related-observations": [{"observation-uuid": self.observations[index]}],
                }
            )
        return risks

    def _finding(self, framework: FrameworkResult, control: ControlResult) -> dict[str, Any]:
        token = control_token(framework.id, control.id)
        rules = set(control.rules)
        indexes = [i for i, f in enumerate(self.document.scan.findings) if f.rule_id in rules]
        remarks = _TARGET_REMARKS[control.status]
        if control.manual:
            remarks += f" Manual evidence: {control.manual}"
        target: dict[str, Any] = {
            "type": "objective-id",
            "target-id": token,
            "title": f"{framework.id} {control.id}",
            "remarks": remarks,
        }
        if control.status in _TARGET_STATUS:
            target["status"] = _TARGET_STATUS[control.status]
        return {
            "uuid": self.uuid("finding", framework.id, control.id),
            "title": f"{framework.id} {control.id}: {control.title}",
            "description": f"{control.title}. Status: {control.status.value} "
            f"({control.failed} failed, {control.waived} waived, {control.passed} passed "
            "findings).",
            "props": [
                _prop("framework", framework.id),
                _prop("control", control.id),
                _prop("status", control.status.value),
            ],
            "origins": [self._origin()],
            "target": target,
            "related-observations": [{"observation-uuid": self.observations[i]} for i in indexes]
            or None,
            "related-risks": [{"risk-uuid": self.risks[i]} for i in indexes if i in self.risks]
            or None,
        }

    def _origin(self) -> dict[str, Any]:
        return {"actors": [{"type": "tool", "actor-uuid": self.tool}]}

    def _item(self, finding: Finding) -> str:
        return self.uuid("inventory-item", finding.file, finding.resource)


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": " ".join(value.split()) or "-", "ns": PROP_NS}
