"""`ledgerguard evidence` as users run it: create, sign, verify, tamper detection, bad input."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.evidence.bundle import Bundle
from tests.conftest import FIXTURES
from tests.evidence.conftest import PAYMENTS, POLICIES, run_cli


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path, str]:
    """A key pair made by `evidence keygen`, and its key id."""
    private, public = tmp_path / "keys" / "signing.pem", tmp_path / "keys" / "signing.pub.pem"
    proc = run_cli("evidence", "keygen", "--private-key", private, "--public-key", public)
    assert proc.returncode == 0, proc.stderr
    key_id = proc.stdout.split("key id ")[1].strip()
    return private, public, key_id


def test_keygen_writes_a_private_key_only_its_owner_reads(keys: tuple[Path, Path, str]) -> None:
    private, public, key_id = keys

    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert key_id.startswith("sha256:") and len(key_id) == 23
    again = run_cli("evidence", "keygen", "--private-key", private, "--public-key", public)
    assert again.returncode == 2
    assert again.stderr == (
        f"ledgerguard: error: {private}: already exists; refusing to overwrite a key\n"
    )


def test_create_signs_and_verify_checks_the_signature(
    tmp_path: Path, keys: tuple[Path, Path, str]
) -> None:
    private, public, key_id = keys
    out = tmp_path / "evidence"
    history = f"sqlite:///{tmp_path / 'history.db'}"

    created = run_cli(
        "evidence", PAYMENTS, "--out", out, "--sign-key", private, "--history", history
    )
    verified = run_cli("evidence", "verify", out, "--public-key", public)
    self_keyed = run_cli("evidence", "verify", out)

    assert created.returncode == 0, created.stderr
    assert created.stdout.splitlines()[-1].startswith(f"evidence written to {out} (signed); ")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["signature"]["algorithm"] == "ed25519"
    assert manifest["signature"]["key_id"] == key_id
    assert verified.returncode == 0
    assert verified.stdout == (
        f"{out}: 3 files match the manifest; signature valid, by the given public key ({key_id})\n"
    )
    assert self_keyed.stdout == (
        f"{out}: 3 files match the manifest; signature valid, by the key named in "
        f"manifest.json ({key_id})\n"
    )


def test_a_signature_by_another_key_or_over_an_edited_manifest_fails(
    make_bundle: Callable[..., Bundle], tmp_path: Path, keys: tuple[Path, Path, str]
) -> None:
    private, public, key_id = keys
    other_private, other_public = tmp_path / "other.pem", tmp_path / "other.pub.pem"
    run_cli("evidence", "keygen", "--private-key", other_private, "--public-key", other_public)
    make_bundle(sign_key=private)
    out = tmp_path / "bundle"

    wrong_key = run_cli("evidence", "verify", out, "--public-key", other_public)
    manifest = out / "manifest.json"
    manifest.write_text(
        manifest.read_text().replace("2025-03-01T12:00:00Z", "2024-03-01T12:00:00Z")
    )
    edited = run_cli("evidence", "verify", out, "--public-key", public)

    assert wrong_key.returncode == 1
    other_id = wrong_key.stdout.split("with key ")[1].split(" ")[0]
    assert other_id != key_id
    assert wrong_key.stdout == (
        f"manifest.sig: does not verify manifest.json with key {other_id} (the manifest was "
        "changed, or another key signed it)\n"
    )
    assert edited.returncode == 1
    assert edited.stdout == (
        f"manifest.sig: does not verify manifest.json with key {key_id} (the manifest was "
        "changed, or another key signed it)\n"
    )


def test_an_unsigned_bundle_fails_when_a_public_key_is_required(
    make_bundle: Callable[..., Bundle], tmp_path: Path, keys: tuple[Path, Path, str]
) -> None:
    make_bundle()

    proc = run_cli("evidence", "verify", tmp_path / "bundle", "--public-key", keys[1])

    assert proc.returncode == 1
    assert proc.stdout == "missing: manifest.sig (the bundle is not signed)\n"


def test_an_intact_bundle_verifies(make_bundle: Callable[..., Bundle], tmp_path: Path) -> None:
    make_bundle()

    proc = run_cli("evidence", "verify", tmp_path / "bundle")

    assert proc.returncode == 0
    assert proc.stdout == f"{tmp_path / 'bundle'}: 3 files match the manifest; signature unsigned\n"


def test_one_changed_byte_is_reported(make_bundle: Callable[..., Bundle], tmp_path: Path) -> None:
    make_bundle()
    report = tmp_path / "bundle" / "report.html"
    data = bytearray(report.read_bytes())
    data[len(data) // 2] ^= 0x01
    report.write_bytes(bytes(data))

    proc = run_cli("evidence", "verify", tmp_path / "bundle")

    assert proc.returncode == 1
    assert proc.stdout == "changed: report.html (its SHA-256 differs from manifest.json)\n"
    assert proc.stderr == f"{tmp_path / 'bundle'}: 1 problem\n"


def test_removed_and_added_files_are_reported(
    make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    make_bundle()
    out = tmp_path / "bundle"
    (out / "oscal" / "assessment-results.json").unlink()
    (out / "notes.txt").write_text("looks fine to me\n")
    (out / "oscal" / "extra.json").write_text("{}\n")

    proc = run_cli("evidence", "verify", out)

    assert proc.returncode == 1
    assert proc.stdout == (
        "missing: oscal/assessment-results.json\n"
        "added: notes.txt (not listed in manifest.json)\n"
        "added: oscal/extra.json (not listed in manifest.json)\n"
    )
    assert proc.stderr == f"{out}: 3 problems\n"


def test_a_removed_manifest_is_reported(make_bundle: Callable[..., Bundle], tmp_path: Path) -> None:
    make_bundle()
    (tmp_path / "bundle" / "manifest.json").unlink()

    proc = run_cli("evidence", "verify", tmp_path / "bundle")

    assert proc.returncode == 1
    assert proc.stdout == "missing: manifest.json (not an evidence bundle, or it was removed)\n"


def test_secrets_never_reach_the_bundle(tmp_path: Path) -> None:
    out = tmp_path / "evidence"

    proc = run_cli(
        "evidence",
        FIXTURES / "terraform" / "secrets",
        "--out",
        out,
        "--history",
        f"sqlite:///{tmp_path / 'h.db'}",
    )

    assert proc.returncode == 0, proc.stderr
    text = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    text += proc.stdout + proc.stderr
    assert "LG-LAMBDA-001" in text
    for secret in (
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "correct-horse-battery",
        "ghp_0123456789abcdefghijABCDEFGHIJ0123456789",
    ):
        assert secret not in text


def test_waivers_option_waives_findings(stack: Path, tmp_path: Path) -> None:
    out = tmp_path / "evidence"

    proc = run_cli(
        "evidence",
        stack,
        "--out",
        out,
        "--policies",
        POLICIES / "rules",
        "--waivers",
        stack / ".ledgerguard-waivers.yaml",
        "--history",
        f"sqlite:///{tmp_path / 'h.db'}",
        LEDGERGUARD_TODAY="2025-03-01",
    )

    assert proc.returncode == 0, proc.stderr
    findings = json.loads((out / "evidence.json").read_text())["scan"]["findings"]
    assert [(f["resource"], f["waiver"]["owner"]) for f in findings if f["status"] == "waived"] == [
        ("aws_s3_bucket.legacy_exports", "data-platform")
    ]


def test_an_unparsable_input_is_in_the_bundle_and_exits_two(tmp_path: Path) -> None:
    out = tmp_path / "evidence"

    proc = run_cli(
        "evidence",
        FIXTURES / "terraform" / "malformed",
        "--out",
        out,
        "--history",
        f"sqlite:///{tmp_path / 'h.db'}",
    )

    assert proc.returncode == 2
    assert proc.stderr == (
        "ledgerguard: error: broken.tf:5: cannot parse HCL: the file ends inside an unclosed "
        "string, bracket or block\n"
    )
    assert "broken.tf:5" in (out / "report.html").read_text()
    assert run_cli("evidence", "verify", out).returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "{tmp}/none"], "{tmp}/none: not a directory"),
        (["{tmp}/none", "--out", "{tmp}/out"], "{tmp}/none: path not found"),
        (
            ["{stack}", "--out", "{tmp}/out", "--sign-key", "{tmp}/none.pem"],
            "{tmp}/none.pem: signing key not found",
        ),
        (
            ["{stack}", "--out", "{tmp}/out", "--sign-key", "{stack}/main.tf"],
            "{stack}/main.tf: not a PEM private key, or a wrong passphrase",
        ),
        (
            ["verify", "{tmp}", "--public-key", "{stack}/main.tf"],
            "{stack}/main.tf: not a PEM public key",
        ),
        (
            ["{stack}", "--out", "{stack}"],
            "{stack}: folder is not empty and holds no evidence bundle; refusing",
        ),
        (
            ["{stack}", "--out", "{tmp}/out", "--framework", "hipaa"],
            "unknown framework 'hipaa'; known frameworks: gdpr, pci-dss-4.0, soc2",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_two(
    args: list[str], message: str, stack: Path, tmp_path: Path
) -> None:
    fill = {"tmp": str(tmp_path), "stack": str(stack)}
    history = f"sqlite:///{tmp_path / 'h.db'}"
    extra = ["--history", history] if args[0] != "verify" else []

    proc = run_cli("evidence", *(a.format(**fill) for a in args), *extra)

    assert proc.returncode == 2
    assert proc.stderr == f"ledgerguard: error: {message.format(**fill)}\n"
    assert not (tmp_path / "out").exists()


def test_a_bad_history_url_is_one_line_without_the_password(stack: Path, tmp_path: Path) -> None:
    unknown = run_cli("evidence", stack, "--out", tmp_path / "a", "--history", "nosuchdb://host/db")
    refused = run_cli(
        "evidence",
        stack,
        "--out",
        tmp_path / "b",
        "--history",
        "postgresql+psycopg://auditor:hunter2secret@127.0.0.1:1/ledger",
    )

    assert unknown.returncode == 2
    assert unknown.stderr.startswith("ledgerguard: error: bad history URL nosuchdb://host/db: ")
    assert refused.returncode == 2
    assert refused.stderr.startswith(
        "ledgerguard: error: cannot open history store "
        "postgresql+psycopg://auditor:***@127.0.0.1:1/ledger: "
    )
    for proc in (unknown, refused):
        assert proc.stderr.count("\n") == 1
        assert "Traceback" not in proc.stderr
    assert "hunter2secret" not in refused.stderr + refused.stdout


def test_the_cli_starts_without_the_evidence_libraries() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "scanner", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert proc.returncode == 0
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines()}
    assert {"jinja2", "trestle", "sqlalchemy", "cryptography", "psycopg"} & imported == set()
