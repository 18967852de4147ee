"""The Terraform loader, through the findings it makes possible (parsed fixtures, no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.loaders.terraform import TerraformLoader
from scanner.model import Finding, InputError, Severity, SkippedModule, Status
from scanner.scan import PolicyPack
from tests.conftest import FIXTURES, failed, scan

TERRAFORM = FIXTURES / "terraform"


@pytest.mark.parametrize("variant", ["heredoc", "jsonencode", "document", "variable"])
def test_every_way_of_writing_a_policy_gives_the_same_wildcard_finding(
    variant: str, pack: PolicyPack
) -> None:
    result = scan([TERRAFORM / "policy_variants" / variant], pack, ["LG-IAM-001"])

    assert result.errors == []
    assert failed(result) == [
        Finding(
            rule_id="LG-IAM-001",
            title="IAM policy grants wildcard actions",
            severity=Severity.HIGH,
            status=Status.FAILED,
            resource="aws_iam_policy.wildcard",
            resource_type="aws_iam_policy",
            file="main.tf",
            line=3,
            controls=failed(result)[0].controls,
            message="statement 1 allows `s3:*`",
            fingerprint=failed(result)[0].fingerprint,
        )
    ]
    assert [(c.framework, c.id) for c in failed(result)[0].controls] == [
        ("gdpr", "Art.25"),
        ("pci-dss-4.0", "7.2.1"),
        ("pci-dss-4.0", "7.2.2"),
        ("soc2", "CC6.1"),
        ("soc2", "CC6.3"),
    ]


@pytest.mark.parametrize("variant", ["heredoc", "jsonencode", "document", "variable"])
def test_policy_resource_keeps_the_bucket_reference(variant: str) -> None:
    root = TERRAFORM / "policy_variants" / variant
    inventory = TerraformLoader(root).load([root])
    policy = next(r for r in inventory.resources if r.address == "aws_iam_policy.wildcard")

    from scanner.iam.documents import parse_policy

    document = parse_policy(policy.attributes["policy"])
    assert document is not None and not isinstance(document, type(None))
    assert document.statements[0].resource == ["${aws_s3_bucket.receipts.arn}/*"]  # type: ignore[union-attr]
    assert document.unresolved == []  # type: ignore[union-attr]


def test_finding_inside_a_local_module_names_module_address_and_file(pack: PolicyPack) -> None:
    result = scan([TERRAFORM / "module_call"], pack, ["LG-S3-003"])

    assert [(f.resource, f.file, f.line, f.status) for f in result.findings] == [
        ("module.receipts.aws_s3_bucket.this", "modules/receipts/main.tf", 5, Status.FAILED)
    ]


def test_remote_modules_are_listed_as_not_scanned(pack: PolicyPack) -> None:
    result = scan([TERRAFORM / "module_call"], pack, ["LG-S3-003"])

    assert result.modules_not_scanned == [
        SkippedModule(
            address="module.shared",
            source="git::https://example.com/org/shared.git?ref=v1.2.0",
            file="main.tf",
            line=11,
        ),
        SkippedModule(
            address="module.vpc", source="terraform-aws-modules/vpc/aws", file="main.tf", line=6
        ),
    ]


def test_malformed_file_is_an_error_and_other_files_are_still_scanned(pack: PolicyPack) -> None:
    result = scan([TERRAFORM / "malformed"], pack, ["LG-SNS-001", "LG-SQS-001"])

    assert result.errors == [
        InputError(
            file="broken.tf",
            line=5,
            message="cannot parse HCL: the file ends inside an unclosed string, bracket or block",
        )
    ]
    assert [(f.rule_id, f.resource, f.status) for f in result.findings] == [
        ("LG-SNS-001", "aws_sns_topic.alarms", Status.FAILED)
    ]


def test_variables_come_from_defaults_tfvars_auto_tfvars_and_var_files(pack: PolicyPack) -> None:
    root = TERRAFORM / "variables"
    rules = ["LG-LOG-001", "LG-KMS-001", "LG-SQS-001", "LG-SNS-001"]

    plain = scan([root], pack, rules)
    with_file = scan([root], pack, rules, var_files=[root / "extra.tfvars"])

    assert [(f.rule_id, f.resource, f.status.value) for f in plain.findings] == [
        ("LG-LOG-001", "aws_cloudwatch_log_group.app", "failed"),
        ("LG-KMS-001", "aws_kms_key.data", "failed"),
        ("LG-SQS-001", 'aws_sqs_queue.q["ledger"]', "passed"),
        ("LG-SQS-001", 'aws_sqs_queue.q["payments"]', "passed"),
        ("LG-SNS-001", "aws_sns_topic.t[0]", "failed"),
        ("LG-SNS-001", "aws_sns_topic.t[1]", "failed"),
    ]
    assert plain.findings[0].message == "`retention_in_days` is 90, expected at least 365"
    assert [f.status.value for f in with_file.findings if f.rule_id == "LG-KMS-001"] == ["passed"]


def test_unresolvable_values_are_cannot_verify_at_low_severity(pack: PolicyPack) -> None:
    result = scan([TERRAFORM / "unknowns"], pack, ["LG-LOG-001", "LG-LOG-002", "LG-IAM-001"])

    assert [
        (f.rule_id, f.resource, f.status.value, f.severity.value, f.cannot_verify, f.message)
        for f in result.findings
    ] == [
        (
            "LG-LOG-001",
            "aws_cloudwatch_log_group.unresolved",
            "failed",
            "low",
            True,
            "cannot verify: `retention_in_days` is `var.retention`, which cannot be resolved",
        ),
        (
            "LG-LOG-002",
            "aws_cloudwatch_log_group.unresolved",
            "passed",
            "medium",
            False,
            "`kms_key_id` is set",
        ),
        (
            "LG-IAM-001",
            "aws_iam_policy.unresolved",
            "failed",
            "low",
            True,
            "cannot verify: statement 1 uses values that cannot be resolved",
        ),
    ]


def test_hidden_and_terraform_cache_directories_are_skipped(
    tmp_path: Path, pack: PolicyPack
) -> None:
    for folder in (".terraform/modules/x", ".hidden", "live"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')

    result = scan([tmp_path], pack, ["LG-SNS-001"])

    assert [(f.resource, f.file) for f in result.findings] == [("aws_sns_topic.t", "live/main.tf")]


def test_missing_path_is_an_input_error(tmp_path: Path, pack: PolicyPack) -> None:
    result = scan([tmp_path / "nowhere"], pack, ["LG-SNS-001"])

    assert result.errors == [InputError(file="nowhere", line=None, message="path not found")]


def test_module_cycle_is_an_error_and_each_module_is_scanned_once(
    tmp_path: Path, pack: PolicyPack
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "main.tf").write_text('module "b" {\n  source = "../b"\n}\n')
    (tmp_path / "b" / "main.tf").write_text(
        'module "a" {\n  source = "../a"\n}\nresource "aws_sns_topic" "t" {}\n'
    )

    result = scan([tmp_path], pack, ["LG-SNS-001"])

    assert result.errors == [
        InputError(file="b/main.tf", line=1, message="module a: a is already loading it (cycle)")
    ]
    assert [(f.resource, f.file) for f in result.findings] == [
        ("module.b.aws_sns_topic.t", "b/main.tf")
    ]


def test_missing_var_file_is_named_as_given(pack: PolicyPack) -> None:
    result = scan(
        [TERRAFORM / "variables"], pack, ["LG-SNS-001"], var_files=[Path("missing.tfvars")]
    )

    assert result.errors == [
        InputError(file="missing.tfvars", line=None, message="variable file not found")
    ]


def test_binary_and_oversized_files_are_errors(
    tmp_path: Path, pack: PolicyPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.loaders.terraform import files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 64)
    (tmp_path / "binary.tf").write_bytes(b"\x00\xff\xfe")
    (tmp_path / "large.tf").write_text("# padding\n" * 10)
    (tmp_path / "ok.tf").write_text('resource "aws_sns_topic" "t" {}\n')

    result = scan([tmp_path], pack, ["LG-SNS-001"])

    assert result.errors == [
        InputError(file="binary.tf", line=None, message="not UTF-8 text (invalid start byte)"),
        InputError(file="large.tf", line=None, message="file is 100 bytes, over the 64-byte limit"),
    ]
    assert [f.resource for f in result.findings] == ["aws_sns_topic.t"]


def test_heredoc_hole_that_does_not_parse_is_cannot_verify(
    tmp_path: Path, pack: PolicyPack
) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "odd" {\n'
        "  policy = <<EOF\n"
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "${ ((( }",'
        ' "Resource": "*"}]}\n'
        "EOF\n"
        "}\n"
    )

    result = scan([tmp_path], pack, ["LG-IAM-001"])

    assert result.errors == []
    assert [(f.status.value, f.cannot_verify, f.message) for f in result.findings] == [
        ("failed", True, "cannot verify: statement 1 uses values that cannot be resolved")
    ]


def test_a_file_no_loader_reads_is_an_error_not_a_pass(tmp_path: Path, pack: PolicyPack) -> None:
    (tmp_path / "plan.json").write_text('{"format_version": "1.2"}\n')
    (tmp_path / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')

    result = scan([tmp_path / "plan.json"], pack, ["LG-SNS-001"])

    assert result.errors == [
        InputError(
            file="plan.json",
            line=None,
            message="not a Terraform .tf file; no loader reads this kind of file yet",
        )
    ]
    assert result.findings == []
