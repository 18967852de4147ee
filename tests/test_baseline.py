"""Baselines: record today's failures, gate only on new ones, report fixed ones."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from scanner.baseline import render_baseline
from scanner.model import BaselineEntry, Status
from scanner.scan import PolicyPack
from tests.conftest import FIXTURES, failed, scan
from tests.gate_support import GATE_RULES, STACK, by_key, run_cli, scan_gate

SETTLEMENTS = ("LGT-SQS-001", "aws_sqs_queue.settlements")


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    """A copy of the gate stack without its waivers file, to edit."""
    copy = tmp_path / "stack"
    shutil.copytree(STACK, copy)
    (copy / ".ledgerguard-waivers.yaml").unlink()
    return copy


def _baseline(stack: Path, tmp_path: Path) -> Path:
    path = tmp_path / "baseline.json"
    path.write_text(render_baseline(scan_gate([stack]).findings))
    return path


def test_baseline_records_rule_resource_and_fingerprint_of_each_failure() -> None:
    document = json.loads(render_baseline(scan_gate().findings))

    assert document["tool"] == "ledgerguard"
    assert document["fingerprint_version"] == "v1"
    assert [(e["rule_id"], e["resource"]) for e in document["findings"]] == [
        ("LGT-BKT-001", "aws_s3_bucket.exports"),
        ("LGT-BKT-001", "aws_s3_bucket.legacy"),
        ("LGT-BKT-002", "aws_s3_bucket.legacy"),
        ("LGT-SQS-001", "aws_sqs_queue.refunds"),
        ("LGT-SQS-001", "aws_sqs_queue.settlements"),
    ]
    assert all(re.fullmatch(r"[0-9a-f]{32}", e["fingerprint"]) for e in document["findings"])
    assert all(set(e) == {"rule_id", "resource", "fingerprint"} for e in document["findings"])


def test_new_violation_in_a_second_file_fails_the_gate(stack: Path, tmp_path: Path) -> None:
    created = run_cli(
        "baseline", "create", stack, "--policies", GATE_RULES, "-o", "b.json", cwd=tmp_path
    )
    clean = run_cli("scan", stack, "--policies", GATE_RULES, "--baseline", "b.json", cwd=tmp_path)
    (stack / "chargebacks.tf").write_text(
        'resource "aws_sqs_queue" "chargebacks" {\n  name = "chargebacks"\n}\n'
    )
    dirty = run_cli(
        "scan",
        stack,
        "--policies",
        GATE_RULES,
        "--baseline",
        "b.json",
        "-f",
        "json",
        cwd=tmp_path,
    )

    recorded = len(json.loads((tmp_path / "b.json").read_text())["findings"])
    assert created.returncode == 0
    assert created.stdout == f"ledgerguard: recorded {recorded} failed findings in b.json\n"
    assert clean.returncode == 0
    assert dirty.returncode == 1
    findings = {(f["rule_id"], f["resource"]): f for f in json.loads(dirty.stdout)["findings"]}
    assert findings[("LGT-SQS-001", "aws_sqs_queue.chargebacks")]["baseline"] == "new"
    assert findings[SETTLEMENTS]["baseline"] == "existing"
    new = {key for key, f in findings.items() if f["baseline"] == "new"}
    chargebacks = {
        key
        for key, f in findings.items()
        if key[1] == "aws_sqs_queue.chargebacks" and f["status"] == "failed"
    }
    assert new == chargebacks
    assert json.loads(dirty.stdout)["baseline"]["new"] == len(new)


def test_moving_a_block_keeps_it_existing_but_editing_it_makes_it_new(
    stack: Path, tmp_path: Path
) -> None:
    baseline = _baseline(stack, tmp_path)
    queues = stack / "queues.tf"
    queues.write_text("# Queues of the payment flow.\n\n\n" + queues.read_text())
    moved = scan_gate([stack], baseline=baseline)
    queues.write_text(
        queues.read_text().replace('"settlements"\n', '"settlements"\n  delay_seconds = 5\n')
    )
    edited = scan_gate([stack], baseline=baseline)

    assert by_key(moved)[SETTLEMENTS].line == 4
    assert by_key(moved)[SETTLEMENTS].baseline == "existing"
    assert moved.baseline is not None and (moved.baseline.new, moved.baseline.fixed) == (0, [])
    assert by_key(edited)[SETTLEMENTS].baseline == "new"


def test_fingerprint_ignores_how_a_json_policy_is_laid_out(pack: PolicyPack) -> None:
    variants = FIXTURES / "terraform" / "policy_variants"
    prints = {
        variant: [f.fingerprint for f in failed(scan([variants / variant], pack, ["LG-IAM-001"]))]
        for variant in ("heredoc", "jsonencode", "variable")
    }

    assert prints["heredoc"] == prints["jsonencode"] == prints["variable"]
    assert len(prints["heredoc"]) == 1


def test_fixed_findings_are_reported(stack: Path, tmp_path: Path) -> None:
    baseline = _baseline(stack, tmp_path)
    recorded = {
        e["resource"]: e
        for e in json.loads(baseline.read_text())["findings"]
        if e["rule_id"] == "LGT-BKT-002"
    }
    main = stack / "main.tf"
    main.write_text(
        main.read_text().replace(
            'bucket = "legacy"\n', 'bucket = "legacy"\n  tags = { owner = "x" }\n'
        )
    )

    result = scan_gate([stack], baseline=baseline)

    assert result.baseline is not None
    assert result.baseline.fixed == [BaselineEntry.model_validate(recorded["aws_s3_bucket.legacy"])]
    # The edit also changed the bucket's content: its other failure is new again.
    assert by_key(result)[("LGT-BKT-001", "aws_s3_bucket.legacy")].baseline == "new"
    assert (result.baseline.new, result.baseline.existing) == (1, 3)


def test_waived_findings_are_not_recorded_and_not_marked(stack: Path, tmp_path: Path) -> None:
    result = scan_gate([stack], baseline=_baseline(stack, tmp_path))
    assets = by_key(result)[("LGT-BKT-001", "aws_s3_bucket.assets")]

    assert (assets.status, assets.baseline) == (Status.WAIVED, None)
    assert "aws_s3_bucket.assets" not in render_baseline(result.findings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"tool": "ledgerguard",\n "findings": [\n', "b.json:3: invalid JSON: Expecting value"),
        (
            '{\n  "tool": "ledgerguard",\n  "fingerprint_version": "v1",\n  "findings": [\n'
            '    {"rule_id": "LGT-SQS-001", "resource": "aws_sqs_queue.x", "fingerprint": "ab"},\n'
            '    {"rule_id": "LGT-SQS-001", "resource": "aws_sqs_queue.y"}\n  ]\n}\n',
            "b.json:6: `fingerprint` is required",
        ),
        (
            '{"tool": "ledgerguard", "fingerprint_version": "v0", "findings": []}',
            "b.json:1: made with fingerprint v0, this version uses v1; recreate it with "
            "`ledgerguard baseline create`",
        ),
        ("[]", "b.json:1: Input should be a valid dictionary or instance of BaselineFile"),
    ],
)
def test_bad_baseline_is_one_line_naming_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "b.json").write_text(text)

    proc = run_cli("scan", STACK, "--policies", GATE_RULES, "--baseline", "b.json", cwd=tmp_path)

    assert proc.returncode == 2
    assert proc.stderr == f"ledgerguard: error: {message}\n"


def test_baseline_never_holds_a_secret(tmp_path: Path) -> None:
    proc = run_cli(
        "baseline", "create", FIXTURES / "terraform" / "secrets", "-o", "b.json", cwd=tmp_path
    )

    text = (tmp_path / "b.json").read_text()
    assert proc.returncode == 0
    assert '"rule_id": "LG-LAMBDA-001"' in text
    for secret in ("AKIAIOSFODNN7EXAMPLE", "correct-horse-battery", "wJalrXUtnFEMI"):
        assert secret not in text


def test_baseline_create_refuses_inputs_it_cannot_parse(tmp_path: Path) -> None:
    proc = run_cli(
        "baseline", "create", FIXTURES / "terraform" / "malformed", "-o", "b.json", cwd=tmp_path
    )

    assert proc.returncode == 2
    assert not (tmp_path / "b.json").exists()
    assert proc.stderr.startswith("ledgerguard: error: broken.tf:5: cannot parse HCL")
