"""`evidence.json`: the scan result with each framework's control roll-up and the provenance
that ties them to a commit. The report and the OSCAL document render from this one model."""

from __future__ import annotations

import json

from pydantic import BaseModel

from scanner.evidence.provenance import GitState, PolicyPackDigest
from scanner.evidence.rollup import FrameworkResult
from scanner.model import ScanResult, ToolInfo
from scanner.redact import redact


class SourceInfo(BaseModel):
    """What was scanned: the paths as given (relative to the scanned root) and the git state."""

    paths: list[str]
    git: GitState | None


class EvidenceDocument(BaseModel):
    """Everything one evidence run established, secrets redacted."""

    generated: str
    tool: ToolInfo
    source: SourceInfo
    policy_pack: PolicyPackDigest
    frameworks: list[FrameworkResult]
    scan: ScanResult

    def to_json(self) -> str:
        """Pretty JSON with a trailing newline; the same document gives the same bytes."""
        text = json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
        return redact(text)
