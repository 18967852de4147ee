"""Escalation paths over effective permissions: a path split across policies is still a path."""

from __future__ import annotations

from scanner.model import Status
from scanner.scan import PolicyPack
from tests.conftest import FIXTURES, scan

SPLIT = FIXTURES / "iam" / "escalation"
PASS_ROLE = 'statement "Pass" of aws_iam_policy.pass_any_role (main.tf:3)'
DEPLOY = 'statement "Deploy" of aws_iam_policy.deploy_functions (main.tf:8)'


def test_a_path_split_across_two_policies_of_one_role_is_found(pack: PolicyPack) -> None:
    result = scan([SPLIT], pack, ["LG-IAM-020"])

    assert result.errors == []
    assert [(f.resource, f.status, f.message) for f in result.findings] == [
        (
            "aws_iam_role.both",
            Status.FAILED,
            "can escalate privileges by passing a role to a new Lambda function: "
            f"`iam:PassRole` from {PASS_ROLE} via aws_iam_role_policy_attachment.both_pass; "
            f"`lambda:CreateFunction` from {DEPLOY} via "
            "aws_iam_role_policy_attachment.both_deploy; `lambda:CreateEventSourceMapping` "
            f"from {DEPLOY} via aws_iam_role_policy_attachment.both_deploy",
        ),
        ("aws_iam_role.pass_only", Status.PASSED, "has no known privilege-escalation path"),
        ("aws_iam_role.deploy_only", Status.PASSED, "has no known privilege-escalation path"),
        ("aws_iam_group.deployers", Status.PASSED, "has no known privilege-escalation path"),
        (
            "aws_iam_user.ci",
            Status.FAILED,
            "can escalate privileges by passing a role to a new Lambda function: "
            f"`iam:PassRole` from {PASS_ROLE} via aws_iam_user_policy_attachment.ci_pass; "
            f"`lambda:CreateFunction` from {DEPLOY} via "
            "aws_iam_group_policy_attachment.deployers, group aws_iam_group.deployers "
            "(aws_iam_user_group_membership.ci); `lambda:CreateEventSourceMapping` from "
            f"{DEPLOY} via aws_iam_group_policy_attachment.deployers, group "
            "aws_iam_group.deployers (aws_iam_user_group_membership.ci)",
        ),
    ]


def test_one_admin_statement_opening_every_path_is_said_once(pack: PolicyPack) -> None:
    result = scan([FIXTURES / "rules" / "LG-IAM-010" / "bad"], pack, ["LG-IAM-020"])
    admin = next(f for f in result.findings if f.resource == "aws_iam_role.fail_inline_admin")

    assert admin.message == (
        "can escalate privileges in 24 ways (iam:CreatePolicyVersion, "
        "iam:SetDefaultPolicyVersion, iam:AttachUserPolicy and 21 more): all from statement 1 "
        "of aws_iam_role.fail_inline_admin inline policy `everything` (main.tf:3)"
    )
