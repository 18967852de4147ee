"""The JSON report: the ScanResult as documented in DESIGN.md, byte-for-byte reproducible."""

from __future__ import annotations

import json

from scanner.model import ScanResult


def render(result: ScanResult, *, color: bool = False) -> str:
    """Pretty-printed JSON with a trailing newline; key order follows the model."""
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
