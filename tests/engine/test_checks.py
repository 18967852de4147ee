"""Python checks and scoped rules on hand-written Terraform: unknowns, configuration, splits."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import ClassificationConfig, Config
from scanner.model import Status
from scanner.scan import PolicyPack
from tests.conftest import FIXTURES, scan

S3_RULES = [f"LG-S3-00{n}" for n in range(1, 10)]


def _scan_text(
    tmp_path: Path, text: str, pack: PolicyPack, rule_id: str, config: Config | None = None
) -> list[tuple[str, str, str]]:
    (tmp_path / "main.tf").write_text(text)
    result = scan([tmp_path], pack, [rule_id], config=config or Config())
    assert result.errors == []
    return [(f.resource, f.status.value, f.message) for f in result.findings]


def test_bucket_configured_by_separate_resources_passes_every_s3_rule(pack: PolicyPack) -> None:
    result = scan([FIXTURES / "terraform" / "s3_split_settings"], pack, S3_RULES)

    evidence = [f for f in result.findings if f.resource == "aws_s3_bucket.evidence"]
    assert [f.rule_id for f in evidence if f.status != Status.PASSED] == []
    assert sorted(f.rule_id for f in evidence) == S3_RULES


@pytest.mark.parametrize(
    ("rule_id", "text", "message"),
    [
        (
            "LG-S3-005",
            'variable "policy" {}\nresource "aws_s3_bucket" "b" { bucket = "x" }\n'
            'resource "aws_s3_bucket_policy" "p" {\n  bucket = "x"\n  policy = var.policy\n}\n',
            "cannot verify: aws_s3_bucket_policy.p: policy is `var.policy`, which cannot be "
            "resolved",
        ),
        (
            "LG-EC2-001",
            'variable "cidrs" {}\nresource "aws_security_group" "sg" {\n  ingress {\n'
            '    from_port = 443\n    to_port = 443\n    protocol = "tcp"\n'
            "    cidr_blocks = var.cidrs\n  }\n}\n",
            "cannot verify: ingress rules or their CIDR blocks cannot be resolved",
        ),
        (
            "LG-IAM-050",
            'variable "arn" {}\nresource "aws_iam_role_policy_attachment" "a" {\n'
            '  role = "r"\n  policy_arn = var.arn\n}\n',
            "cannot verify: policy ARN `var.arn` cannot be resolved",
        ),
        (
            "LG-SQS-003",
            'variable "key" {}\nresource "aws_sqs_queue" "q" {\n  kms_master_key_id = var.key\n'
            '  tags = { data_classification = "cardholder" }\n}\n',
            "cannot verify: `kms_master_key_id` is `var.key`, which cannot be resolved",
        ),
        (
            "LG-LOG-003",
            'variable "days" {}\nresource "aws_cloudwatch_log_group" "g" {\n'
            '  retention_in_days = var.days\n  tags = { data_classification = "personal" }\n}\n',
            "cannot verify: `retention_in_days` is `var.days`, which cannot be resolved",
        ),
        (
            "LG-REGION-001",
            'resource "aws_sqs_queue" "q" {\n  tags = { data_classification = "personal" }\n}\n',
            "cannot verify: the region of its AWS provider is not set or cannot be resolved",
        ),
        (
            "LG-APIGW-002",
            'variable "api" {}\nresource "aws_apigatewayv2_route" "r" {\n  api_id = var.api\n'
            '  route_key = "$default"\n}\n',
            "cannot verify: the API of route `$default` cannot be resolved to HTTP or WebSocket",
        ),
    ],
)
def test_unknown_values_are_never_a_pass(
    tmp_path: Path, pack: PolicyPack, rule_id: str, text: str, message: str
) -> None:
    findings = _scan_text(tmp_path, text, pack, rule_id)

    assert [(status, found) for _, status, found in findings] == [("failed", message)]


REGIONAL = """
provider "aws" {
  region = "us-east-1"
}

resource "aws_dynamodb_table" "customers" {
  name     = "customers"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  tags = { pii = "yes" }
}
"""


def test_region_allow_list_and_tag_key_come_from_the_configuration(
    tmp_path: Path, pack: PolicyPack
) -> None:
    classification = ClassificationConfig(tag_key="pii", personal_values=["yes"])
    default = Config(classification=classification)
    us_allowed = Config(
        classification=classification.model_copy(update={"personal_data_regions": ["us-east-1"]})
    )

    assert _scan_text(tmp_path, REGIONAL, pack, "LG-REGION-001", default) == [
        (
            "aws_dynamodb_table.customers",
            "failed",
            "personal data is stored in us-east-1, outside the allowed regions (eu-central-1, "
            "eu-central-2, eu-north-1, eu-south-1, eu-south-2, eu-west-1, eu-west-2, eu-west-3)",
        )
    ]
    assert _scan_text(tmp_path, REGIONAL, pack, "LG-REGION-001", us_allowed) == [
        ("aws_dynamodb_table.customers", "passed", "stored in us-east-1, an allowed region")
    ]
    assert _scan_text(tmp_path, REGIONAL, pack, "LG-REGION-001") == []


def test_personal_log_retention_limit_comes_from_the_configuration(
    tmp_path: Path, pack: PolicyPack
) -> None:
    text = (
        'resource "aws_cloudwatch_log_group" "g" {\n  retention_in_days = 365\n'
        '  tags = { data_classification = "personal" }\n}\n'
    )
    strict = Config(classification=ClassificationConfig(personal_data_max_retention_days=90))

    assert _scan_text(tmp_path, text, pack, "LG-LOG-003") == [
        ("aws_cloudwatch_log_group.g", "passed", "it keeps personal data 365 days, within 400")
    ]
    assert _scan_text(tmp_path, text, pack, "LG-LOG-003", strict) == [
        (
            "aws_cloudwatch_log_group.g",
            "failed",
            "it keeps personal data 365 days; the limit is 90 days",
        )
    ]
