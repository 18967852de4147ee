"""Key material from Secrets Manager, cached per sandbox for a few minutes.

A secret holds either base64 text of one key (``openssl rand -base64 32``; the API signing
key) or a tokenization key ring (``tokenization.KeyRing``; a plain base64 value is read as a
ring of one key). Versions are read by staging label: ``AWSCURRENT`` always, ``AWSPREVIOUS``
where a consumer must still accept the key a rotation replaced. The cache keeps a warm
function from calling Secrets Manager on every request while still picking up a rotated value
within ``CACHE_SECONDS``; its age is measured on ``clock.now()``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import ClientError

from reference_stack.functions.common import aws, clock
from reference_stack.functions.common.tokenization import KeyRing, KeyRingError, parse_key_ring

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300
CURRENT = "AWSCURRENT"
PREVIOUS = "AWSPREVIOUS"


@dataclass(frozen=True)
class SecretVersion:
    """One version of a secret: its Secrets Manager version id and its text."""

    version_id: str
    text: str


_cache: dict[tuple[str, str], tuple[datetime, SecretVersion | None]] = {}
_lock = threading.Lock()


class SecretFormatError(RuntimeError):
    """Raised when a secret is not base64 text; the message never includes the value."""


def secret_version(secret_arn: str, stage: str = CURRENT) -> SecretVersion | None:
    """The version of a secret that carries ``stage``; None when no version carries it."""
    now = clock.now()
    with _lock:
        cached = _cache.get((secret_arn, stage))
        if cached is not None and 0 <= (now - cached[0]).total_seconds() < CACHE_SECONDS:
            return cached[1]

    try:
        response = aws.client("secretsmanager").get_secret_value(
            SecretId=secret_arn, VersionStage=stage
        )
        found: SecretVersion | None = SecretVersion(
            str(response["VersionId"]), str(response["SecretString"])
        )
    except KeyError as exc:
        raise SecretFormatError(f"secret {secret_arn} has no text value") from exc
    except ClientError as exc:
        if stage == CURRENT or aws.error_code(exc) != "ResourceNotFoundException":
            raise
        found = None

    logger.debug("loaded %s of secret %s", stage, secret_arn)
    with _lock:
        _cache[(secret_arn, stage)] = (now, found)
    return found


def secret_bytes(secret_arn: str, stage: str = CURRENT) -> bytes | None:
    """The decoded key of a base64 secret at ``stage`` (None: no version has that stage)."""
    version = secret_version(secret_arn, stage)
    if version is None:
        return None
    try:
        return base64.b64decode(version.text, validate=True)
    except binascii.Error as exc:
        raise SecretFormatError(f"secret {secret_arn} is not base64 text") from exc


def current_secret_bytes(secret_arn: str) -> bytes:
    """The decoded key of the current version of a base64 secret."""
    key = secret_bytes(secret_arn, CURRENT)
    if key is None:
        raise SecretFormatError(f"secret {secret_arn} has no current version")
    return key


def key_ring(secret_arn: str) -> KeyRing:
    """The tokenization key ring held by the current version of a secret."""
    version = secret_version(secret_arn, CURRENT)
    if version is None:
        raise SecretFormatError(f"secret {secret_arn} has no current version")
    try:
        return parse_key_ring(version.text, version.version_id)
    except KeyRingError as exc:
        raise SecretFormatError(f"secret {secret_arn}: {exc}") from exc


def clear_cache() -> None:
    """Drop every cached secret (tests, and a function that saw a key mismatch)."""
    with _lock:
        _cache.clear()
