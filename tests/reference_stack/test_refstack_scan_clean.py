"""The reference stack is compliant by construction: scanning it fails nothing, at any level."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TERRAFORM = Path(__file__).resolve().parents[2] / "reference_stack" / "terraform"


def test_scanning_the_reference_stack_fails_nothing() -> None:
    command = [sys.executable, "-m", "scanner", "scan", str(TERRAFORM)]
    proc = subprocess.run(
        [*command, "--fail-on", "low", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(proc.stdout)

    assert proc.returncode == 0, proc.stderr
    assert report["errors"] == []
    assert [f for f in report["findings"] if f["status"] != "passed"] == []
    assert report["summary"]["failed"] == 0
    assert report["summary"]["passed"] > 500
