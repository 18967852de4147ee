"""The Terraform and the Python code agree: handlers, environment, event routing, tables.

There is no terraform binary in CI, so these checks read the ``.tf`` files directly: they
parse with python-hcl2, follow ``terraform fmt`` layout, name importable handlers, set only
environment variables the code knows, route each event type to the function that parses it,
and declare the same keys and indexes the tests' mocked tables use.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import hcl2
import pytest

from reference_stack.functions.common import config, events

TERRAFORM = Path(__file__).resolve().parents[2] / "reference_stack" / "terraform"
TF_FILES = sorted(TERRAFORM.glob("*.tf"))
FUNCTIONS = [
    "intake",
    "fraud",
    "authorize",
    "ledger",
    "settle",
    "reconcile",
    "authorizer",
    "notifier",
    "rotate",
]


def _text(name: str) -> str:
    return (TERRAFORM / name).read_text(encoding="utf-8")


def _block(text: str, header: str) -> str:
    """The text of the block starting with ``header`` up to its closing brace."""
    start = text.index(header)
    depth = 0
    for index in range(text.index("{", start), len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[start : index + 1]
    raise AssertionError(f"unterminated block {header}")


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: p.name)
def test_file_parses(path):
    with path.open(encoding="utf-8") as handle:
        assert hcl2.load(handle)


def _assignment_column(line: str) -> int | None:
    """Column of a single-line attribute's ``=``; None for other lines (as terraform fmt)."""
    in_string = False
    for index, char in enumerate(line):
        if char == '"' and line[index - 1 : index] != "\\":
            in_string = not in_string
        if in_string or char != "=":
            continue
        if line[index + 1 : index + 2] in ("=", ">") or line[index - 1 : index] in "!<>=":
            continue
        rest = re.sub(r'"(\\.|[^"\\])*"', '""', line[index:])
        opened = sum(rest.count(c) for c in "{[(") - sum(rest.count(c) for c in "}])")
        return index if opened == 0 else None
    return None


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: p.name)
def test_file_follows_terraform_fmt_layout(path):
    lines = path.read_text(encoding="utf-8").split("\n")
    problems = []
    chain: list[tuple[int, str, int]] = []

    def close() -> None:
        if chain:
            widest = max(len(text[:column].rstrip()) for _, text, column in chain)
            problems.extend(
                f"line {number}: '=' not aligned"
                for number, _, column in chain
                if column != widest + 1
            )
        chain.clear()

    for number, line in enumerate(lines, start=1):
        if line != line.rstrip() or "\t" in line or len(line) > 100:
            problems.append(f"line {number}: trailing space, tab or over 100 columns")
        if (len(line) - len(line.lstrip(" "))) % 2:
            problems.append(f"line {number}: indentation is not a multiple of two")
        column = None if line.lstrip().startswith("#") else _assignment_column(line)
        if column is None:
            close()
        else:
            chain.append((number, line, column))
    close()

    assert problems == []


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_function_names_an_importable_handler(name):
    function = _block(_text("functions.tf"), f'resource "aws_lambda_function" "{name}"')
    handler = re.search(r'handler\s+= "([^"]+)"', function).group(1)
    module_name, attribute = handler.rsplit(".", 1)

    assert handler == f"reference_stack.functions.{name}.app.handler"
    assert callable(getattr(importlib.import_module(module_name), attribute))
    for setting in ("tracing_config", "dead_letter_config", "vpc_config", "logging_config"):
        assert f"{setting} {{" in function
    assert 'runtime                        = "python3.12"' in function
    assert "reserved_concurrent_executions" in function


def test_environment_variables_are_the_ones_the_code_reads():
    known = {value for key, value in vars(config).items() if key.isupper()}
    text = _text("functions.tf")
    names = set(re.findall(r"^\s{6}([A-Z][A-Z0-9_]+)\s+=", text, flags=re.MULTILINE))

    assert names - known == {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOGGER_LOG_EVENT"}


ROUTES = {
    "payment_initiated": (events.SOURCE_INTAKE, events.PAYMENT_INITIATED, "fraud"),
    "payment_screened": (events.SOURCE_FRAUD, events.PAYMENT_SCREENED, "authorize"),
    "payment_authorized": (events.SOURCE_AUTHORIZE, events.PAYMENT_AUTHORIZED, "ledger"),
    "payment_declined": (events.SOURCE_AUTHORIZE, events.PAYMENT_DECLINED, "notifier"),
    "reconciliation_discrepancy": (
        events.SOURCE_RECONCILE,
        events.RECONCILIATION_DISCREPANCY,
        "notifier",
    ),
}


@pytest.mark.parametrize("rule", sorted(ROUTES))
def test_event_rules_route_each_type_to_its_consumer(rule):
    source, detail_type, function = ROUTES[rule]
    text = _text("events.tf")
    pattern = _block(text, f'resource "aws_cloudwatch_event_rule" "{rule}"')
    target = _block(text, f'resource "aws_cloudwatch_event_target" "{rule}"')

    assert f'source        = ["{source}"]' in pattern
    assert f'"detail-type" = ["{detail_type}"]' in pattern
    assert f"arn            = aws_lambda_function.{function}.arn" in target
    assert "retry_policy {" in target and "dead_letter_config {" in target


@pytest.mark.parametrize(
    ("function", "source", "detail_types"),
    [
        ("intake", events.SOURCE_INTAKE, [events.PAYMENT_INITIATED]),
        ("fraud", events.SOURCE_FRAUD, [events.PAYMENT_SCREENED]),
        (
            "authorize",
            events.SOURCE_AUTHORIZE,
            [events.PAYMENT_AUTHORIZED, events.PAYMENT_DECLINED],
        ),
        ("reconcile", events.SOURCE_RECONCILE, [events.RECONCILIATION_DISCREPANCY]),
    ],
)
def test_publishers_may_put_only_their_own_events(function, source, detail_types):
    policy = _block(_text("iam.tf"), f'resource "aws_iam_role_policy" "{function}"')
    quoted = ", ".join(f'"{detail_type}"' for detail_type in detail_types)

    assert f'"events:source"      = "{source}"' in policy
    assert f'"events:detail-type" = [{quoted}]' in policy


def test_tables_declare_the_keys_and_indexes_the_code_uses():
    data = _text("data.tf")
    payments = _block(data, 'resource "aws_dynamodb_table" "payments"')
    ledger = _block(data, 'resource "aws_dynamodb_table" "ledger"')
    idempotency = _block(data, 'resource "aws_dynamodb_table" "idempotency"')

    assert 'hash_key                    = "payment_id"' in payments
    for index in ('"by_card_token"', '"by_settlement"'):
        assert (
            f"name               = {index}" in payments or f"name            = {index}" in payments
        )
    assert 'name               = "by_posting_date"' in ledger
    assert 'hash_key                    = "id"' in idempotency
    assert 'attribute_name = "expiration"' in idempotency
    for table in (payments, ledger, idempotency):
        assert "point_in_time_recovery {" in table
        assert "kms_key_arn = aws_kms_key.data.arn" in table


def test_no_policy_grants_a_wildcard_beyond_the_documented_ones():
    iam = _text("iam.tf")
    wildcard_actions = re.findall(r'Action\s+= (\[[^\]]*\]|"[^"]*")\n\s+Resource = "\*"', iam)

    xray = '["xray:PutTraceSegments", "xray:PutTelemetryRecords"]'
    assert wildcard_actions[:-1] == [xray] * len(FUNCTIONS)
    # The ENI actions Lambda needs: only the Describe* ones, which have no resource-level
    # support, are on "*"; the others are held to the VPC (vpc_access in iam.tf).
    assert re.findall(r'"(ec2:\w+)"', wildcard_actions[-1]) == [
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
    ]
    assert '"*:*"' not in iam and 'Action = "*"' not in iam
