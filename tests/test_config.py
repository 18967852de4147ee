"""`.ledgerguard.yaml` as users write it: found in the working directory or given by --config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES
from tests.test_cli import run

S3_BAD = FIXTURES / "rules" / "LG-S3-001" / "bad"


def _findings(stdout: str) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads(stdout)["findings"]
    return findings


def test_unknown_key_is_one_line_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "lg.yaml"
    config.write_text("frameworks: [soc2]\nclassification:\n  tag_kee: data\n")

    proc = run("scan", S3_BAD, "--config", config)

    assert proc.returncode == 2
    assert proc.stderr == f"ledgerguard: error: {config}: unknown key 'classification.tag_kee'\n"
    assert proc.stdout == ""


def test_config_in_working_directory_sets_fail_on_and_the_flag_wins(tmp_path: Path) -> None:
    (tmp_path / ".ledgerguard.yaml").write_text("fail_on: critical\n")

    from_config = run("scan", S3_BAD, cwd=tmp_path)
    from_flag = run("scan", S3_BAD, "--fail-on", "high", cwd=tmp_path)

    # The fixture's worst finding is LG-S3-001, high.
    assert from_config.returncode == 0
    assert from_flag.returncode == 1


def test_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    proc = run("scan", S3_BAD, "--config", tmp_path / "nope.yaml")

    assert proc.returncode == 2
    assert (
        proc.stderr
        == f"ledgerguard: error: {tmp_path / 'nope.yaml'}: configuration file not found\n"
    )


def test_config_frameworks_limit_rules_and_controls(tmp_path: Path) -> None:
    config = tmp_path / "lg.yaml"
    config.write_text("frameworks: [gdpr]\n")

    proc = run("scan", S3_BAD, "--config", config, "--format", "json", "--fail-on", "none")

    frameworks = {c["framework"] for f in _findings(proc.stdout) for c in f["controls"]}
    assert proc.returncode == 0
    assert frameworks == {"gdpr"}


def test_enable_disable_and_severity_overrides(tmp_path: Path) -> None:
    config = tmp_path / "lg.yaml"
    config.write_text(
        "rules:\n"
        "  enable: [LG-S3-001, LG-S3-004]\n"
        "  disable: [LG-S3-004]\n"
        "  severity: {LG-S3-001: low}\n"
    )

    proc = run("scan", S3_BAD, "--config", config, "--format", "json", "--fail-on", "medium")

    found = {(f["rule_id"], f["resource"], f["severity"]) for f in _findings(proc.stdout)}
    assert proc.returncode == 0
    assert found == {
        ("LG-S3-001", "aws_s3_bucket.fail_no_block", "low"),
        ("LG-S3-001", "aws_s3_bucket.fail_partial_block", "low"),
    }


def test_unknown_rule_id_in_config_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "lg.yaml"
    config.write_text("rules:\n  disable: [LG-NOPE-001]\n")

    proc = run("scan", S3_BAD, "--config", config)

    assert proc.returncode == 2
    assert proc.stderr == (
        "ledgerguard: error: configuration rules.disable: unknown rule id 'LG-NOPE-001'\n"
    )
