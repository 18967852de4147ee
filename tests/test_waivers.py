"""Waivers: from the waivers file and inline comments, with owners, expiry and stale notices."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from scanner.config import Config, WaiversConfig
from scanner.errors import UsageError
from scanner.gate import ExitCode, Threshold, gate
from scanner.model import Status, WaiverNotice, WaiverRef
from scanner.waivers.model import address_matches
from tests.gate_support import GATE_RULES, STACK, STACK_WAIVERS, by_key, run_cli, scan_gate

REFUNDS = ("LGT-SQS-001", "aws_sqs_queue.refunds")
ASSETS = ("LGT-BKT-001", "aws_s3_bucket.assets")
EXPORTS = ("LGT-BKT-001", "aws_s3_bucket.exports")

GOOD_ENTRY = """\
waivers:
  - rule_id: LGT-SQS-001
    resource: aws_sqs_queue.settlements
    reason: Migrating to KMS
    owner: payments-team
    approved_by: security@example.com
    expires: 2025-02-01
"""


def test_file_waiver_with_a_glob_waives_and_names_its_approver() -> None:
    finding = by_key(scan_gate(waivers=STACK_WAIVERS))[REFUNDS]

    assert finding.status == Status.WAIVED
    assert finding.waiver == WaiverRef(
        rule_id="LGT-SQS-001",
        resource="aws_sqs_queue.refund*",
        reason="Refund events carry no cardholder data | encryption lands with PAY-88",
        owner="payments-team",
        approved_by="security@example.com",
        ticket="PAY-88",
        expires=date(2025, 2, 28),
        source=".ledgerguard-waivers.yaml:3",
        inline=False,
    )


def test_inline_waiver_above_a_block_waives_it() -> None:
    finding = by_key(scan_gate())[ASSETS]

    assert finding.status == Status.WAIVED
    assert finding.waiver == WaiverRef(
        rule_id="LGT-BKT-001",
        resource="aws_s3_bucket.assets",
        reason="Rebuilt from git on deploy",
        owner="inline",
        approved_by="inline",
        ticket="WEB-7",
        expires=date(2025, 3, 31),
        source="main.tf:14",
        inline=True,
    )


def test_expired_and_stale_waivers_are_reported_and_expired_ones_do_not_waive() -> None:
    result = scan_gate(waivers=STACK_WAIVERS)

    assert by_key(result)[EXPORTS].status == Status.FAILED
    assert by_key(result)[EXPORTS].waiver is None
    assert result.summary.waived == 2
    assert result.waiver_notices == [
        WaiverNotice(
            kind="stale",
            source=".ledgerguard-waivers.yaml:10",
            rule_id="LGT-BKT-002",
            resource="aws_s3_bucket.receipts",
            message="waiver for LGT-BKT-002 on aws_s3_bucket.receipts matches no failed "
            "finding; remove it",
        ),
        WaiverNotice(
            kind="expired",
            source=".ledgerguard-waivers.yaml:16",
            rule_id="LGT-BKT-001",
            resource="aws_s3_bucket.exports",
            message="waiver for LGT-BKT-001 on aws_s3_bucket.exports expired on 2024-12-31; "
            "1 finding fails again",
        ),
    ]


def test_a_waiver_is_live_through_its_expiry_date() -> None:
    on_the_day = scan_gate(waivers=STACK_WAIVERS, today=date(2025, 2, 28))
    day_after = scan_gate(waivers=STACK_WAIVERS, today=date(2025, 3, 1))

    assert by_key(on_the_day)[REFUNDS].status == Status.WAIVED
    assert by_key(day_after)[REFUNDS].status == Status.FAILED
    assert [n.source for n in day_after.waiver_notices if n.kind == "expired"] == [
        ".ledgerguard-waivers.yaml:3",
        ".ledgerguard-waivers.yaml:16",
    ]


def test_gate_passes_while_the_waiver_lives_and_fails_once_it_expired(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "refunds" {}\n')
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(STACK_WAIVERS.read_text())

    live = scan_gate([tmp_path], waivers=waivers, today=date(2025, 2, 28))
    expired = scan_gate([tmp_path], waivers=waivers, today=date(2025, 3, 1))

    assert gate(live, Threshold.CRITICAL) == ExitCode.PASSED
    assert gate(expired, Threshold.CRITICAL) == ExitCode.FAILED


@pytest.mark.parametrize(
    ("address", "pattern", "matches"),
    [
        ("module.x.aws_s3_bucket.logs", "module.x.*", True),
        ("module.x.module.y.aws_s3_bucket.logs", "module.x.*", True),
        ("module.xy.aws_s3_bucket.logs", "module.x.*", False),
        ('aws_s3_bucket.logs["eu"]', 'aws_s3_bucket.logs["eu"]', True),
        ("aws_s3_bucket.logs[0]", "aws_s3_bucket.logs[*]", True),
        ("aws_s3_bucket.logs0", "aws_s3_bucket.logs[0]", False),
        ("aws_s3_bucket.logs", "aws_s3_bucket.log?", True),
    ],
)
def test_resource_globs(address: str, pattern: str, matches: bool) -> None:
    assert address_matches(address, pattern) is matches


def test_glob_waives_every_resource_of_one_module_call(tmp_path: Path) -> None:
    (tmp_path / "bucket").mkdir()
    (tmp_path / "bucket" / "main.tf").write_text(
        'resource "aws_s3_bucket" "this" {\n  tags = { owner = "x" }\n}\n'
    )
    (tmp_path / "main.tf").write_text(
        'module "old" {\n  source = "./bucket"\n}\n\nmodule "new" {\n  source = "./bucket"\n}\n'
    )
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        GOOD_ENTRY.replace("LGT-SQS-001", "LGT-BKT-001").replace(
            "aws_sqs_queue.settlements", "module.old.*"
        )
    )

    result = scan_gate([tmp_path], waivers=waivers)

    assert {(f.resource, f.status) for f in result.findings if f.rule_id == "LGT-BKT-001"} == {
        ("module.old.aws_s3_bucket.this", Status.WAIVED),
        ("module.new.aws_s3_bucket.this", Status.FAILED),
    }


def test_inline_waiver_inside_a_block_covers_every_instance(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "logs" {\n'
        "  count = 2\n"
        '  tags  = { owner = "ops" } # ledgerguard:ignore LGT-BKT-001 reason="Log copies"'
        " expires=2025-01-31 owner=ops approved_by=cso\n"
        "}\n\n"
        'resource "aws_s3_bucket" "other" {\n  tags = { owner = "ops" }\n}\n'
    )

    result = scan_gate([tmp_path])

    statuses = {(f.resource, f.status) for f in result.findings if f.rule_id == "LGT-BKT-001"}
    assert statuses == {
        ("aws_s3_bucket.logs[0]", Status.WAIVED),
        ("aws_s3_bucket.logs[1]", Status.WAIVED),
        ("aws_s3_bucket.other", Status.FAILED),
    }
    waiver = by_key(result)[("LGT-BKT-001", "aws_s3_bucket.logs[1]")].waiver
    assert waiver is not None
    assert (waiver.owner, waiver.approved_by, waiver.source) == ("ops", "cso", "main.tf:3")


def test_waiver_beyond_the_configured_lifetime_is_an_error(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(GOOD_ENTRY)
    config = Config(waivers=WaiversConfig(max_lifetime_days=10))

    with pytest.raises(UsageError) as caught:
        scan_gate(waivers=waivers, config=config)

    assert str(caught.value) == (
        f"{waivers}:7: expires 2025-02-01 is 17 days away, beyond the maximum of 10 "
        "(waivers.max_lifetime_days)"
    )


def _stack_copy(tmp_path: Path) -> Path:
    stack = tmp_path / "stack"
    shutil.copytree(STACK, stack)
    (stack / ".ledgerguard-waivers.yaml").unlink()
    return stack


def _cli_with_waivers(tmp_path: Path, text: str, today: str = "2025-01-15") -> tuple[int, str]:
    (tmp_path / "waivers.yaml").write_text(text)
    proc = run_cli(
        "scan",
        STACK,
        "--policies",
        GATE_RULES,
        "--waivers",
        "waivers.yaml",
        cwd=tmp_path,
        today=today,
    )
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD_ENTRY.replace("    reason: Migrating to KMS\n", ""),
            "waivers.yaml:2: `reason` is required",
        ),
        (
            GOOD_ENTRY.replace("reason: Migrating to KMS", 'reason: "  "'),
            "waivers.yaml:4: `reason`: must not be empty",
        ),
        (
            GOOD_ENTRY.replace("LGT-SQS-001", "LGT-NOPE-001"),
            "waivers.yaml:2: unknown rule id 'LGT-NOPE-001'; `ledgerguard rules` lists them",
        ),
        (
            GOOD_ENTRY.replace("2025-02-01", "2025-02-30"),
            "waivers.yaml:7: `expires`: Input should be a valid date or datetime, day value is "
            "outside expected range",
        ),
        (
            GOOD_ENTRY.replace("2025-02-01", "2026-06-01"),
            "waivers.yaml:7: expires 2026-06-01 is 502 days away, beyond the maximum of 365 "
            "(waivers.max_lifetime_days)",
        ),
        (
            GOOD_ENTRY.replace("    owner: payments-team\n", "    owner: [a\n"),
            "waivers.yaml:6: invalid YAML: did not find expected ',' or ']' (while parsing a flow "
            "sequence at line 5)",
        ),
        (
            GOOD_ENTRY + "    approver: someone\n",
            "waivers.yaml:8: unknown key `approver`",
        ),
        ("- just a list\n", "waivers.yaml:1: expected a mapping with a `waivers` list"),
    ],
)
def test_invalid_waiver_is_one_line_naming_its_line_and_exits_2(
    tmp_path: Path, text: str, message: str
) -> None:
    code, stderr = _cli_with_waivers(tmp_path, text)

    assert code == 2
    assert stderr == f"ledgerguard: error: {message}\n"


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        (
            "# ledgerguard:ignore LGT-BKT-001 expires=2025-03-31",
            "main.tf:14: inline waiver: `reason` is required",
        ),
        (
            '# ledgerguard:ignore LGT-BKT-001 reason="x"',
            "main.tf:14: inline waiver: `expires` is required",
        ),
        (
            '# ledgerguard:ignore LGT-BKT-001 reason="x expires=2025-03-31',
            "main.tf:14: inline waiver: No closing quotation; write "
            '# ledgerguard:ignore RULE_ID reason="..." expires=YYYY-MM-DD',
        ),
        (
            '# ledgerguard:ignore reason="x" expires=2025-03-31',
            "main.tf:14: inline waiver needs a rule id first; write "
            '# ledgerguard:ignore RULE_ID reason="..." expires=YYYY-MM-DD',
        ),
        (
            '# ledgerguard:ignore LGT-BKT-001 reason="x" expires=2027-01-01',
            "main.tf:14: expires 2027-01-01 is 716 days away, beyond the maximum of 365 "
            "(waivers.max_lifetime_days)",
        ),
        (
            '# ledgerguard:ignore LGT-BKT-001 reason="x" expires=2025-03-31 until=2025-04-01',
            "main.tf:14: inline waiver: unknown key `until` (known: approved_by, expires, owner, "
            "reason, ticket)",
        ),
    ],
)
def test_invalid_inline_waiver_is_an_error_at_its_line(
    tmp_path: Path, comment: str, message: str
) -> None:
    stack = _stack_copy(tmp_path)
    main = stack / "main.tf"
    original = main.read_text().splitlines()
    assert original[13].startswith("# ledgerguard:ignore LGT-BKT-001")
    main.write_text("\n".join([*original[:13], comment, *original[14:]]) + "\n")

    proc = run_cli("scan", stack, "--policies", GATE_RULES, cwd=tmp_path)

    assert proc.returncode == 2
    assert proc.stderr == f"ledgerguard: error: {message}\n"


def test_inline_waiver_that_is_not_by_a_resource_is_an_error(tmp_path: Path) -> None:
    stack = _stack_copy(tmp_path)
    main = stack / "main.tf"
    main.write_text(main.read_text().replace("WEB-7\nresource", "WEB-7\n\nresource"))

    proc = run_cli("scan", stack, "--policies", GATE_RULES, cwd=tmp_path)

    assert proc.returncode == 2
    assert proc.stderr == (
        "ledgerguard: error: main.tf:14: inline waiver is not inside or directly above a "
        "resource block\n"
    )


def test_cli_reads_the_waivers_file_in_the_current_directory_and_warns(tmp_path: Path) -> None:
    proc = run_cli("scan", ".", "--policies", GATE_RULES, "--format", "json", cwd=STACK)

    findings = {(f["rule_id"], f["resource"]): f for f in json.loads(proc.stdout)["findings"]}
    assert proc.returncode == 1
    assert findings[REFUNDS]["status"] == "waived"
    assert findings[REFUNDS]["waiver"]["source"] == ".ledgerguard-waivers.yaml:3"
    assert findings[EXPORTS]["status"] == "failed"
    assert proc.stderr == (
        "ledgerguard: warning: .ledgerguard-waivers.yaml:10: waiver for LGT-BKT-002 on "
        "aws_s3_bucket.receipts matches no failed finding; remove it\n"
        "ledgerguard: warning: .ledgerguard-waivers.yaml:16: waiver for LGT-BKT-001 on "
        "aws_s3_bucket.exports expired on 2024-12-31; 1 finding fails again\n"
    )


def test_missing_waivers_file_and_bad_today_are_usage_errors(tmp_path: Path) -> None:
    missing = run_cli("scan", STACK, "--waivers", "nope.yaml", cwd=tmp_path)
    bad_today = run_cli("scan", STACK, cwd=tmp_path, today="15/01/2025")

    assert (missing.returncode, missing.stderr) == (
        2,
        "ledgerguard: error: nope.yaml: waivers file not found\n",
    )
    assert (bad_today.returncode, bad_today.stderr) == (
        2,
        "ledgerguard: error: LEDGERGUARD_TODAY='15/01/2025' is not a date (YYYY-MM-DD)\n",
    )
