"""The cardholder-data access table: who can read or write each classified resource, and where
the grant is written."""

from __future__ import annotations

import json
import subprocess
import sys

from scanner.config import ClassificationConfig, Config
from scanner.model import ScopeGrant
from scanner.scan import PolicyPack
from tests.conftest import FIXTURES, scan

SCOPE = FIXTURES / "iam" / "scope"
CARDS = "aws_dynamodb_table.cards"
CUSTOMERS = "aws_dynamodb_table.customers"


def _grant(
    resource: str, kind: str, principal: str, access: str, actions: list[str], where: str
) -> ScopeGrant:
    file, line = where.split(":")
    return ScopeGrant(
        resource=resource,
        classification=kind,
        principal=principal,
        access=access,
        actions=actions,
        file=file,
        line=int(line),
    )


EXPECTED = [
    _grant(
        CARDS,
        "cardholder",
        "aws_iam_group.support",
        "write",
        ["dynamodb:UpdateItem"],
        "roles.tf:42",
    ),
    _grant(
        CARDS,
        "cardholder",
        "aws_iam_role.authorize",
        "read-write",
        ["dynamodb:GetItem", "dynamodb:PutItem"],
        "roles.tf:4",
    ),
    _grant(
        CARDS,
        "cardholder",
        "aws_iam_role.fraud",
        "read",
        ["dynamodb:BatchGetItem", "dynamodb:Query"],
        "roles.tf:18",
    ),
    _grant(
        CARDS, "cardholder", "aws_iam_user.agent", "write", ["dynamodb:UpdateItem"], "roles.tf:42"
    ),
    _grant(
        CUSTOMERS,
        "personal",
        "aws_iam_group.support",
        "write",
        ["dynamodb:UpdateItem"],
        "roles.tf:42",
    ),
    _grant(
        CUSTOMERS,
        "personal",
        "aws_iam_role.reporting",
        "read",
        ["dynamodb:DescribeTable", "dynamodb:Scan"],
        "roles.tf:33",
    ),
    _grant(
        CUSTOMERS, "personal", "aws_iam_user.agent", "write", ["dynamodb:UpdateItem"], "roles.tf:42"
    ),
    _grant(
        "aws_s3_bucket.statements",
        "cardholder",
        "aws_iam_role.authorize",
        "read-write",
        ["s3:GetObject", "s3:PutObject"],
        "tables.tf:25",
    ),
]


def test_scope_lists_exactly_the_principals_that_reach_each_classified_resource(
    pack: PolicyPack,
) -> None:
    # `denied` loses the cards table to an explicit Deny, `bounded` to its permissions
    # boundary, and nobody's access to the untagged `metrics` table is listed.
    result = scan([SCOPE], pack, [])

    assert result.errors == []
    assert result.scope == EXPECTED


def test_scope_follows_the_configured_classification_tag(pack: PolicyPack) -> None:
    config = Config(classification=ClassificationConfig(cardholder_values=["personal"]))
    result = scan([SCOPE], pack, [], config=config)

    assert [(g.resource, g.classification, g.principal) for g in result.scope] == [
        (CUSTOMERS, "cardholder", "aws_iam_group.support"),
        (CUSTOMERS, "cardholder", "aws_iam_role.reporting"),
        (CUSTOMERS, "cardholder", "aws_iam_user.agent"),
    ]


def test_scope_is_in_the_json_report() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner",
            "scan",
            str(SCOPE),
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scope"] == [g.model_dump(mode="json") for g in EXPECTED]
