"""PAN tokenization: a keyed HMAC-SHA256 token plus the truncation PCI-DSS allows to keep.

The PAN is reduced, once, to a ``CardFingerprint``: the token (stable per card and key, so
velocity checks and reconciliation can group by card), the first six and last four digits,
and whether the number passed the Luhn check. Nothing here logs or returns the PAN.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

TOKEN_PREFIX = "tok_"
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class CardFingerprint:
    """Everything the pipeline keeps about a card number after intake."""

    token: str
    bin: str
    last4: str
    luhn_valid: bool


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
