"""SARIF, JUnit and Markdown reports, and writing several formats at once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from scanner.baseline import render_baseline
from scanner.gate import Threshold, decide
from scanner.model import ScanResult
from scanner.outputs import OutputFormat, render
from tests.conftest import FIXTURES
from tests.gate_support import EXPECTED, GATE_RULES, STACK, STACK_WAIVERS, run_cli, scan_gate

SCHEMA = Path(__file__).parents[1] / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json"
SECRETS = (
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "correct-horse-battery",
    "ghp_0123456789abcdefghijABCDEFGHIJ0123456789",
)


@pytest.fixture
def gated(tmp_path: Path) -> ScanResult:
    """The gate stack with its waivers, a baseline holding the legacy bucket's failures and a
    queue that no longer exists, gated at `low`."""
    legacy = [f for f in scan_gate().findings if f.resource == "aws_s3_bucket.legacy"]
    document = json.loads(render_baseline(legacy))
    document["findings"].append(
        {"rule_id": "LGT-SQS-001", "resource": "aws_sqs_queue.retired", "fingerprint": "0" * 32}
    )
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(document))
    result = scan_gate(waivers=STACK_WAIVERS, baseline=baseline)
    decide(result, Threshold.LOW)
    return result


def _validate(document: dict[str, Any]) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [error.message for error in validator.iter_errors(document)] == []


def _results(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r
        for r in document["runs"][0]["results"]
    }


def test_junit_is_the_expected_document(gated: ScanResult) -> None:
    expected = (EXPECTED / "gate.junit.xml").read_text()

    assert render(gated, OutputFormat.JUNIT) == expected


def test_markdown_is_the_expected_document(gated: ScanResult) -> None:
    expected = (EXPECTED / "gate.md").read_text()

    assert render(gated, OutputFormat.MARKDOWN) == expected


def test_console_marks_waived_and_baseline_findings(gated: ScanResult) -> None:
    rows = [line.split("│")[1:4] for line in render(gated, OutputFormat.CONSOLE).splitlines()]
    marked = [[cell.strip() for cell in row] for row in rows if row and row[0].strip()]

    assert marked == [
        ["high (waived)", "LGT-BKT-001", "aws_s3_bucket.assets"],
        ["high (baseline)", "LGT-BKT-001", "aws_s3_bucket.legacy"],
        ["medium (baseline)", "LGT-BKT-002", "aws_s3_bucket.legacy"],
        ["low", "LGT-BKT-001", "aws_s3_bucket.exports"],
        ["critical", "LGT-SQS-001", "aws_sqs_queue.settlements"],
        ["critical (waived)", "LGT-SQS-001", "aws_sqs_queue.refunds"],
    ]


def test_markdown_of_a_passing_gate() -> None:
    result = scan_gate([STACK / "main.tf"], waivers=STACK_WAIVERS)
    decide(result, Threshold.CRITICAL)

    assert render(result, OutputFormat.MARKDOWN).split("\n\n")[:3] == [
        "## ledgerguard: ✅ gate passed",
        "No failed finding gates at `--fail-on critical` (waived and baseline findings do not "
        "count).",
        "6 resources in 2 files: **3** failed, **4** passed, **1** waived.",
    ]


def test_sarif_validates_and_carries_what_github_needs(gated: ScanResult) -> None:
    document = json.loads(render(gated, OutputFormat.SARIF))
    _validate(document)
    run = document["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    results = _results(document)

    assert sorted(rules) == ["LGT-BKT-001", "LGT-BKT-002", "LGT-SQS-001"]
    assert rules["LGT-SQS-001"]["properties"] == {
        "tags": ["security", "compliance", "pci-dss-4.0/3.5.1", "soc2/CC6.1"],
        "security-severity": "9.5",
        "precision": "high",
    }
    assert rules["LGT-SQS-001"]["help"]["markdown"] == (
        "**Test queue is not encrypted**\n\n"
        "A test rule for the gate and output tests: queues are encrypted with a KMS key.\n\n"
        "**Remediation:** Set `kms_master_key_id`.\n\n"
        "**Controls:** pci-dss-4.0 3.5.1, soc2 CC6.1\n\n"
        "**References:**\n- <https://example.org/ledgerguard/tests/LGT-SQS-001>"
    )
    settlements = results[("LGT-SQS-001", "aws_sqs_queue.settlements")]
    assert settlements["level"] == "error"
    assert settlements["baselineState"] == "new"
    assert settlements["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "queues.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }
    assert results[("LGT-BKT-001", "aws_s3_bucket.legacy")]["baselineState"] == "unchanged"
    assert results[("LGT-BKT-001", "aws_s3_bucket.exports")]["level"] == "note"
    assert results[("LGT-SQS-001", "aws_sqs_queue.refunds")]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "Refund events carry no cardholder data | encryption lands with "
            "PAY-88",
            "properties": {
                "owner": "payments-team",
                "approvedBy": "security@example.com",
                "ticket": "PAY-88",
                "expires": "2025-02-28",
                "source": ".ledgerguard-waivers.yaml:3",
            },
        }
    ]
    assets = results[("LGT-BKT-001", "aws_s3_bucket.assets")]["suppressions"][0]
    assert (assets["kind"], assets["justification"]) == ("inSource", "Rebuilt from git on deploy")
    assert ("LGT-BKT-002", "aws_s3_bucket.receipts") not in results
    assert [
        n["properties"]["kind"] for n in run["invocations"][0]["toolConfigurationNotifications"]
    ] == [
        "stale",
        "expired",
    ]


def test_sarif_fingerprints_survive_shifted_lines(tmp_path: Path) -> None:
    stack = tmp_path / "stack"
    shutil.copytree(STACK, stack)
    before = _results(json.loads(render(scan_gate([stack]), OutputFormat.SARIF)))
    queues = stack / "queues.tf"
    queues.write_text("\n\n# moved down\n" + queues.read_text())
    after = _results(json.loads(render(scan_gate([stack]), OutputFormat.SARIF)))

    key = ("LGT-SQS-001", "aws_sqs_queue.settlements")
    assert after[key]["locations"][0]["physicalLocation"]["region"] == {"startLine": 4}
    assert after[key]["partialFingerprints"] == before[key]["partialFingerprints"]
    assert {k: r["partialFingerprints"] for k, r in after.items()} == {
        k: r["partialFingerprints"] for k, r in before.items()
    }


@pytest.mark.parametrize(
    "target", [FIXTURES / "rules", FIXTURES / "terraform" / "malformed", FIXTURES / "terraform"]
)
def test_sarif_of_the_fixtures_validates_against_the_schema(target: Path) -> None:
    proc = run_cli(
        "scan", target, "--format", "sarif", "--ignore-parse-errors", "--fail-on", "none"
    )

    assert proc.returncode == 0
    document = json.loads(proc.stdout)
    _validate(document)
    assert document["runs"][0]["results"]


def test_several_formats_go_to_output_dir(tmp_path: Path) -> None:
    args = ["scan", STACK, "--policies", GATE_RULES, "--fail-on", "critical"]
    formats = ["sarif", "json", "junit", "markdown", "console"]
    proc = run_cli(
        *args, *(x for f in formats for x in ("--format", f)), "--output-dir", "out", cwd=tmp_path
    )
    alone = run_cli(*args, "--format", "json", cwd=tmp_path)

    assert proc.returncode == 1
    assert proc.stdout == ""
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "ledgerguard.json",
        "ledgerguard.junit.xml",
        "ledgerguard.md",
        "ledgerguard.sarif",
        "ledgerguard.txt",
    ]
    assert (tmp_path / "out" / "ledgerguard.json").read_text() == alone.stdout
    assert json.loads(alone.stdout)["gate"] == {
        "passed": False,
        "fail_on": "critical",
        "exit_code": 1,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "json", "-f", "sarif"], "several --format values need --output-dir"),
        (["-o", "r.json", "--output-dir", "out"], "give --output or --output-dir, not both"),
        (["-f", "json", "-f", "json", "--output-dir", "out"], "each --format may be given once"),
    ],
)
def test_impossible_destinations_are_usage_errors(
    tmp_path: Path, args: list[str], message: str
) -> None:
    proc = run_cli("scan", STACK, *args, cwd=tmp_path)

    assert proc.returncode == 2
    assert proc.stderr == f"ledgerguard: error: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_secrets_never_reach_the_ci_formats(tmp_path: Path) -> None:
    formats = ["sarif", "junit", "markdown"]
    proc = run_cli(
        "scan",
        FIXTURES / "terraform" / "secrets",
        *(x for f in formats for x in ("--format", f)),
        "--output-dir",
        "out",
        cwd=tmp_path,
    )

    text = "".join(p.read_text() for p in (tmp_path / "out").iterdir()) + proc.stderr
    assert proc.returncode == 1
    assert "LG-LAMBDA-001" in text
    for secret in SECRETS:
        assert secret not in text
