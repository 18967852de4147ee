"""`ledgerguard iam suggest`: the minimal policy for recorded use, and what it drops."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scanner.iam.actions import database
from tests.conftest import FIXTURES

STACK = FIXTURES / "iam" / "suggest"
LEDGER = 'statement "Ledger" of aws_iam_role.settle inline policy `ledger` (main.tf:12)'
RUNTIME = "aws_iam_policy.runtime (main.tf:27) via aws_iam_role_policy_attachment.settle_runtime"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner", "iam", "suggest", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_suggest_prints_the_minimal_policy_and_the_dropped_grants() -> None:
    proc = run(STACK, "--principal", "aws_iam_role.settle", "--used-actions", STACK / "used.json")

    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout == _pretty(
        {
            "principal": "aws_iam_role.settle",
            "policy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                        "Resource": ["${aws_dynamodb_table.ledger.arn}"],
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["kms:Decrypt"],
                        "Resource": ["*"],
                        "Condition": {
                            "StringEquals": {"kms:ViaService": ["s3.eu-west-1.amazonaws.com"]}
                        },
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["s3:GetObject"],
                        "Resource": ["arn:aws:s3:::receipts/2024/01.pdf"],
                    },
                    {"Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": ["*"]},
                ],
            },
            "dropped": [
                {
                    "statement": LEDGER,
                    "actions": ["dynamodb:*"],
                    "resources": ["${aws_dynamodb_table.ledger.arn}"],
                    "unused_actions": len(database().service("dynamodb")) - 2,
                    "kept": ["dynamodb:GetItem", "dynamodb:PutItem"],
                },
                {
                    "statement": LEDGER.replace('"Ledger"', '"Payouts"'),
                    "actions": ["sqs:SendMessage"],
                    "resources": ["${aws_sqs_queue.payouts.arn}"],
                    "unused_actions": 1,
                    "kept": [],
                },
                {
                    "statement": f"statement 1 of {RUNTIME}",
                    "actions": ["s3:GetObject", "s3:PutObject"],
                    "resources": ["*"],
                    "unused_actions": 1,
                    "kept": ["s3:GetObject"],
                },
            ],
            "not_granted": [{"action": "sns:Publish", "resource": None}],
        }
    )


def _pretty(document: object) -> str:
    return json.dumps(document, indent=2) + "\n"


def test_unknown_principal_is_a_usage_error() -> None:
    proc = run(STACK, "--principal", "aws_iam_role.nope", "--used-actions", STACK / "used.json")

    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        f"ledgerguard: error: unknown principal 'aws_iam_role.nope' in {STACK}; "
        "principals: aws_iam_role.settle\n"
    )


def test_bad_json_names_the_file_and_line(tmp_path: Path) -> None:
    used = tmp_path / "used.json"
    used.write_text('[\n  "dynamodb:GetItem",\n  "s3:GetObject"\n  "kms:Decrypt"\n]\n')

    proc = run(STACK, "--principal", "aws_iam_role.settle", "--used-actions", used)

    assert proc.returncode == 2
    assert proc.stderr == (f"ledgerguard: error: {used}:4: invalid JSON: Expecting ',' delimiter\n")


def test_an_entry_that_is_no_action_is_a_usage_error(tmp_path: Path) -> None:
    used = tmp_path / "used.json"
    used.write_text(json.dumps(["dynamodb:GetItem", {"action": "s3:GetObjcet"}, 7]))

    proc = run(STACK, "--principal", "aws_iam_role.settle", "--used-actions", used)

    assert proc.returncode == 2
    assert proc.stderr == (
        f"ledgerguard: error: {used}: entry 2: `s3:GetObjcet` is not an IAM action "
        "(did you mean `s3:GetObject`?)\n"
    )
