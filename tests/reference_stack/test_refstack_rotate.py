"""Rotate: the Secrets Manager rotation steps, and what a rotation means for the other handlers.

Secrets are rotated as Secrets Manager does it in moto: ``RotateSecret`` creates the pending
version and calls the rotation function once per step, here the real handler (moto's Lambda
``invoke`` is routed to it). Then intake, authorize and the authorizer are run across the
rotation to check the behaviour reference_stack/README.md documents: new payments use the new
key and keep the card's previous token, velocity counts span the rotation, look-ups by card
find payments of either key, and bearer tokens signed with the previous key stay valid.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.awslambda.utils import get_backend

from reference_stack.functions.authorize import app as authorize
from reference_stack.functions.authorizer import app as authorizer
from reference_stack.functions.authorizer.bearer import sign
from reference_stack.functions.common import secrets
from reference_stack.functions.common.tokenization import parse_key_ring, tokens_for
from reference_stack.functions.intake import app as intake
from reference_stack.functions.rotate import app

REGION = "eu-west-1"
VISA = "4111111111111111"
RECEIVED = datetime(2024, 5, 14, 12, 0, tzinfo=UTC)
STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"]


@dataclass
class Rotation:
    """Secrets Manager's side: rotate a secret with the real handler, recording each step."""

    client: Any
    function_arn: str
    steps: list[str] = field(default_factory=list)
    states: list[dict[str, list[str]]] = field(default_factory=list)
    values: list[dict[str, str]] = field(default_factory=list)
    after_step: Callable[[dict[str, Any]], None] | None = None

    def rotate(self, secret_id: str) -> str:
        """Rotate once; returns the new version id."""
        self.client.rotate_secret(
            SecretId=secret_id,
            RotationLambdaARN=self.function_arn,
            RotationRules={"AutomaticallyAfterDays": 90},
        )
        return str(self.client.get_secret_value(SecretId=secret_id)["VersionId"])

    def stages(self, secret_id: str) -> dict[str, list[str]]:
        """Version id -> staging labels."""
        versions = self.client.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
        return {version: sorted(labels) for version, labels in versions.items()}


@pytest.fixture
def rotation(stack, lambda_context) -> Rotation:
    """The rotation function in moto's Lambda, its invocations served by ``app.handler``."""
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="rotate", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("README.txt", "served in-process")
    function = boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="rotate",
        Runtime="python3.12",
        Role=role,
        Handler="reference_stack.functions.rotate.app.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    recorder = Rotation(boto3.client("secretsmanager", region_name=REGION), function["FunctionArn"])

    def invoke(function_name, qualifier, body, headers, response_headers):
        event = json.loads(body)
        app.handler(event, lambda_context)
        recorder.steps.append(event["Step"])
        recorder.states.append(recorder.stages(event["SecretId"]))
        if recorder.after_step is not None:
            recorder.after_step(event)
        return b"null"

    backend = get_backend("123456789012", REGION)
    original = backend.invoke
    backend.invoke = invoke
    yield recorder
    backend.invoke = original


def _value(client, secret_id: str, **version: str) -> str:
    return str(client.get_secret_value(SecretId=secret_id, **version)["SecretString"])


def _use_key_ring(stack, client) -> None:
    client.tag_resource(
        SecretId=stack.tokenization_secret_arn,
        Tags=[{"Key": "key_format", "Value": "hmac-key-ring"}],
    )


def test_rotation_runs_the_four_steps_and_moves_the_current_label(stack, rotation):
    secret = stack.api_signing_secret_arn
    (old,) = rotation.stages(secret)
    old_value = _value(rotation.client, secret)

    new = rotation.rotate(secret)

    assert rotation.steps == STEPS
    pending = {old: ["AWSCURRENT"], new: ["AWSPENDING"]}
    assert rotation.states == [
        pending,
        pending,
        pending,
        {old: ["AWSPREVIOUS"], new: ["AWSCURRENT"]},
    ]
    value = _value(rotation.client, secret)
    assert value != old_value
    assert len(base64.b64decode(value, validate=True)) == 32
    assert _value(rotation.client, secret, VersionStage="AWSPREVIOUS") == old_value


def test_create_step_keeps_the_pending_value_when_called_again(stack, rotation, lambda_context):
    secret = stack.api_signing_secret_arn
    pending: list[str] = []

    def again(event: dict[str, Any]) -> None:
        if event["Step"] == "createSecret":
            first = _value(rotation.client, secret, VersionId=event["ClientRequestToken"])
            app.handler(event, lambda_context)
            pending.extend(
                [first, _value(rotation.client, secret, VersionId=event["ClientRequestToken"])]
            )

    rotation.after_step = again
    rotation.rotate(secret)

    assert pending[0] == pending[1]


def test_key_ring_gains_a_key_per_rotation_and_keeps_the_newest_six(stack, rotation):
    _use_key_ring(stack, rotation.client)
    secret = stack.tokenization_secret_arn
    (first_version,) = rotation.stages(secret)

    versions = [rotation.rotate(secret) for _ in range(7)]

    ring = parse_key_ring(_value(rotation.client, secret), versions[-1])
    assert ring.current == versions[-1]
    assert [key_id for key_id, _ in ring.keys] == versions[1:]
    assert first_version not in [key_id for key_id, _ in ring.keys]
    assert len({key for _, key in ring.keys}) == 6


def test_first_ring_rotation_keeps_the_operators_key_under_its_version(stack, rotation):
    _use_key_ring(stack, rotation.client)
    secret = stack.tokenization_secret_arn
    (first_version,) = rotation.stages(secret)

    new = rotation.rotate(secret)

    ring = parse_key_ring(_value(rotation.client, secret), new)
    assert [key_id for key_id, _ in ring.keys] == [first_version, new]
    assert ring.key(first_version) == bytes(range(32))  # conftest's TOKENIZATION_KEY
    assert ring.previous == first_version


def test_unknown_step_is_refused_before_any_call(lambda_context):
    event = {"Step": "dropSecret", "SecretId": "x", "ClientRequestToken": "y"}

    with pytest.raises(app.RotationError, match="unknown rotation step 'dropSecret'"):
        app.handler(event, lambda_context)


def test_wrong_versions_are_refused(stack, rotation, lambda_context):
    secret = stack.api_signing_secret_arn
    (old,) = rotation.stages(secret)
    new = rotation.rotate(secret)

    def call(step: str, token: str) -> None:
        app.handler({"Step": step, "SecretId": secret, "ClientRequestToken": token}, lambda_context)

    with pytest.raises(app.RotationError, match="has no stage for rotation"):
        call("createSecret", "00000000-0000-4000-8000-000000000000")
    with pytest.raises(app.RotationError, match=f"version {old} is not pending"):
        call("testSecret", old)
    call("finishSecret", new)  # already current: nothing to do
    assert rotation.stages(secret) == {old: ["AWSPREVIOUS"], new: ["AWSCURRENT"]}


def test_rotation_must_be_enabled(stack, lambda_context):
    client = boto3.client("secretsmanager", region_name=REGION)
    (version,) = client.describe_secret(SecretId=stack.api_signing_secret_arn)["VersionIdsToStages"]
    event = {"Step": "createSecret", "SecretId": stack.api_signing_secret_arn}

    with pytest.raises(app.RotationError, match="rotation is not enabled"):
        app.handler({**event, "ClientRequestToken": version}, lambda_context)


@pytest.mark.parametrize(
    ("fmt", "text", "message"),
    [
        ("single-key", "not base64!", "does not parse"),
        ("single-key", base64.b64encode(b"k" * 16).decode(), "shorter than 32 bytes"),
        ("hmac-key-ring", '{"current": "a", "keys": []}', "does not parse"),
        (
            "hmac-key-ring",
            json.dumps(
                {"current": "a", "keys": [{"id": "a", "key": base64.b64encode(b"k" * 32).decode()}]}
            ),
            "current key is not the new key",
        ),
    ],
)
def test_verify_step_rejects_a_malformed_pending_value(fmt, text, message):
    with pytest.raises(app.RotationError, match=message):
        app.check_value(fmt, text, "token-1")


def test_a_secret_without_a_value_gets_its_first_key():
    key = bytes(range(32))

    ring = parse_key_ring(app.new_value("hmac-key-ring", None, "v1", key), "v1")
    single = app.new_value("single-key", None, "v1", key)

    assert (ring.keys, ring.current) == ((("v1", key),), "v1")
    assert base64.b64decode(single) == key
    with pytest.raises(app.RotationError, match="unknown key_format 'pem'"):
        app.new_value("pem", None, "v1", key)


# --- the other handlers across a rotation ------------------------------------------------


def _pay(api_event, payment_body, lambda_context, key: str, at: datetime) -> dict[str, Any]:
    event = api_event(payment_body(), idempotency_key=key, received_at=at)
    response = intake.handler(event, lambda_context)
    assert response["statusCode"] == 201, response["body"]
    return json.loads(response["body"])


def _stored(stack, payment_id: str) -> dict[str, Any]:
    return next(i for i in stack.items(stack.payments_table) if i["payment_id"]["S"] == payment_id)


def test_payment_after_rotation_uses_the_new_key_and_keeps_the_previous_token(
    stack, rotation, api_event, payment_body, lambda_context
):
    _use_key_ring(stack, rotation.client)
    first = _pay(api_event, payment_body, lambda_context, "before-rotation-1", RECEIVED)
    (old_version,) = rotation.stages(stack.tokenization_secret_arn)
    new_version = rotation.rotate(stack.tokenization_secret_arn)
    secrets.clear_cache()  # the sandbox's five-minute cache has expired

    second = _pay(api_event, payment_body, lambda_context, "after-rotation-1", RECEIVED)

    before, after = _stored(stack, first["payment_id"]), _stored(stack, second["payment_id"])
    assert before["card_token_key_id"] == {"S": old_version}
    assert "previous_card_token" not in before
    assert after["card_token_key_id"] == {"S": new_version}
    assert after["card_token"] != before["card_token"]
    assert after["previous_card_token"] == before["card_token"]
    ring = secrets.key_ring(stack.tokenization_secret_arn)
    assert tokens_for(VISA, ring) == {
        old_version: before["card_token"]["S"],
        new_version: after["card_token"]["S"],
    }


def test_look_up_by_card_finds_payments_of_every_key_in_the_ring(
    stack, rotation, api_event, payment_body, lambda_context
):
    _use_key_ring(stack, rotation.client)
    paid = [_pay(api_event, payment_body, lambda_context, "lookup-before-1", RECEIVED)]
    rotation.rotate(stack.tokenization_secret_arn)
    secrets.clear_cache()
    paid.append(_pay(api_event, payment_body, lambda_context, "lookup-after-01", RECEIVED))
    dynamodb = boto3.client("dynamodb", region_name=REGION)

    found = set()
    for token in tokens_for(VISA, secrets.key_ring(stack.tokenization_secret_arn)).values():
        response = dynamodb.query(
            TableName=stack.payments_table,
            IndexName="by_card_token",
            KeyConditionExpression="card_token = :token",
            ExpressionAttributeValues={":token": {"S": token}},
        )
        found |= {item["payment_id"]["S"] for item in response["Items"]}

    assert found == {payment["payment_id"] for payment in paid}


def test_velocity_counts_the_payments_made_before_the_rotation(
    stack, rotation, api_event, payment_body, lambda_context, bus_event
):
    _use_key_ring(stack, rotation.client)
    statuses = []
    for minute in range(6):
        if minute == 3:
            rotation.rotate(stack.tokenization_secret_arn)
            secrets.clear_cache()
        at = RECEIVED + timedelta(minutes=minute)
        paid = _pay(api_event, payment_body, lambda_context, f"velocity-rot-{minute}", at)
        (initiated,) = stack.published()
        detail = {
            "payment_id": paid["payment_id"],
            "merchant_id": "merchant_001",
            "amount_minor": 1250,
            "currency": "EUR",
            "fraud": {"score": 0.01, "decision": "approve", "reasons": [], "model_version": "x"},
            "screened_at": initiated["detail"]["created_at"],
        }
        event = bus_event("payment.screened", "ledgerguard.fraud", detail, at)
        statuses.append(authorize.handler(event, lambda_context)["status"])
        stack.published()

    assert statuses == ["AUTHORIZED"] * 5 + ["DECLINED"]


def test_retry_across_a_rotation_is_replayed_not_refused(
    stack, rotation, api_event, payment_body, lambda_context
):
    _use_key_ring(stack, rotation.client)
    first = _pay(api_event, payment_body, lambda_context, "retry-across-1", RECEIVED)
    rotation.rotate(stack.tokenization_secret_arn)
    secrets.clear_cache()

    again = _pay(api_event, payment_body, lambda_context, "retry-across-1", RECEIVED)

    assert again == first
    assert len(stack.items(stack.payments_table)) == 1


def _authorize(api_event, lambda_context, key: bytes) -> dict[str, Any]:
    claims = {
        "iss": "https://auth.ledgerguard.example",
        "aud": "payments-api",
        "merchant_id": "merchant_001",
        "exp": int(RECEIVED.timestamp()) + 300,
    }
    event = api_event({}, idempotency_key=None, merchant_id=None, received_at=RECEIVED)
    del event["body"], event["isBase64Encoded"]
    event["type"] = "REQUEST"
    event["routeArn"] = "arn:aws:execute-api:eu-west-1:123456789012:api1234/$default/POST/payments"
    event["headers"]["authorization"] = f"Bearer {sign(claims, key)}"
    event["identitySource"] = [event["headers"]["authorization"]]
    return authorizer.handler(event, lambda_context)


def test_authorizer_accepts_tokens_of_the_previous_key_after_a_rotation(
    stack, rotation, api_event, lambda_context
):
    old_key = bytes(range(100, 148))  # conftest's API_SIGNING_KEY
    rotation.rotate(stack.api_signing_secret_arn)
    secrets.clear_cache()
    new_key = base64.b64decode(_value(rotation.client, stack.api_signing_secret_arn))

    assert _authorize(api_event, lambda_context, old_key)["isAuthorized"] is True
    assert _authorize(api_event, lambda_context, new_key)["isAuthorized"] is True
    assert _authorize(api_event, lambda_context, b"x" * 48) == {"isAuthorized": False}


def test_before_any_rotation_only_the_current_key_is_accepted(stack, api_event, lambda_context):
    assert _authorize(api_event, lambda_context, bytes(range(100, 148)))["isAuthorized"] is True
    assert _authorize(api_event, lambda_context, b"x" * 48) == {"isAuthorized": False}
