"""`manifest.json`: the hashes that make a bundle tamper-evident, and its verification.

The manifest lists the SHA-256 of every output file of the bundle and of every scanned input,
the tool and policy-pack versions, the git state and the history run. `manifest.sig`, when
present, is an Ed25519 signature over the manifest's exact bytes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import UsageError
from scanner.evidence.provenance import sha256_file
from scanner.loaders.terraform.files import relative_to

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "ledgerguard-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


def manifest_text(manifest: dict[str, Any]) -> str:
    """The manifest as written: pretty JSON, keys in the order built, trailing newline."""
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def output_hashes(directory: Path, names: list[str]) -> dict[str, str]:
    """SHA-256 of each named output file of the bundle, sorted by name."""
    return {name: sha256_file(directory / name) for name in sorted(names)}


def bundle_files(directory: Path) -> list[str]:
    """Every file in the bundle folder (hidden ones too), relative, with forward slashes."""
    found: list[str] = []
    for current, dirs, files in os.walk(directory):
        dirs.sort()
        found.extend(relative_to(Path(current) / name, directory) for name in files)
    return sorted(found)


@dataclass
class Verification:
    """The outcome of `verify`: problems (one line each) and what was checked."""

    problems: list[str] = field(default_factory=list)
    files: int = 0
    signature: str = "unsigned"


def verify(directory: Path, public_key: Ed25519PublicKey | None) -> Verification:
    """Recompute every hash of the bundle in `directory` and check its signature.

    With `public_key`, the bundle must be signed by that key. Without it, a signature is
    checked against the key the manifest names, which shows integrity but not who signed.
    """
    if not directory.is_dir():
        raise UsageError(f"{directory}: not a directory")
    outcome = Verification()
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        outcome.problems.append(f"missing: {MANIFEST} (not an evidence bundle, or it was removed)")
        return outcome
    data = manifest_path.read_bytes()
    manifest = _parse(data)
    if manifest is None:
        outcome.problems.append(f"{MANIFEST}: not a ledgerguard evidence manifest")
        return outcome
    _check_signature(directory, data, manifest, public_key, outcome)
    expected: dict[str, str] = manifest["outputs"]
    present = set(bundle_files(directory)) - {MANIFEST, SIGNATURE}
    for name in sorted(expected):
        if name not in present:
            outcome.problems.append(f"missing: {name}")
        elif sha256_file(directory / name) != expected[name]:
            outcome.problems.append(f"changed: {name} (its SHA-256 differs from {MANIFEST})")
        else:
            outcome.files += 1
    for name in sorted(present - set(expected)):
        outcome.problems.append(f"added: {name} (not listed in {MANIFEST})")
    return outcome


def _parse(data: bytes) -> dict[str, Any] | None:
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None
    outputs = manifest.get("outputs")
    if not isinstance(outputs, dict) or not all(isinstance(v, str) for v in outputs.values()):
        return None
    return manifest


def _check_signature(
    directory: Path,
    data: bytes,
    manifest: dict[str, Any],
    public_key: Ed25519PublicKey | None,
    outcome: Verification,
) -> None:
    from scanner.evidence.signing import key_id, public_key_from_text, signature_valid

    declared = manifest.get("signature")
    signature_path = directory / SIGNATURE
    if not signature_path.is_file():
        if public_key is not None:
            outcome.problems.append(f"missing: {SIGNATURE} (the bundle is not signed)")
        elif declared:
            outcome.problems.append(f"missing: {SIGNATURE} ({MANIFEST} says it was signed)")
        return
    key = public_key
    if key is None and isinstance(declared, dict):
        key = public_key_from_text(str(declared.get("public_key", "")))
    if key is None:
        outcome.problems.append(
            f"{SIGNATURE}: {MANIFEST} names no signing key; pass --public-key to check it"
        )
        return
    valid = signature_valid(data, signature_path.read_text(errors="replace"), key)
    if valid is None:
        outcome.problems.append(f"{SIGNATURE}: not a base64 Ed25519 signature")
    elif not valid:
        outcome.problems.append(
            f"{SIGNATURE}: does not verify {MANIFEST} with key {key_id(key)} "
            "(the manifest was changed, or another key signed it)"
        )
    elif public_key is None:
        outcome.signature = f"valid, by the key named in {MANIFEST} ({key_id(key)})"
    else:
        outcome.signature = f"valid, by the given public key ({key_id(key)})"
