"""Rotate handler: the four Secrets Manager rotation steps for this stack's key material.

Secrets Manager calls the function once per step, with the secret, the id of the version being
created (``ClientRequestToken``, already labelled ``AWSPENDING``) and the step:

``createSecret``  put new key material into the pending version (once per token)
``setSecret``     nothing to do: no other system stores these keys (the token issuer reads the
                  API signing key from Secrets Manager)
``testSecret``    read the pending version back and check that it parses
``finishSecret``  move ``AWSCURRENT`` to the new version (``AWSPREVIOUS`` follows it) and
                  take ``AWSPENDING`` off it, so no version is left pending

The secret's ``key_format`` tag (set in ``terraform/secrets.tf``) picks the value's shape:
``hmac-key-ring`` appends a new key to the tokenization key ring and keeps the newest
``KEY_RING_SIZE`` keys; ``single-key`` replaces the value with one new key. Key material is 32
bytes from ``os.urandom``: an HMAC key needs random bytes, not a printable password, so the
function does not call ``GetRandomPassword`` (which would need a grant on ``*``). A secret
that has no value yet (Terraform enables rotation right after creating it) gets its first key.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from reference_stack.functions.common import aws
from reference_stack.functions.common.secrets import CURRENT
from reference_stack.functions.common.tokenization import (
    MIN_KEY_BYTES,
    KeyRing,
    KeyRingError,
    parse_key_ring,
)

logger = Logger()
tracer = Tracer()

PENDING = "AWSPENDING"
KEY_BYTES = 32
KEY_FORMAT_TAG = "key_format"
KEY_RING = "hmac-key-ring"
SINGLE_KEY = "single-key"
# Keys a ring keeps: with rotation every 90 days, six keys cover the 400 days for which
# settlement files (and so disputes) are kept, plus the key that was current before them.
KEY_RING_SIZE = 6


class RotationError(RuntimeError):
    """The request cannot be served: unknown step, rotation off, or a version in a wrong stage."""


class RotationRequest(BaseModel):
    """What Secrets Manager sends for each step."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    step: str = Field(alias="Step")
    secret_id: str = Field(alias="SecretId")
    token: str = Field(alias="ClientRequestToken")


@logger.inject_lambda_context(clear_state=True, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    """Entry point called by Secrets Manager for each rotation step."""
    request = RotationRequest.model_validate(event)
    step = STEPS.get(request.step)
    if step is None:
        raise RotationError(f"unknown rotation step {request.step!r}")

    metadata = aws.client("secretsmanager").describe_secret(SecretId=request.secret_id)
    if not metadata.get("RotationEnabled"):
        raise RotationError(f"rotation is not enabled for secret {request.secret_id}")
    stages = metadata.get("VersionIdsToStages", {}).get(request.token)
    if stages is None:
        raise RotationError(f"version {request.token} has no stage for rotation")
    if CURRENT in stages:
        logger.info("version %s is already current; nothing to do", request.token)
        return
    if PENDING not in stages:
        raise RotationError(f"version {request.token} is not pending")

    step(request, metadata)
    logger.info("rotation step %s done for version %s", request.step, request.token)


def create_secret(request: RotationRequest, metadata: dict[str, Any]) -> None:
    """Put new key material into the pending version, unless an earlier attempt did."""
    client = aws.client("secretsmanager")
    try:
        client.get_secret_value(
            SecretId=request.secret_id, VersionId=request.token, VersionStage=PENDING
        )
        return
    except ClientError as exc:
        if aws.error_code(exc) != "ResourceNotFoundException":
            raise

    current = _current_version(request.secret_id)
    value = new_value(key_format(metadata), current, request.token, os.urandom(KEY_BYTES))
    client.put_secret_value(
        SecretId=request.secret_id,
        ClientRequestToken=request.token,
        SecretString=value,
        VersionStages=[PENDING],
    )


def set_secret(request: RotationRequest, metadata: dict[str, Any]) -> None:
    """No system outside Secrets Manager holds these keys, so there is nothing to set."""


def verify_secret(request: RotationRequest, metadata: dict[str, Any]) -> None:
    """Read the pending version and check it has the shape its consumers parse."""
    response = aws.client("secretsmanager").get_secret_value(
        SecretId=request.secret_id, VersionId=request.token, VersionStage=PENDING
    )
    check_value(key_format(metadata), str(response["SecretString"]), request.token)


def finish_secret(request: RotationRequest, metadata: dict[str, Any]) -> None:
    """Make the pending version current, then clear its pending label."""
    current = [
        version
        for version, stages in metadata.get("VersionIdsToStages", {}).items()
        if CURRENT in stages
    ]
    move: dict[str, Any] = {"MoveToVersionId": request.token}
    if current:
        move["RemoveFromVersionId"] = current[0]
    client = aws.client("secretsmanager")
    client.update_secret_version_stage(SecretId=request.secret_id, VersionStage=CURRENT, **move)
    client.update_secret_version_stage(
        SecretId=request.secret_id, VersionStage=PENDING, RemoveFromVersionId=request.token
    )


STEPS: dict[str, Callable[[RotationRequest, dict[str, Any]], None]] = {
    "createSecret": create_secret,
    "setSecret": set_secret,
    "testSecret": verify_secret,
    "finishSecret": finish_secret,
}


def key_format(metadata: dict[str, Any]) -> str:
    """The secret's ``key_format`` tag; ``single-key`` when it has none."""
    for tag in metadata.get("Tags", []):
        if tag.get("Key") == KEY_FORMAT_TAG:
            return str(tag.get("Value"))
    return SINGLE_KEY


def new_value(fmt: str, current: tuple[str, str] | None, token: str, key: bytes) -> str:
    """The next secret value: ``current`` is the current (version id, text), if any."""
    if fmt == SINGLE_KEY:
        return base64.b64encode(key).decode("ascii")
    if fmt != KEY_RING:
        raise RotationError(f"unknown key_format {fmt!r}")
    if current is None:
        return KeyRing(keys=((token, key),), current=token).to_text()
    ring = parse_key_ring(current[1], current[0])
    return ring.rotated(token, key, KEY_RING_SIZE).to_text()


def check_value(fmt: str, text: str, token: str) -> None:
    """Raise unless ``text`` is a valid value of format ``fmt`` made for version ``token``."""
    try:
        if fmt == KEY_RING:
            ring = parse_key_ring(text, token)
            if ring.current != token:
                raise RotationError("the pending key ring's current key is not the new key")
            return
        if len(base64.b64decode(text, validate=True)) < MIN_KEY_BYTES:
            raise RotationError(f"the pending key is shorter than {MIN_KEY_BYTES} bytes")
    except (KeyRingError, ValueError) as exc:
        raise RotationError(f"the pending value does not parse: {exc}") from exc


def _current_version(secret_id: str) -> tuple[str, str] | None:
    """(version id, text) of the current version; None for a secret with no value yet."""
    try:
        response = aws.client("secretsmanager").get_secret_value(
            SecretId=secret_id, VersionStage=CURRENT
        )
    except ClientError as exc:
        if aws.error_code(exc) != "ResourceNotFoundException":
            raise
        return None
    return str(response["VersionId"]), str(response["SecretString"])
