"""Fixtures for the reference stack's tests: fake AWS (moto), event builders, schemas.

Everything runs offline. The ``stack`` fixture creates, inside ``mock_aws``, the tables, bus,
buckets, secrets and topic that ``terraform/`` defines (same keys and indexes), plus an SQS
queue subscribed to every domain event so tests can read what the handlers published.
Helpers are exposed as fixtures rather than an importable module so that the tests work under
any pytest import mode.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from jsonschema import Draft202012Validator
from moto import mock_aws

from reference_stack.functions.common import aws, secrets
from reference_stack.local.run import RunOptions, RunResult, run

REGION = "eu-west-1"
# Payments of the traced local run the local-run and least-privilege tests share: enough for
# every scenario of reference_stack/local/workload.py (which needs at least 25).
LOCAL_RUN_PAYMENTS = 60
EVENTS_DIR = Path(__file__).resolve().parents[2] / "reference_stack" / "events"
TOKENIZATION_KEY = bytes(range(32))
API_SIGNING_KEY = bytes(range(100, 148))
DOMAIN_SOURCES = [
    "ledgerguard.intake",
    "ledgerguard.fraud",
    "ledgerguard.authorize",
    "ledgerguard.reconcile",
]
# Test card numbers (public test PANs); the PAN-leak test searches for each of them.
TEST_PANS = {
    "visa": "4111111111111111",
    "mastercard": "5555555555554444",
    "amex": "378282246310005",
    "bad_luhn": "4111111111111112",
}


def pytest_configure(config: pytest.Config) -> None:
    """Powertools settings the handlers read when their modules are imported."""
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "reference-stack-tests")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "DEBUG")


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, region and Powertools settings for every test."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_SERVICE_NAME": "reference-stack-tests",
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
    }.items():
        monkeypatch.setenv(name, value)
    aws.reset_clients()
    secrets.clear_cache()


@dataclass
class Stack:
    """Names of the mocked resources and helpers to inspect them."""

    payments_table: str = "lg-payments"
    ledger_table: str = "lg-ledger"
    idempotency_table: str = "lg-idempotency"
    bus: str = "lg-payments"
    settlement_bucket: str = "lg-settlement"
    evidence_bucket: str = "lg-evidence"
    capture_queue_url: str = ""
    notifications_queue_url: str = ""
    tokenization_secret_arn: str = ""
    api_signing_secret_arn: str = ""
    notifications_topic_arn: str = ""

    def items(self, table: str) -> list[dict[str, Any]]:
        """Every item of a table, in DynamoDB JSON."""
        client = boto3.client("dynamodb", region_name=REGION)
        pages = client.get_paginator("scan").paginate(TableName=table)
        return [item for page in pages for item in page["Items"]]

    def published(self) -> list[dict[str, Any]]:
        """Domain events put on the bus since the last call, as EventBridge delivered them."""
        return [json.loads(body) for body in _drain(self.capture_queue_url)]

    def notifications(self) -> list[dict[str, Any]]:
        """SNS envelopes delivered to the notifications topic since the last call."""
        return [json.loads(body) for body in _drain(self.notifications_queue_url)]

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object of a bucket (latest versions), by key."""
        client = boto3.client("s3", region_name=REGION)
        listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {
            entry["Key"]: client.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
            for entry in listing
        }


def _drain(queue_url: str) -> list[str]:
    """Receive and delete every message currently in a queue."""
    client = boto3.client("sqs", region_name=REGION)
    bodies: list[str] = []
    while True:
        response = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        messages = response.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The mocked AWS resources, with the functions' environment pointing at them."""
    with mock_aws():
        names = Stack()
        _create_tables(names)
        _create_messaging(names)
        _create_buckets(names)
        _create_secrets(names)
        for variable, value in {
            "PAYMENTS_TABLE": names.payments_table,
            "LEDGER_TABLE": names.ledger_table,
            "IDEMPOTENCY_TABLE": names.idempotency_table,
            "EVENT_BUS_NAME": names.bus,
            "SETTLEMENT_BUCKET": names.settlement_bucket,
            "EVIDENCE_BUCKET": names.evidence_bucket,
            "TOKENIZATION_SECRET_ARN": names.tokenization_secret_arn,
            "API_SIGNING_SECRET_ARN": names.api_signing_secret_arn,
            "NOTIFICATIONS_TOPIC_ARN": names.notifications_topic_arn,
            "JWT_ISSUER": "https://auth.ledgerguard.example",
            "JWT_AUDIENCE": "payments-api",
        }.items():
            monkeypatch.setenv(variable, value)
        yield names


def _create_tables(names: Stack) -> None:
    """Tables with the keys and indexes of ``terraform/data.tf``."""
    client = boto3.client("dynamodb", region_name=REGION)
    include = ["merchant_id", "currency", "amount_minor"]
    client.create_table(
        TableName=names.payments_table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=_string_attributes(
            "payment_id", "card_token", "created_at", "settle_pending", "decided_at"
        ),
        KeySchema=[{"AttributeName": "payment_id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            _index("by_card_token", "card_token", "created_at", None),
            _index("by_settlement", "settle_pending", "decided_at", include),
        ],
    )
    client.create_table(
        TableName=names.ledger_table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=_string_attributes("pk", "sk", "posting_date", "payment_id"),
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[_index("by_posting_date", "posting_date", "payment_id", include)],
    )
    client.create_table(
        TableName=names.idempotency_table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=_string_attributes("id"),
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )


def _string_attributes(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


def _index(name: str, hash_key: str, range_key: str, include: list[str] | None) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": "KEYS_ONLY"}
    if include:
        projection = {"ProjectionType": "INCLUDE", "NonKeyAttributes": include}
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"},
        ],
        "Projection": projection,
    }


def _create_messaging(names: Stack) -> None:
    """The bus with a catch-all capture queue, and the notifications topic with a queue."""
    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)

    events.create_event_bus(Name=names.bus)
    names.capture_queue_url = sqs.create_queue(QueueName="captured-events")["QueueUrl"]
    capture_arn = _queue_arn(sqs, names.capture_queue_url)
    events.put_rule(
        Name="capture-domain-events",
        EventBusName=names.bus,
        EventPattern=json.dumps({"source": DOMAIN_SOURCES}),
    )
    events.put_targets(
        Rule="capture-domain-events",
        EventBusName=names.bus,
        Targets=[{"Id": "capture", "Arn": capture_arn}],
    )

    names.notifications_topic_arn = sns.create_topic(Name="lg-notifications")["TopicArn"]
    names.notifications_queue_url = sqs.create_queue(QueueName="captured-notifications")["QueueUrl"]
    sns.subscribe(
        TopicArn=names.notifications_topic_arn,
        Protocol="sqs",
        Endpoint=_queue_arn(sqs, names.notifications_queue_url),
    )


def _queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def _create_buckets(names: Stack) -> None:
    """Settlement bucket, and the evidence bucket with object lock as in ``storage.tf``."""
    s3 = boto3.client("s3", region_name=REGION)
    location = {"LocationConstraint": REGION}
    s3.create_bucket(Bucket=names.settlement_bucket, CreateBucketConfiguration=location)
    s3.create_bucket(
        Bucket=names.evidence_bucket,
        CreateBucketConfiguration=location,
        ObjectLockEnabledForBucket=True,
    )
    s3.put_object_lock_configuration(
        Bucket=names.evidence_bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
        },
    )


def _create_secrets(names: Stack) -> None:
    """The tokenization and API signing keys, base64 encoded as the functions expect."""
    client = boto3.client("secretsmanager", region_name=REGION)
    names.tokenization_secret_arn = client.create_secret(
        Name="lg/pan-tokenization-key",
        SecretString=base64.b64encode(TOKENIZATION_KEY).decode(),
    )["ARN"]
    names.api_signing_secret_arn = client.create_secret(
        Name="lg/api-signing-key",
        SecretString=base64.b64encode(API_SIGNING_KEY).decode(),
    )["ARN"]


class FakeContext:
    """The parts of the Lambda context object that Powertools reads."""

    function_name = "reference-stack-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:reference-stack-test"
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> FakeContext:
    """A stand-in Lambda context."""
    return FakeContext()


@pytest.fixture
def api_event() -> Callable[..., dict[str, Any]]:
    """Builder of HTTP API (payload 2.0) events for ``POST /payments``."""

    def build(
        body: Any,
        idempotency_key: str | None = "key-0001-abcdef",
        merchant_id: str | None = "merchant_001",
        received_at: datetime = datetime(2024, 5, 14, 12, 0, tzinfo=UTC),
    ) -> dict[str, Any]:
        headers = {"content-type": "application/json", "authorization": "Bearer x"}
        if idempotency_key is not None:
            headers["idempotency-key"] = idempotency_key
        authorizer = {"lambda": {"merchant_id": merchant_id}} if merchant_id else None
        return {
            "version": "2.0",
            "routeKey": "POST /payments",
            "rawPath": "/payments",
            "rawQueryString": "",
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "api1234",
                "authorizer": authorizer,
                "domainName": "api1234.execute-api.eu-west-1.amazonaws.com",
                "domainPrefix": "api1234",
                "http": {
                    "method": "POST",
                    "path": "/payments",
                    "protocol": "HTTP/1.1",
                    "sourceIp": "192.0.2.10",
                    "userAgent": "pytest",
                },
                "requestId": "req-1",
                "routeKey": "POST /payments",
                "stage": "$default",
                "time": "14/May/2024:12:00:00 +0000",
                "timeEpoch": int(received_at.timestamp() * 1000),
            },
            "body": body if isinstance(body, str) else json.dumps(body),
            "isBase64Encoded": False,
        }

    return build


@pytest.fixture
def payment_body() -> Callable[..., dict[str, Any]]:
    """Builder of a valid ``POST /payments`` body, with overrides."""

    def build(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "merchant_id": "merchant_001",
            "amount_minor": 1250,
            "currency": "EUR",
            "mcc": "5411",
            "card": {"pan": TEST_PANS["visa"], "expiry": "12/27"},
            "billing_country": "DE",
            "ip_country": "DE",
        }
        body.update(overrides)
        return body

    return build


@pytest.fixture
def bus_event() -> Callable[..., dict[str, Any]]:
    """Builder of EventBridge events as a rule target receives them."""

    def build(
        detail_type: str, source: str, detail: dict[str, Any], at: datetime | None = None
    ) -> dict[str, Any]:
        moment = at or datetime(2024, 5, 14, 12, 0, 5, tzinfo=UTC)
        return {
            "version": "0",
            "id": f"evt-{time.monotonic_ns()}",
            "detail-type": detail_type,
            "source": source,
            "account": "123456789012",
            "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [],
            "detail": detail,
        }

    return build


@pytest.fixture
def as_delivered(bus_event: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Turn a captured (published) event into the event a consumer rule would deliver."""

    def convert(published: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
        return bus_event(published["detail-type"], published["source"], published["detail"], at)

    return convert


@pytest.fixture(scope="session")
def schemas() -> dict[str, Draft202012Validator]:
    """A validator per event type, from ``reference_stack/events/*.schema.json``."""
    validators = {}
    for path in sorted(EVENTS_DIR.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        validators[schema["title"]] = Draft202012Validator(
            schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
    return validators


@pytest.fixture
def assert_valid_events(
    schemas: dict[str, Draft202012Validator],
) -> Callable[[list[dict[str, Any]]], None]:
    """Check every published event against the schema of its detail type."""

    def check(published: list[dict[str, Any]]) -> None:
        for event in published:
            schemas[event["detail-type"]].validate(event["detail"])
            assert event["source"] == schemas[event["detail-type"]].schema["x-source"]

    return check


@pytest.fixture(scope="session")
def local_run() -> RunResult:
    """One traced local run of the whole stack (reference_stack/local), shared by the tests.

    The run creates its own moto mock, clock and environment and restores them afterwards.
    """
    return run(RunOptions(payments=LOCAL_RUN_PAYMENTS, trace=True))
