"""The normalized model every loader produces and every engine and output consumes.

Loaders turn Terraform (and later plan JSON, CloudFormation, CDK output) into `Resource`s;
engines turn resources into `Finding`s; outputs render one `ScanResult`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    """How bad a failed finding is; ordered from most to least severe."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is more severe, for threshold comparisons."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}


class Status(StrEnum):
    """Outcome of one rule on one resource."""

    FAILED = "failed"
    PASSED = "passed"
    WAIVED = "waived"


class Location(BaseModel):
    """Where a resource comes from; `file` is relative to the scanned root.

    `end_line` is the block's last line (for inline waivers and editor annotations).
    """

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    end_line: int | None = None


class Resource(BaseModel):
    """One resource (or data source) instance after variables and expressions are resolved.

    `attributes` hold plain Python values, nested blocks as lists of dicts, and `Unknown`
    where a value could not be resolved. `module` is the module path (`module.a.module.b`)
    or empty for the root module.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    address: str
    type: str
    name: str
    provider: str = "aws"
    mode: str = "managed"
    module: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)
    location: Location
    tags: dict[str, Any] = Field(default_factory=dict)
    # The AWS region of the resource's provider configuration; None when it cannot be known.
    region: str | None = None


class Statement(BaseModel):
    """An IAM policy statement with every list-or-scalar field normalized to a list.

    Principal is a map of principal type (`AWS`, `Service`, `Federated`, `*`) to values.
    Condition maps operator to key to list of values.
    """

    sid: str | None = None
    effect: str = "Allow"
    action: list[str] = Field(default_factory=list)
    not_action: list[str] = Field(default_factory=list)
    resource: list[str] = Field(default_factory=list)
    not_resource: list[str] = Field(default_factory=list)
    principal: dict[str, list[str]] = Field(default_factory=dict)
    not_principal: dict[str, list[str]] = Field(default_factory=dict)
    condition: dict[str, dict[str, list[str]]] = Field(default_factory=dict)


class PolicyDocument(BaseModel):
    """A parsed IAM policy document; `unresolved` lists expressions that stayed unknown."""

    version: str | None = None
    statements: list[Statement] = Field(default_factory=list)
    unresolved: list[str] = Field(default_factory=list)


class ControlRef(BaseModel):
    """A control of a framework that a finding evidences."""

    model_config = ConfigDict(frozen=True)

    framework: str
    id: str


class WaiverRef(BaseModel):
    """The waiver that turned a failed finding into a waived one, as auditors need to see it.

    `source` is where the waiver is written: `.ledgerguard-waivers.yaml:12` or `main.tf:40`.
    """

    rule_id: str
    resource: str
    reason: str
    owner: str
    approved_by: str
    ticket: str | None = None
    expires: date
    source: str
    # Written as a `# ledgerguard:ignore` comment in the Terraform rather than in the file.
    inline: bool = False


class Finding(BaseModel):
    """The result of one rule on one resource."""

    rule_id: str
    title: str
    severity: Severity
    status: Status
    resource: str
    resource_type: str
    file: str
    line: int
    controls: list[ControlRef] = Field(default_factory=list)
    message: str
    cannot_verify: bool = False
    waiver: WaiverRef | None = None
    # Stable across line shifts: rule id, resource address and the resource's normalized
    # content (secrets redacted). Baselines and SARIF partialFingerprints use it.
    fingerprint: str = ""
    # With `--baseline`: a failed finding is `new` or `existing` (recorded, does not gate).
    baseline: Literal["new", "existing"] | None = None


class InputError(BaseModel):
    """A problem with the input (parse error, missing file) that did not stop the scan."""

    file: str
    line: int | None = None
    message: str


class SkippedModule(BaseModel):
    """A module call whose source is remote (registry, git, http) and was not fetched."""

    address: str
    source: str
    file: str
    line: int


class Summary(BaseModel):
    """Counts over a scan's findings and inputs."""

    failed: int = 0
    passed: int = 0
    waived: int = 0
    resources: int = 0
    files: int = 0


class ToolInfo(BaseModel):
    """Name and version of the tool that produced a result."""

    name: str = "ledgerguard"
    version: str


class ScopeGrant(BaseModel):
    """One principal's access to one data-classified resource: PCI 7.2 scope evidence.

    `file` and `line` point at the granting statement's resource (policy or attachment).
    """

    resource: str
    classification: str
    principal: str
    access: str
    actions: list[str]
    file: str
    line: int


class WaiverNotice(BaseModel):
    """A waiver that needs attention: `expired` (it waives no more) or `stale` (matches no
    failed finding). `source` is where the waiver is written (`file:line`)."""

    kind: Literal["expired", "stale"]
    source: str
    rule_id: str
    resource: str
    message: str


class BaselineEntry(BaseModel):
    """A failure recorded in a baseline file: rule, resource and fingerprint, never values."""

    rule_id: str
    resource: str
    fingerprint: str


class BaselineReport(BaseModel):
    """How a scan compares with `--baseline`: counts of new and existing failures, and the
    recorded failures that fail no more."""

    new: int = 0
    existing: int = 0
    fixed: list[BaselineEntry] = Field(default_factory=list)


class GateVerdict(BaseModel):
    """The CI gate's decision, for reports that show it (the Markdown summary)."""

    passed: bool
    fail_on: str
    exit_code: int


class RuleInfo(BaseModel):
    """Metadata of a rule that ran, for formats that describe their rules (SARIF)."""

    id: str
    title: str
    severity: Severity
    description: str
    remediation: str
    references: list[str] = Field(default_factory=list)


class ScanResult(BaseModel):
    """Everything one scan found; every output renders from this."""

    tool: ToolInfo
    summary: Summary
    findings: list[Finding] = Field(default_factory=list)
    errors: list[InputError] = Field(default_factory=list)
    modules_not_scanned: list[SkippedModule] = Field(default_factory=list)
    scope: list[ScopeGrant] = Field(default_factory=list)
    waiver_notices: list[WaiverNotice] = Field(default_factory=list)
    baseline: BaselineReport | None = None
    gate: GateVerdict | None = None
    # Not in the JSON report (the rule catalogue is `ledgerguard rules`); SARIF needs it.
    rules: list[RuleInfo] = Field(default_factory=list, exclude=True)
