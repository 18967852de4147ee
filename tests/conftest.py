"""Shared test helpers: scan a directory with chosen rules and read the findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.model import Finding, ScanResult, Status
from scanner.scan import PolicyPack, ScanOptions, load_pack, run_scan

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def pack() -> PolicyPack:
    """The built-in policy pack, loaded once for the whole test session."""
    return load_pack()


def scan(
    paths: list[Path], pack: PolicyPack, rule_ids: list[str] | None = None, **kw: object
) -> ScanResult:
    """Scan `paths` with the built-in pack, restricted to `rule_ids` when given."""
    if rule_ids is not None:
        pack = PolicyPack([r for r in pack.rules if r.id in rule_ids], pack.frameworks)
    return run_scan(ScanOptions(paths=paths, **kw), pack)  # type: ignore[arg-type]


def failed(result: ScanResult) -> list[Finding]:
    """Failed findings that are real failures, not "cannot verify"."""
    return [f for f in result.findings if f.status == Status.FAILED and not f.cannot_verify]
