"""Key material from Secrets Manager, cached per sandbox for a few minutes.

Secrets hold base64 text (``openssl rand -base64 32``). The cache keeps a warm function from
calling Secrets Manager on every request while still picking up a rotated value within
``CACHE_SECONDS``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
import time

from reference_stack.functions.common import aws

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300

_cache: dict[str, tuple[float, bytes]] = {}
_lock = threading.Lock()


class SecretFormatError(RuntimeError):
    """Raised when a secret is not base64 text; the message never includes the value."""


def secret_bytes(secret_arn: str) -> bytes:
    """Return the decoded key bytes of a secret, from the cache when still fresh."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(secret_arn)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]

    response = aws.client("secretsmanager").get_secret_value(SecretId=secret_arn)
    try:
        value = base64.b64decode(response["SecretString"], validate=True)
    except (KeyError, binascii.Error) as exc:
        raise SecretFormatError(f"secret {secret_arn} is not base64 text") from exc

    logger.debug("loaded secret %s", secret_arn)
    with _lock:
        _cache[secret_arn] = (now, value)
    return value


def clear_cache() -> None:
    """Drop every cached secret (tests, and a function that saw a key mismatch)."""
    with _lock:
        _cache.clear()
