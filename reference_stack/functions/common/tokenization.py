"""PAN tokenization: a keyed HMAC-SHA256 token plus the truncation PCI-DSS allows to keep.

The PAN is reduced, once, to a ``CardFingerprint``: the token (stable per card and key, so
velocity checks and reconciliation can group by card), the first six and last four digits,
and whether the number passed the Luhn check. Nothing here logs or returns the PAN.

Keys rotate, so the tokenization secret holds a ``KeyRing``: every key still needed to find
old payments, oldest first, and the id of the one that tokenizes new payments. A key's id is
the Secrets Manager version that introduced it. A plain base64 value (the first key an
operator puts) is a ring of one key whose id is its version id. Serialized form::

    {"current": "<id>", "keys": [{"id": "<id>", "key": "<base64>"}, ...]}
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

TOKEN_PREFIX = "tok_"
MIN_KEY_BYTES = 32


class KeyRingError(ValueError):
    """A malformed key ring; the message names the problem, never a key."""


@dataclass(frozen=True)
class CardFingerprint:
    """Everything the pipeline keeps about a card number after intake."""

    token: str
    bin: str
    last4: str
    luhn_valid: bool


@dataclass(frozen=True)
class KeyRing:
    """Tokenization keys by id, oldest first; ``current`` tokenizes new payments."""

    keys: tuple[tuple[str, bytes], ...]
    current: str

    def __post_init__(self) -> None:
        ids = [key_id for key_id, _ in self.keys]
        if len(set(ids)) != len(ids):
            raise KeyRingError("key ids are not unique")
        if self.current not in ids:
            raise KeyRingError("the current key id is not in the ring")
        if any(len(key) < MIN_KEY_BYTES for _, key in self.keys):
            raise KeyRingError(f"every key must be at least {MIN_KEY_BYTES} bytes")

    def key(self, key_id: str) -> bytes:
        """The key with id ``key_id``."""
        for candidate, key in self.keys:
            if candidate == key_id:
                return key
        raise KeyRingError(f"no key {key_id} in the ring")

    @property
    def previous(self) -> str | None:
        """Id of the key that was current before ``current`` (None for a first key)."""
        ids = [key_id for key_id, _ in self.keys]
        position = ids.index(self.current)
        return ids[position - 1] if position > 0 else None

    def rotated(self, key_id: str, key: bytes, keep: int) -> KeyRing:
        """A ring with ``key`` appended and current, holding at most the ``keep`` newest keys."""
        if keep < 2:
            raise KeyRingError("a rotated ring must keep at least the previous key")
        keys = (*[(i, k) for i, k in self.keys if i != key_id], (key_id, key))
        return KeyRing(keys=keys[-keep:], current=key_id)

    def to_text(self) -> str:
        """The serialized ring, as stored in the secret."""
        entries = [
            {"id": key_id, "key": base64.b64encode(key).decode("ascii")}
            for key_id, key in self.keys
        ]
        return json.dumps({"current": self.current, "keys": entries}, separators=(",", ":"))


def parse_key_ring(text: str, version_id: str) -> KeyRing:
    """Read a secret value: a serialized ring, or base64 of a single key (id ``version_id``)."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return KeyRing(keys=((version_id, _b64(stripped)),), current=version_id)
    try:
        raw = json.loads(stripped)
        keys = tuple((str(entry["id"]), _b64(str(entry["key"]))) for entry in raw["keys"])
        return KeyRing(keys=keys, current=str(raw["current"]))
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, KeyRingError):
            raise
        raise KeyRingError("the secret is neither base64 nor a key ring") from exc


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise KeyRingError("a key is not base64") from exc


def luhn_valid(pan: str) -> bool:
    """Whether a string of digits passes the Luhn (mod 10) check."""
    total = 0
    for position, char in enumerate(reversed(pan)):
        digit = ord(char) - ord("0")
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def tokenize(pan: str, key: bytes) -> CardFingerprint:
    """Turn a PAN into its fingerprint; ``key`` is the HMAC key from Secrets Manager."""
    if not pan.isdigit() or not 12 <= len(pan) <= 19:
        raise ValueError("card number must be 12 to 19 digits")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"tokenization key must be at least {MIN_KEY_BYTES} bytes")

    digest = hmac.new(key, pan.encode("ascii"), hashlib.sha256).hexdigest()
    return CardFingerprint(
        token=TOKEN_PREFIX + digest,
        bin=pan[:6],
        last4=pan[-4:],
        luhn_valid=luhn_valid(pan),
    )


def tokens_for(pan: str, ring: KeyRing) -> dict[str, str]:
    """The card's token under every key of the ring, by key id (look-ups by card number)."""
    return {key_id: tokenize(pan, key).token for key_id, key in ring.keys}
