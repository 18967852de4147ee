"""Fingerprints that identify a finding across commits without storing any resource value.

A fingerprint hashes the rule id, the resource address and the resource's normalized content:
its evaluated attributes as canonical JSON, with secret-looking values replaced by a marker
before hashing. Lines, formatting and comments do not enter it, so moving a block or adding a
line above it keeps the fingerprint; editing the resource itself gives a new one, on purpose:
a baselined resource that is touched must be reviewed again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from scanner.model import Finding, Resource
from scanner.redact import REDACTED, looks_secret, redact
from scanner.values import Template, Unknown

# Bumped when the normalization changes, so that old baselines fail loudly, not silently.
FINGERPRINT_VERSION = "v1"


def resource_digest(resource: Resource) -> str:
    """A hash of the resource's normalized content (type and attributes, secrets redacted)."""
    content = {"type": resource.type, "attributes": _normalize(resource.attributes, "")}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(rule_id: str, address: str, digest: str) -> str:
    """The fingerprint of one rule on one resource whose content hashes to `digest`."""
    text = "\n".join((FINGERPRINT_VERSION, rule_id, address, digest))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def finding_fingerprint(finding: Finding) -> str:
    """The finding's fingerprint; for findings an engine built without one, a fingerprint of
    rule and address alone (content unknown), so that baselines still match them."""
    return finding.fingerprint or fingerprint(finding.rule_id, finding.resource, "")


def _normalize(value: Any, name: str) -> Any:
    if isinstance(value, Template):
        parsed = _json_document(value.text)
        return {"$template": _normalize(parsed, name) if parsed else redact(value.text)}
    if isinstance(value, Unknown):
        return {"$unknown": value.expr}
    if isinstance(value, dict):
        return {str(key): _normalize(item, str(key)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalize(item, name) for item in value]
    if isinstance(value, str):
        if looks_secret(name, value):
            return REDACTED
        parsed = _json_document(value)
        return _normalize(parsed, name) if parsed else redact(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _json_document(text: str) -> dict[str, Any] | list[Any] | None:
    """A JSON object or array written as a string (a heredoc or `jsonencode` policy), so that
    its layout does not change the fingerprint; None for any other string."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        parsed = json.loads(stripped)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict | list) else None
