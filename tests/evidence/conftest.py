"""Fixtures of the evidence tests: a dedicated policy pack (four rules, one framework) and a
small Terraform stack whose controls come out passed, failed, waived, no-evidence and manual,
so the tests do not depend on the built-in rules, which change as the pack grows."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scanner.engine.rules import load_rules
from scanner.evidence.bundle import Bundle, EvidenceOptions, create_bundle
from scanner.frameworks import load_frameworks
from scanner.scan import PolicyPack, ScanOptions

HERE = Path(__file__).parent
POLICIES = HERE / "policies"
PAYMENTS = HERE / "fixtures" / "payments"
MOMENT = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
WAIVERS = """\
waivers:
  - rule_id: EVT-BUCKET-001
    resource: aws_s3_bucket.legacy_exports
    reason: Exports are rewritten nightly from the ledger; object lock lands with the new bucket
    owner: data-platform
    approved_by: qsa-liaison@example.com
    ticket: SEC-42
    expires: 2025-06-30
"""


def require(available: bool, what: str, how: str) -> None:
    """Skip when `what` is missing on a developer machine; fail in CI (env CI set), where
    `.ci/services.sh` provides it, so the test never goes silently unrun there."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI but missing: {how}")
    pytest.skip(f"{what} not available: {how}")


def run_cli(
    *args: str | Path, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m scanner ARGS` as users run it, with extra environment variables."""
    environment = dict(os.environ)
    environment.pop("LEDGERGUARD_HISTORY_URL", None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "scanner", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        check=False,
    )


@pytest.fixture(scope="session")
def test_pack() -> PolicyPack:
    """The evidence tests' own policy pack."""
    return PolicyPack(load_rules([POLICIES / "rules"]), load_frameworks(POLICIES / "frameworks"))


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    """A copy of the payments stack with its waivers file, in its own folder."""
    target = tmp_path / "stack"
    shutil.copytree(PAYMENTS, target)
    (target / ".ledgerguard-waivers.yaml").write_text(WAIVERS)
    return target


@pytest.fixture
def history_url(tmp_path: Path) -> str:
    """A fresh SQLite history store."""
    return f"sqlite:///{tmp_path / 'history.db'}"


@pytest.fixture
def make_bundle(
    stack: Path, history_url: str, test_pack: PolicyPack, tmp_path: Path
) -> Callable[..., Bundle]:
    """Write a bundle of `stack` to `tmp_path/NAME` with the test pack at a pinned time."""

    def make(
        name: str = "bundle",
        moment: datetime = MOMENT,
        sign_key: Path | None = None,
        project: str | None = None,
    ) -> Bundle:
        options = EvidenceOptions(
            scan=ScanOptions(paths=[stack], waivers=stack / ".ledgerguard-waivers.yaml"),
            out=tmp_path / name,
            history_url=history_url,
            sign_key=sign_key,
            project=project,
            now=moment,
            policy_sources=[POLICIES],
        )
        return create_bundle(options, test_pack)

    return make
