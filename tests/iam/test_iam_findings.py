"""Every IAM finding type on its fixture policies: exact rule, resource and message.

The fixtures are the rules' own good/bad fixtures (`tests/fixtures/rules/<ID>/`), parsed from
Terraform like any scan; `compliant/` is a least-privilege stack on which no rule fires, and
`unknowns/` holds values nobody supplied, which are "cannot verify", never a pass.
"""

from __future__ import annotations

import pytest

from scanner.iam.actions import database
from scanner.model import Severity, Status
from scanner.scan import PolicyPack
from tests.conftest import FIXTURES, failed, scan

RULES = FIXTURES / "rules"
IAM_RULES = [
    "LG-IAM-010",
    "LG-IAM-011",
    "LG-IAM-012",
    "LG-IAM-013",
    "LG-IAM-014",
    "LG-IAM-015",
    "LG-IAM-020",
    "LG-IAM-021",
    "LG-IAM-022",
    "LG-IAM-030",
    "LG-POLICY-001",
    "LG-POLICY-002",
    "LG-POLICY-003",
]
NOT_OWN = (
    "with no condition narrowing the principal "
    "(a hard-coded account is not shown to be this stack's own)"
)


def _all_but_iam_and_organizations() -> int:
    db = database()
    return sum(
        1 for s, actions in db.services.items() if actions and s not in ("iam", "organizations")
    )


EXPECTED: dict[str, list[tuple[str, str]]] = {
    "LG-IAM-010": [
        (
            "aws_iam_role.fail_inline_admin",
            "has full administrator access (`*` on `*`): statement 1 of "
            "aws_iam_role.fail_inline_admin inline policy `everything` (main.tf:3)",
        ),
        (
            "aws_iam_role.fail_managed_admin",
            "has full administrator access (`*` on `*`): statement 1 of AWS-managed "
            "AdministratorAccess (main.tf:17) via aws_iam_role_policy_attachment.deployer_admin",
        ),
        (
            "aws_iam_group.fail_admins",
            "has full administrator access (`*` on `*`): statement 1 of "
            "aws_iam_group_policy.admins (main.tf:26)",
        ),
        (
            "aws_iam_user.fail_member",
            "has full administrator access (`*` on `*`): statement 1 of "
            "aws_iam_group_policy.admins (main.tf:26) via group aws_iam_group.fail_admins "
            "(aws_iam_user_group_membership.alice)",
        ),
    ],
    "LG-IAM-011": [
        (
            "aws_iam_role.fail_bucket_wildcard",
            "is granted every action of `s3` on bucket `aws_s3_bucket.receipts`: statement 1 of "
            "aws_iam_role.fail_bucket_wildcard inline policy `receipts` (main.tf:7)",
        ),
        (
            "aws_iam_role.fail_managed_full_access",
            "is granted every action of `sqs` on `*`: statement 1 of AWS-managed "
            "AmazonSQSFullAccess (main.tf:16) via managed_policy_arns",
        ),
        (
            "aws_iam_user.fail_not_action",
            f"is granted every action of {_all_but_iam_and_organizations()} services (`a2c`, "
            "`a4b`, `access-analyzer` and more) on `*`: statement 1 of "
            "aws_iam_user_policy.power (main.tf:26)",
        ),
    ],
    "LG-IAM-012": [
        (
            "aws_iam_role.fail_put_anywhere",
            "can write every resource (`*`) with `dynamodb:PutItem`: statement 1 of "
            "aws_iam_role.fail_put_anywhere inline policy `put` (main.tf:3)",
        ),
        (
            "aws_iam_role.fail_every_table",
            "can write every resource (`arn:aws:dynamodb:eu-west-1:111122223333:table/*`) with "
            "`dynamodb:DeleteItem`: statement 1 of aws_iam_role.fail_every_table inline policy "
            "`tables` (main.tf:12)",
        ),
        (
            "aws_iam_role.fail_log_groups",
            "can write every resource (`*`) with `logs:CreateLogGroup`: statement 1 of "
            "aws_iam_role_policy.function_logs (main.tf:26)",
        ),
    ],
    "LG-IAM-013": [
        (
            "aws_iam_role.fail_any_bucket_policy",
            "can manage permissions of every resource (`*`) with `s3:PutBucketPolicy`: statement "
            "1 of aws_iam_role.fail_any_bucket_policy inline policy `bucket-policies` (main.tf:3)",
        ),
        (
            "aws_iam_group.fail_key_admins",
            "can manage permissions of every resource (`arn:aws:kms:*:111122223333:key/*`) with "
            "`kms:PutKeyPolicy`: statement 1 of aws_iam_group_policy.key_admins (main.tf:16)",
        ),
    ],
    "LG-IAM-014": [
        (
            "aws_iam_role.fail_retag_tables",
            "can tag every resource (`*`) with `dynamodb:TagResource`, `dynamodb:UntagResource`: "
            "statement 1 of aws_iam_role.fail_retag_tables inline policy `tags` (main.tf:3)",
        ),
    ],
    "LG-IAM-015": [
        (
            "aws_iam_policy.fail_typo",
            "statement 1: `s3:GetObjcet` is not an IAM action (did you mean `s3:GetObject`?)",
        ),
        (
            "aws_iam_role_policy.fail_unknown_service",
            "statement 1: `dynamo:GetItem` names an unknown service `dynamo` "
            "(did you mean `dynamodb`?)",
        ),
        (
            "aws_s3_bucket_policy.fail_deny_typo",
            'statement "NoDeletes": `s3:DeleteObjects*` matches no action',
        ),
    ],
    "LG-IAM-020": [
        (
            "aws_iam_role.fail_split",
            "can escalate privileges by passing a role to a new Lambda function: `iam:PassRole` "
            "from statement 1 of aws_iam_policy.pass_any_role (main.tf:8) via "
            "aws_iam_role_policy_attachment.builder_pass; `lambda:CreateFunction` from "
            'statement "Deploy" of aws_iam_policy.lambda_deploy (main.tf:13) via '
            "aws_iam_role_policy_attachment.builder_lambda; `lambda:InvokeFunction` from "
            'statement "Deploy" of aws_iam_policy.lambda_deploy (main.tf:13) via '
            "aws_iam_role_policy_attachment.builder_lambda",
        ),
        (
            "aws_iam_role.fail_self_edit",
            "can escalate privileges with `iam:PutRolePolicy` from statement 1 of "
            "aws_iam_role_policy.self_edit (main.tf:41)",
        ),
        (
            "aws_iam_user.fail_policy_versions",
            "can escalate privileges with `iam:CreatePolicyVersion` from statement 1 of "
            "aws_iam_user_policy.ci (main.tf:50)",
        ),
        (
            "aws_iam_role.fail_assume_any",
            "can escalate privileges with `sts:AssumeRole` from statement 1 of "
            "aws_iam_role.fail_assume_any inline policy `hop` (main.tf:55)",
        ),
    ],
    "LG-IAM-021": [
        (
            "aws_iam_role.fail_every_object",
            "can read data from every resource (`*`) with `s3:GetObject`: statement 1 of "
            "aws_iam_role.fail_every_object inline policy `objects` (main.tf:3)",
        ),
        (
            "aws_iam_role.fail_every_secret",
            "can read data from every resource (`arn:aws:secretsmanager:*:111122223333:secret:*`)"
            " with `secretsmanager:GetSecretValue`: statement 1 of aws_iam_role.fail_every_secret"
            " inline policy `secrets` (main.tf:12)",
        ),
        (
            "aws_iam_role.fail_decrypt_anything",
            "can read data from every resource (`*`) with `kms:Decrypt`: statement 1 of "
            "aws_iam_role.fail_decrypt_anything inline policy `kms` (main.tf:21)",
        ),
    ],
    "LG-IAM-022": [
        (
            "aws_iam_user.fail_key_maker",
            "can obtain credentials with `iam:CreateAccessKey`: statement 1 of "
            "aws_iam_user_policy.key_maker (main.tf:7)",
        ),
        (
            "aws_iam_role.fail_federation",
            "can obtain credentials with `sts:GetFederationToken`: statement 1 of "
            "aws_iam_role.fail_federation inline policy `federate` (main.tf:12)",
        ),
    ],
    "LG-IAM-030": [
        (
            "aws_iam_role.fail_admin_with_mfa",
            "has full administrator access (`*` on `*`) (only under aws:MultiFactorAuthPresent):"
            " statement 1 of aws_iam_role.fail_admin_with_mfa inline policy `admin` (main.tf:3)",
        ),
        (
            "aws_iam_role.fail_escalation_from_office",
            "can manage permissions of every resource (`*`) with `iam:PassRole` (only under "
            "aws:SourceIp): statement 1 of aws_iam_role.fail_escalation_from_office inline "
            "policy `deploy` (main.tf:15); can escalate privileges by passing a role to a new "
            "Lambda function: `iam:PassRole` (only under aws:SourceIp) from statement 1 of "
            "aws_iam_role.fail_escalation_from_office inline policy `deploy` (main.tf:15); "
            "`lambda:CreateFunction` from statement 2 of "
            "aws_iam_role.fail_escalation_from_office inline policy `deploy` (main.tf:15); "
            "`lambda:InvokeFunction` from statement 2 of "
            "aws_iam_role.fail_escalation_from_office inline policy `deploy` (main.tf:15)",
        ),
    ],
    "LG-POLICY-001": [
        (
            "aws_s3_bucket_policy.fail_public_read",
            'statement "PublicRead" lets anyone (`*`) call `s3:GetObject` with no condition '
            "narrowing the principal",
        ),
        (
            "aws_sqs_queue.fail_open_queue",
            "statement 1 lets anyone (`*`) call `sqs:SendMessage` with no condition narrowing "
            "the principal",
        ),
        (
            "aws_sns_topic_policy.fail_not_principal",
            "statement 1 lets anyone outside its NotPrincipal call `sns:Publish` with no "
            "condition narrowing the principal",
        ),
        (
            "aws_lambda_permission.fail_anyone_invokes",
            "the permission lets anyone (`*`) call `lambda:InvokeFunction` with no condition "
            "narrowing the principal",
        ),
    ],
    "LG-POLICY-002": [
        (
            "aws_s3_bucket_policy.fail_partner_reads",
            "statement 1 lets account principal `arn:aws:iam::444455556666:root` call "
            f"`s3:GetObject` {NOT_OWN}",
        ),
        (
            "aws_kms_key.fail_shared_key",
            'statement "Partner" lets account principal `444455556666` call `kms:Decrypt` '
            f"{NOT_OWN}",
        ),
        (
            "aws_lambda_permission.fail_partner_invokes",
            "the permission lets account principal `444455556666` call `lambda:InvokeFunction` "
            f"{NOT_OWN}",
        ),
    ],
    "LG-POLICY-003": [
        (
            "aws_sns_topic.fail_events_publish",
            "statement 1 lets service `events.amazonaws.com` call `sns:Publish` with no "
            "aws:SourceArn or aws:SourceAccount condition",
        ),
        (
            "aws_lambda_permission.fail_s3_invokes",
            "the permission lets service `s3.amazonaws.com` call `lambda:InvokeFunction` with no "
            "aws:SourceArn or aws:SourceAccount condition",
        ),
    ],
}


@pytest.mark.parametrize("rule_id", IAM_RULES)
def test_bad_fixture_gives_exactly_these_findings(rule_id: str, pack: PolicyPack) -> None:
    result = scan([RULES / rule_id / "bad"], pack, [rule_id])

    assert result.errors == []
    assert [(f.rule_id, f.resource, f.message) for f in failed(result)] == [
        (rule_id, resource, message) for resource, message in EXPECTED[rule_id]
    ]
    assert [f for f in result.findings if f.cannot_verify] == []


def test_failed_findings_carry_the_rule_severity(pack: PolicyPack) -> None:
    result = scan([RULES / "LG-IAM-020" / "bad"], pack, ["LG-IAM-020"])

    assert {f.severity for f in failed(result)} == {Severity.CRITICAL}


def test_a_least_privilege_stack_passes_every_iam_rule(pack: PolicyPack) -> None:
    result = scan([FIXTURES / "iam" / "compliant"], pack, IAM_RULES)

    assert result.errors == []
    assert [
        (f.rule_id, f.resource, f.message) for f in result.findings if f.status != Status.PASSED
    ] == []
    on_role = ["010", "011", "012", "013", "014", "015", "020", "021", "022", "030"]
    policies = ["LG-POLICY-001", "LG-POLICY-002", "LG-POLICY-003"]
    evaluated = {(f.resource, f.rule_id) for f in result.findings}
    assert evaluated == (
        {("aws_iam_role.settle", f"LG-IAM-{number}") for number in on_role}
        | {("aws_iam_role_policy.settle", "LG-IAM-015")}
        | {("aws_kms_key.ledger", rule) for rule in ["LG-IAM-015", *policies]}
        | {("aws_lambda_permission.nightly", rule) for rule in policies}
        | {("aws_s3_bucket.receipts", rule) for rule in policies}
        | {("aws_s3_bucket_policy.receipts", rule) for rule in ["LG-IAM-015", *policies]}
    )


def test_unresolved_values_are_cannot_verify_never_pass(pack: PolicyPack) -> None:
    rules = ["LG-IAM-010", "LG-IAM-012", "LG-IAM-020", "LG-POLICY-001"]
    result = scan([FIXTURES / "iam" / "unknowns"], pack, rules)
    not_passed = [f for f in result.findings if f.status != Status.PASSED]
    var_policy = "cannot verify: policy ARN `var.policy_arn` cannot be resolved"
    admin = "statement 1 of AWS-managed AdministratorAccess (main.tf:28) via managed_policy_arns"
    boundary = (
        "unless its permissions boundary narrows it "
        "(policy ARN `var.boundary_arn` cannot be resolved)"
    )

    assert {(f.status, f.cannot_verify, f.severity) for f in not_passed} == {
        (Status.FAILED, True, Severity.LOW)
    }
    assert [(f.rule_id, f.resource, f.message) for f in not_passed] == [
        (
            "LG-IAM-012",
            "aws_iam_role.var_resource",
            "cannot verify: may write every resource: statement 1 of aws_iam_role.var_resource "
            "inline policy `put` (main.tf:9) uses values that cannot be resolved",
        ),
        ("LG-IAM-010", "aws_iam_role.var_policy", var_policy),
        ("LG-IAM-012", "aws_iam_role.var_policy", var_policy),
        ("LG-IAM-020", "aws_iam_role.var_policy", var_policy),
        (
            "LG-IAM-010",
            "aws_iam_role.var_boundary",
            f"cannot verify: has full administrator access (`*` on `*`): {admin}, {boundary}",
        ),
        (
            "LG-IAM-012",
            "aws_iam_role.var_boundary",
            "cannot verify: can write every resource (`*`) with every action (`*`): "
            f"{admin}, {boundary}",
        ),
        (
            "LG-IAM-020",
            "aws_iam_role.var_boundary",
            "cannot verify: can escalate privileges in 24 ways (iam:CreatePolicyVersion, "
            f"iam:SetDefaultPolicyVersion, iam:AttachUserPolicy and 21 more): all from {admin}, "
            f"{boundary}",
        ),
        (
            "LG-POLICY-001",
            "aws_s3_bucket_policy.var_principal",
            "cannot verify: statement 1 admits `${var.reader}`, which cannot be resolved",
        ),
        (
            "LG-IAM-012",
            "aws_iam_role.var_action",
            "cannot verify: may write every resource: statement 1 of aws_iam_role.var_action "
            "inline policy `anything` (main.tf:44) uses values that cannot be resolved",
        ),
        (
            "LG-IAM-020",
            "aws_iam_role.var_action",
            "cannot verify: may escalate privileges in 24 ways (iam:CreatePolicyVersion, "
            "iam:SetDefaultPolicyVersion, iam:AttachUserPolicy and 21 more): all from statement "
            "1 of aws_iam_role.var_action inline policy `anything` (main.tf:44), which uses "
            "values that cannot be resolved",
        ),
    ]


def test_unanalysed_aws_managed_policies_are_named_in_the_pass(pack: PolicyPack) -> None:
    result = scan([FIXTURES / "iam" / "managed"], pack, ["LG-IAM-012"])

    assert [(f.resource, f.status, f.message) for f in result.findings] == [
        (
            "aws_iam_role.function",
            Status.PASSED,
            "has no Write action on every resource (AWS-managed AWSLambdaBasicExecutionRole not "
            "analysed: ledgerguard does not hold its document)",
        ),
    ]
