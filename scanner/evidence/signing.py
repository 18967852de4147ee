"""Ed25519 signatures over `manifest.json`, so a bundle shows who vouched for it.

Keys are PEM files: a PKCS#8 private key (optionally encrypted, with the passphrase in
`LEDGERGUARD_SIGN_KEY_PASSPHRASE`) and a SubjectPublicKeyInfo public key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import UsageError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

PASSPHRASE_ENV = "LEDGERGUARD_SIGN_KEY_PASSPHRASE"


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in PEM file `path`; UsageError when it is not one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = _read(path, "signing key")
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        key = load_pem_private_key(data, passphrase.encode() if passphrase else None)
    except TypeError as exc:
        raise UsageError(
            f"{path}: the signing key is encrypted; set {PASSPHRASE_ENV}"
            if passphrase is None
            else f"{path}: {PASSPHRASE_ENV} is set but the signing key is not encrypted"
        ) from exc
    except ValueError as exc:
        raise UsageError(f"{path}: not a PEM private key, or a wrong passphrase") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path}: the signing key must be Ed25519, not {type(key).__name__}")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in PEM file `path`; UsageError when it is not one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(_read(path, "public key"))
    except ValueError as exc:
        raise UsageError(f"{path}: not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"{path}: the public key must be Ed25519, not {type(key).__name__}")
    return key


def public_key_text(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key, base64-encoded, as the manifest records it."""
    return base64.b64encode(_raw(key)).decode()


def public_key_from_text(text: str) -> Ed25519PublicKey | None:
    """The key `public_key_text` wrote, or None when `text` is not one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return None


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint naming the key in messages: `sha256:` and 16 hex digits."""
    return "sha256:" + hashlib.sha256(_raw(key)).hexdigest()[:16]


def sign(data: bytes, key: Ed25519PrivateKey) -> str:
    """The base64 Ed25519 signature of `data`, as `manifest.sig` holds it."""
    return base64.b64encode(key.sign(data)).decode() + "\n"


def signature_valid(data: bytes, signature: str, key: Ed25519PublicKey) -> bool | None:
    """Whether `signature` (base64) signs `data` under `key`; None when it is not base64 of a
    64-byte signature."""
    from cryptography.exceptions import InvalidSignature

    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except binascii.Error:
        return None
    if len(raw) != 64:
        return None
    try:
        key.verify(raw, data)
    except InvalidSignature:
        return False
    return True


def generate_keypair(private_path: Path, public_path: Path) -> str:
    """Write a new Ed25519 key pair (private key readable by the owner only); its key id."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    for path in (private_path, public_path):
        if path.exists():
            raise UsageError(f"{path}: already exists; refusing to overwrite a key")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    public_pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    try:
        private_path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private_pem)
        public_path.parent.mkdir(parents=True, exist_ok=True)
        public_path.write_bytes(public_pem)
    except OSError as exc:
        raise UsageError(f"cannot write key pair: {exc.strerror}: {exc.filename}") from exc
    return key_id(key.public_key())


def _raw(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: {what} not found") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read {what}: {exc.strerror}") from exc
