"""Verification of the API's bearer tokens: compact JWS with HS256, checked strictly.

Only ``HS256`` is accepted (never ``none`` or an algorithm chosen by the token), the signature
is compared in constant time, and ``exp``, ``iss``, ``aud`` and a ``merchant_id`` claim are
required. Failures raise ``TokenError`` with a short reason that is safe to log; the token text
itself is never logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30
MERCHANT_ID = re.compile(r"^[A-Za-z0-9_-]{3,64}$")


class TokenError(ValueError):
    """The token is malformed, forged, expired or meant for someone else."""


class BadSignatureError(TokenError):
    """The signature does not match the key (a forgery, or a key the caller no longer uses)."""


@dataclass(frozen=True)
class Expectations:
    """What a valid token must say, and the time to check it at (epoch seconds)."""

    issuer: str
    audience: str
    now: int


@dataclass(frozen=True)
class Identity:
    """Who the token was issued to."""

    merchant_id: str
    subject: str


def verify(token: str, key: bytes, expected: Expectations) -> Identity:
    """Check signature and claims of ``token``; returns the caller's identity."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("not a compact JWS")
    header, claims = _json_part(parts[0]), _json_part(parts[1])
    if header.get("alg") != ALGORITHM:
        raise TokenError("unsupported algorithm")

    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    expected_signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(expected_signature, _b64decode(parts[2])):
        raise BadSignatureError("bad signature")

    _check_claims(claims, expected)
    return Identity(merchant_id=claims["merchant_id"], subject=str(claims.get("sub", "")))


def sign(claims: dict[str, Any], key: bytes) -> str:
    """Issue a token (used by tests and by the README's example client)."""
    header = _b64encode(json.dumps({"alg": ALGORITHM, "typ": "JWT"}).encode())
    payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64encode(signature)}"


def _check_claims(claims: dict[str, Any], expected: Expectations) -> None:
    """Raise unless the registered claims and ``merchant_id`` are as expected."""
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp + LEEWAY_SECONDS < expected.now:
        raise TokenError("expired or no expiry")
    nbf = claims.get("nbf")
    if isinstance(nbf, int) and nbf - LEEWAY_SECONDS > expected.now:
        raise TokenError("not yet valid")
    if claims.get("iss") != expected.issuer:
        raise TokenError("wrong issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if expected.audience not in audiences:
        raise TokenError("wrong audience")
    merchant = claims.get("merchant_id")
    if not isinstance(merchant, str) or not MERCHANT_ID.match(merchant):
        raise TokenError("missing or malformed merchant_id")


def _json_part(segment: str) -> dict[str, Any]:
    """Decode a base64url JSON object segment."""
    try:
        value = json.loads(_b64decode(segment))
    except ValueError as exc:
        raise TokenError("segment is not JSON") from exc
    if not isinstance(value, dict):
        raise TokenError("segment is not a JSON object")
    return value


def _b64decode(segment: str) -> bytes:
    """Decode unpadded base64url."""
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("bad base64url") from exc


def _b64encode(data: bytes) -> str:
    """Encode as unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
