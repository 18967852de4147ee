"""Least privilege proven by trace: every function's role grants what it does, and no more.

The shared ``local_run`` (conftest) records every AWS call each function's handler makes
against moto. Each call is mapped to the IAM requests it needs (with the KMS use it implies on
the CMK Terraform gives its target), the Lambda runtime's requests are added from the
function's Terraform settings, and both are evaluated against the role policies of
``terraform/iam.tf``: every request must be allowed, every grant used. Editing a copy of the
Terraform shows that a missing or an extra grant is reported exactly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reference_stack.local.actions import IamRequest
from reference_stack.local.iam_eval import (
    PolicyStatement,
    Violation,
    applies,
    condition_holds,
    decide,
)
from reference_stack.local.least_privilege import TerraformNames, check
from reference_stack.local.stack import TERRAFORM_DIR, load_stack

FUNCTIONS = [
    "authorize",
    "authorizer",
    "fraud",
    "intake",
    "ledger",
    "notifier",
    "reconcile",
    "rotate",
    "settle",
]
DATA_VIA_DYNAMODB = "kms:Decrypt aws_kms_key.data [kms:ViaService=dynamodb.eu-west-1.amazonaws.com]"
DATA_VIA_SECRETS = (
    "kms:Decrypt aws_kms_key.data [kms:ViaService=secretsmanager.eu-west-1.amazonaws.com]"
)
BUS = "events:PutEvents aws_cloudwatch_event_bus.payments"
TOKENIZATION = "aws_secretsmanager_secret.tokenization_key"
API_KEY = "aws_secretsmanager_secret.api_signing_key"

# What each function's code was traced doing, resources named by their Terraform address.
CODE_REQUESTS = {
    "authorize": [
        "dynamodb:GetItem aws_dynamodb_table.payments",
        "dynamodb:Query aws_dynamodb_table.payments/index/by_card_token",
        "dynamodb:UpdateItem aws_dynamodb_table.payments",
        f"{BUS} [events:detail-type=payment.authorized events:source=ledgerguard.authorize]",
        f"{BUS} [events:detail-type=payment.declined events:source=ledgerguard.authorize]",
        DATA_VIA_DYNAMODB,
    ],
    "authorizer": [DATA_VIA_SECRETS, f"secretsmanager:GetSecretValue {API_KEY}"],
    "fraud": [f"{BUS} [events:detail-type=payment.screened events:source=ledgerguard.fraud]"],
    "intake": [
        "dynamodb:DeleteItem aws_dynamodb_table.idempotency",
        "dynamodb:GetItem aws_dynamodb_table.payments",
        "dynamodb:PutItem aws_dynamodb_table.idempotency",
        "dynamodb:PutItem aws_dynamodb_table.payments",
        "dynamodb:UpdateItem aws_dynamodb_table.idempotency",
        f"{BUS} [events:detail-type=payment.initiated events:source=ledgerguard.intake]",
        DATA_VIA_DYNAMODB,
        DATA_VIA_SECRETS,
        f"secretsmanager:GetSecretValue {TOKENIZATION}",
    ],
    "ledger": ["dynamodb:PutItem aws_dynamodb_table.ledger", DATA_VIA_DYNAMODB],
    "notifier": [
        "kms:Decrypt aws_kms_key.messaging [kms:ViaService=sns.eu-west-1.amazonaws.com]",
        "kms:GenerateDataKey aws_kms_key.messaging [kms:ViaService=sns.eu-west-1.amazonaws.com]",
        "sns:Publish aws_sns_topic.notifications",
    ],
    "reconcile": [
        "dynamodb:Query aws_dynamodb_table.ledger/index/by_posting_date",
        f"{BUS} [events:detail-type=reconciliation.discrepancy "
        "events:source=ledgerguard.reconcile]",
        DATA_VIA_DYNAMODB,
        "kms:Decrypt aws_kms_key.data [kms:ViaService=s3.eu-west-1.amazonaws.com]",
        "kms:GenerateDataKey aws_kms_key.data [kms:ViaService=s3.eu-west-1.amazonaws.com]",
        "s3:GetObject aws_s3_bucket.settlement/incoming/2024-05-14.csv",
        "s3:PutObject aws_s3_bucket.evidence/reconciliation/2024-05-14/report.json",
    ],
    "rotate": [
        DATA_VIA_SECRETS,
        "kms:GenerateDataKey aws_kms_key.data "
        "[kms:ViaService=secretsmanager.eu-west-1.amazonaws.com]",
        f"secretsmanager:DescribeSecret {API_KEY}",
        f"secretsmanager:DescribeSecret {TOKENIZATION}",
        f"secretsmanager:GetSecretValue {API_KEY}",
        f"secretsmanager:GetSecretValue {TOKENIZATION}",
        f"secretsmanager:PutSecretValue {API_KEY}",
        f"secretsmanager:PutSecretValue {TOKENIZATION}",
        f"secretsmanager:UpdateSecretVersionStage {API_KEY}",
        f"secretsmanager:UpdateSecretVersionStage {TOKENIZATION}",
    ],
    "settle": [
        "dynamodb:PutItem aws_dynamodb_table.ledger",
        "dynamodb:Query aws_dynamodb_table.payments/index/by_settlement",
        "dynamodb:UpdateItem aws_dynamodb_table.payments",
        DATA_VIA_DYNAMODB,
    ],
}


@pytest.fixture(scope="module")
def violations(local_run) -> list[Violation]:
    """Both directions for every function, against the repository's Terraform."""
    return check(local_run.stack, local_run.deployment.resolver, local_run.traces)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_is_traced_doing_exactly_its_code_paths(local_run, function):
    names = TerraformNames(local_run.deployment)
    trace = local_run.traces[function]

    assert trace.unmapped == ()
    assert [names.request(request) for request in trace.code] == CODE_REQUESTS[function]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_role_allows_every_request_and_grants_nothing_unused(violations, function):
    own = [str(violation) for violation in violations if violation.function == function]

    assert own == [], "\n".join(own)


def test_runtime_requests_come_from_the_function_configuration(local_run):
    names = TerraformNames(local_run.deployment)
    runtime = sorted(names.request(request) for request in local_run.traces["notifier"].runtime)
    interface = "arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-notifier"
    in_vpc = "[ec2:Vpc=aws_vpc.main]"

    assert runtime == [
        f"ec2:AssignPrivateIpAddresses {interface} {in_vpc}",
        f"ec2:CreateNetworkInterface {interface} {in_vpc}",
        f"ec2:CreateNetworkInterface aws_security_group.functions {in_vpc}",
        f'ec2:CreateNetworkInterface aws_subnet.private["a"] {in_vpc}',
        f'ec2:CreateNetworkInterface aws_subnet.private["b"] {in_vpc}',
        f"ec2:DeleteNetworkInterface {interface} {in_vpc}",
        "ec2:DescribeNetworkInterfaces *",
        "ec2:DescribeSubnets *",
        f"ec2:UnassignPrivateIpAddresses {interface} {in_vpc}",
        "kms:Decrypt aws_kms_key.messaging [kms:ViaService=sqs.eu-west-1.amazonaws.com]",
        "kms:GenerateDataKey aws_kms_key.messaging [kms:ViaService=sqs.eu-west-1.amazonaws.com]",
        'logs:CreateLogStream aws_cloudwatch_log_group.fn["notifier"]'
        ":log-stream:2024/01/01/[$LATEST]0123456789abcdef",
        'logs:PutLogEvents aws_cloudwatch_log_group.fn["notifier"]'
        ":log-stream:2024/01/01/[$LATEST]0123456789abcdef",
        'sqs:SendMessage aws_sqs_queue.function_dlq["notifier"]',
        "xray:PutTelemetryRecords *",
        "xray:PutTraceSegments *",
    ]


def _edited_copy(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of terraform/ with one exact edit in iam.tf."""
    terraform = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_DIR, terraform)
    iam = terraform / "iam.tf"
    text = iam.read_text(encoding="utf-8")
    assert text.count(old) == 1
    iam.write_text(text.replace(old, new), encoding="utf-8")
    return terraform


AUTHORIZE_TABLE_ACTIONS = 'Action   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]'


def test_removing_an_action_the_code_uses_is_reported(local_run, tmp_path):
    copy = _edited_copy(tmp_path, AUTHORIZE_TABLE_ACTIONS, 'Action   = ["dynamodb:GetItem"]')
    payments = local_run.deployment.value("aws_dynamodb_table.payments", "arn")

    found = check(load_stack(copy), local_run.deployment.resolver, local_run.traces)

    assert found == [
        Violation(
            "authorize",
            "not allowed",
            "dynamodb:UpdateItem",
            payments,
            "no statement allows it; needed by dynamodb.UpdateItem",
        )
    ]


def test_adding_an_action_the_code_does_not_use_is_reported(local_run, tmp_path):
    widened = 'Action   = ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]'
    copy = _edited_copy(tmp_path, AUTHORIZE_TABLE_ACTIONS, widened)
    payments = local_run.deployment.value("aws_dynamodb_table.payments", "arn")

    found = check(load_stack(copy), local_run.deployment.resolver, local_run.traces)

    assert found == [
        Violation(
            "authorize",
            "unused",
            "dynamodb:DeleteItem",
            payments,
            "statement aws_iam_role_policy.authorize CodePaymentsTable",
        )
    ]


def test_narrowing_an_event_condition_is_reported(local_run, tmp_path):
    old = '"events:detail-type" = ["payment.authorized", "payment.declined"]'
    copy = _edited_copy(tmp_path, old, '"events:detail-type" = ["payment.authorized"]')
    bus = local_run.deployment.value("aws_cloudwatch_event_bus.payments", "arn")

    found = check(load_stack(copy), local_run.deployment.resolver, local_run.traces)

    assert found == [
        Violation(
            "authorize",
            "not allowed",
            "events:PutEvents",
            bus,
            "events:detail-type=payment.declined events:source=ledgerguard.authorize; "
            "no statement allows it; needed by events.PutEvents",
        )
    ]


def test_an_unused_value_of_a_condition_is_reported(local_run, tmp_path):
    old = '"events:detail-type" = ["payment.screened"]'
    copy = _edited_copy(
        tmp_path, old, '"events:detail-type" = ["payment.screened", "payment.rescored"]'
    )
    bus = local_run.deployment.value("aws_cloudwatch_event_bus.payments", "arn")

    found = check(load_stack(copy), local_run.deployment.resolver, local_run.traces)

    assert found == [
        Violation(
            "fraud",
            "unused",
            "events:PutEvents",
            bus,
            "condition events:detail-type=payment.rescored of statement "
            "aws_iam_role_policy.fraud CodePublishEvents",
        )
    ]


def _statement(operator: str, key: str, values: tuple[str, ...]) -> PolicyStatement:
    return PolicyStatement(
        policy="test",
        sid="S",
        effect="Allow",
        actions=("events:PutEvents",),
        not_actions=(),
        resources=("arn:aws:events:eu-west-1:123456789012:event-bus/*",),
        not_resources=(),
        condition=((operator, key, values),),
    )


BUS_ARN = "arn:aws:events:eu-west-1:123456789012:event-bus/lg-ref-payments"
SCREENED = IamRequest(
    "events:PutEvents",
    BUS_ARN,
    (("events:detail-type", ("payment.screened",)), ("events:source", ("ledgerguard.fraud",))),
)


@pytest.mark.parametrize(
    ("operator", "key", "values", "holds"),
    [
        ("StringEquals", "events:source", ("ledgerguard.fraud",), True),
        ("StringEquals", "events:source", ("ledgerguard.intake",), False),
        ("StringEquals", "EVENTS:SOURCE", ("ledgerguard.fraud",), True),
        ("StringEquals", "events:source", ("LEDGERGUARD.FRAUD",), False),
        ("StringEqualsIgnoreCase", "events:source", ("LEDGERGUARD.FRAUD",), True),
        ("StringNotEquals", "events:source", ("ledgerguard.intake",), True),
        ("StringLike", "events:detail-type", ("payment.*",), True),
        ("StringLike", "events:detail-type", ("payment.?",), False),
        ("StringNotLike", "events:detail-type", ("reconciliation.*",), True),
        ("StringEquals", "kms:ViaService", ("s3.eu-west-1.amazonaws.com",), False),
        ("StringEqualsIfExists", "kms:ViaService", ("s3.eu-west-1.amazonaws.com",), True),
        ("StringNotEquals", "kms:ViaService", ("s3.eu-west-1.amazonaws.com",), True),
        ("ForAllValues:StringEquals", "events:detail-type", ("payment.screened", "x"), True),
        ("ForAllValues:StringEquals", "events:detail-type", ("x",), False),
        ("ForAllValues:StringEquals", "aws:TagKeys", ("x",), True),
        ("ForAnyValue:StringEquals", "aws:TagKeys", ("x",), False),
        ("ArnLike", "events:source", ("arn:*",), False),
        ("Null", "kms:ViaService", ("true",), True),
        ("Null", "events:source", ("true",), False),
    ],
)
def test_condition_operators(operator, key, values, holds):
    assert condition_holds(operator, key, values, SCREENED) is holds


def test_an_unknown_condition_operator_allows_nothing():
    statement = _statement("StringEqualsMaybe", "events:source", ("ledgerguard.fraud",))

    assert applies(statement, SCREENED) is False
    assert decide([statement], SCREENED) == (False, "no statement allows it")


def test_arn_conditions_match_component_by_component():
    request = IamRequest(
        "sqs:SendMessage",
        "arn:aws:sqs:eu-west-1:123456789012:q",
        (("aws:SourceArn", ("arn:aws:events:eu-west-1:123456789012:rule/x",)),),
    )

    assert condition_holds("ArnLike", "aws:SourceArn", ("arn:aws:events:*:*:rule/*",), request)
    assert not condition_holds("ArnEquals", "aws:SourceArn", ("arn:aws:events:*",), request)
    assert condition_holds("ArnNotLike", "aws:SourceArn", ("arn:aws:sns:*:*:*",), request)


def test_an_explicit_deny_wins_over_an_allow():
    allow = _statement("StringEquals", "events:source", ("ledgerguard.fraud",))
    deny = PolicyStatement("test", "D", "Deny", ("events:*",), (), ("*",), (), ())

    assert decide([allow, deny], SCREENED) == (False, "denied by test D")
