"""Helpers for the CI-gate tests: a small rule pack of their own and the CLI as a subprocess.

The gate fixture (`tests/fixtures/gate/`) has its own three rules and framework subsets, so
that whole-document comparisons do not change when the built-in pack grows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from scanner.engine.rules import load_rules
from scanner.frameworks import load_frameworks
from scanner.model import Finding, ScanResult
from scanner.scan import PolicyPack, ScanOptions, run_scan
from tests.conftest import FIXTURES

GATE = FIXTURES / "gate"
STACK = GATE / "stack"
GATE_RULES = GATE / "policies" / "rules"
STACK_WAIVERS = STACK / ".ledgerguard-waivers.yaml"
EXPECTED = FIXTURES / "expected"
TODAY = date(2025, 1, 15)


def gate_pack() -> PolicyPack:
    """The test pack: LGT-BKT-001, LGT-BKT-002, LGT-SQS-001 and two framework subsets."""
    return PolicyPack(load_rules([GATE_RULES]), load_frameworks(GATE / "policies" / "frameworks"))


def scan_gate(paths: list[Path] | None = None, today: date = TODAY, **options: Any) -> ScanResult:
    """Scan the gate stack (or `paths`) with the test pack, judged as of `today`."""
    return run_scan(ScanOptions(paths=paths or [STACK], today=today, **options), gate_pack())


def by_key(result: ScanResult) -> dict[tuple[str, str], Finding]:
    """Findings by (rule id, resource address)."""
    return {(f.rule_id, f.resource): f for f in result.findings}


def run_cli(
    *args: str | Path, cwd: Path | None = None, today: str = "2025-01-15"
) -> subprocess.CompletedProcess[str]:
    """`python -m scanner ARGS` with $LEDGERGUARD_TODAY pinned."""
    env = {**os.environ, "LEDGERGUARD_TODAY": today}
    return subprocess.run(
        [sys.executable, "-m", "scanner", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )
