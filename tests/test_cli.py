"""The `ledgerguard` command as users run it: a real subprocess, exit codes, whole documents."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

TERRAFORM = FIXTURES / "terraform"


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_json_report_is_the_documented_document() -> None:
    proc = run("scan", TERRAFORM / "malformed", "--format", "json")
    expected = (FIXTURES / "expected" / "malformed.json").read_text()

    assert proc.returncode == 2
    assert proc.stdout == expected
    assert proc.stderr == (
        "ledgerguard: error: broken.tf:5: cannot parse HCL: the file ends inside an unclosed "
        "string, bracket or block\n"
    )


def test_json_report_is_byte_identical_across_runs() -> None:
    first = run("scan", FIXTURES / "rules", "--format", "json", "--fail-on", "none")
    second = run("scan", FIXTURES / "rules", "--format", "json", "--fail-on", "none")

    assert first.returncode == 0
    assert first.stdout == second.stdout
    assert len(json.loads(first.stdout)["findings"]) > 100


@pytest.mark.parametrize(
    ("threshold", "code"),
    [("critical", 0), ("high", 1), ("medium", 1), ("low", 1), ("none", 0)],
)
def test_fail_on_threshold_sets_the_exit_code(threshold: str, code: int) -> None:
    # The fixture's worst finding is LG-S3-001, high.
    proc = run("scan", FIXTURES / "rules" / "LG-S3-001" / "bad", "--fail-on", threshold)

    assert proc.returncode == code


def test_clean_directory_exits_zero() -> None:
    proc = run("scan", FIXTURES / "rules" / "LG-KMS-002" / "good", "--framework", "soc2")

    assert proc.returncode == 0
    assert proc.stdout == "0 failed, 12 passed, 0 waived across 2 resources in 1 file\n"


def test_ignore_parse_errors_gates_on_findings_only() -> None:
    proc = run("scan", TERRAFORM / "malformed", "--ignore-parse-errors", "--fail-on", "critical")

    assert proc.returncode == 0
    assert "broken.tf:5" in proc.stderr


def test_secrets_never_reach_any_output(tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.json"
    json_run = run("scan", TERRAFORM / "secrets", "--format", "json", "--output", report)
    console_run = run("scan", TERRAFORM / "secrets")

    text = report.read_text() + json_run.stdout + console_run.stdout + console_run.stderr
    assert json_run.returncode == 1
    for secret in (
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "correct-horse-battery",
        "ghp_0123456789abcdefghijABCDEFGHIJ0123456789",
    ):
        assert secret not in text
    finding = next(
        f for f in json.loads(report.read_text())["findings"] if f["rule_id"] == "LG-LAMBDA-001"
    )
    assert finding["message"] == (
        "environment variable `DB_PASSWORD`, `PROCESSOR_KEY`, `PROCESSOR_SECRET` holds a literal "
        "secret (value redacted); read it from Secrets Manager or SSM at run time"
    )


def test_unknown_framework_is_a_usage_error() -> None:
    proc = run("scan", TERRAFORM / "secrets", "--framework", "hipaa")

    assert proc.returncode == 2
    assert proc.stderr == (
        "ledgerguard: error: unknown framework 'hipaa'; known frameworks: gdpr, pci-dss-4.0, soc2\n"
    )


def test_framework_option_keeps_only_that_frameworks_controls() -> None:
    proc = run("scan", TERRAFORM / "secrets", "--framework", "pci-dss-4.0", "--format", "json")

    controls = {
        (c["framework"], c["id"])
        for f in json.loads(proc.stdout)["findings"]
        for c in f["controls"]
    }
    assert {framework for framework, _ in controls} == {"pci-dss-4.0"}
    assert ("pci-dss-4.0", "8.6.2") in controls


def test_rules_lists_every_rule_with_its_controls() -> None:
    proc = run("rules")

    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert len(lines) == len(
        list((Path(__file__).parents[1] / "policies" / "rules").glob("*.yaml"))
    )
    assert lines[0].split()[0] == "LG-APIGW-001"
    ddb = next(line for line in lines if line.startswith("LG-DDB-001 "))
    assert "pci-dss-4.0 3.5.1" in ddb


def test_rules_show_prints_one_rule() -> None:
    proc = run("rules", "show", "LG-KMS-001")

    assert proc.returncode == 0
    assert proc.stdout.splitlines()[:4] == [
        "LG-KMS-001: KMS key rotation is not enabled",
        "severity: medium",
        "resource types: aws_kms_key",
        "controls: gdpr Art.32, pci-dss-4.0 3.7.4, soc2 CC6.1",
    ]


def test_unknown_rule_id_is_one_line_and_exit_2() -> None:
    proc = run("rules", "show", "LG-NOPE-001")

    assert proc.returncode == 2
    assert proc.stderr == (
        "ledgerguard: error: unknown rule id 'LG-NOPE-001'; `ledgerguard rules` lists them\n"
    )


def test_bad_option_value_exits_2_without_traceback() -> None:
    proc = run("scan", TERRAFORM / "secrets", "--fail-on", "severe")

    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "Invalid value for '--fail-on'" in proc.stderr
