"""Evidence over an audit period: runs on two commits of a git repository show up as two points
in the report's trend and two columns in `ledgerguard history`."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

from scanner.evidence.bundle import EvidenceOptions, create_bundle
from scanner.evidence.history import HistoryStore, format_table
from scanner.scan import PolicyPack, ScanOptions
from tests.evidence.conftest import MOMENT, PAYMENTS, POLICIES, run_cli

ENCRYPTED_ORDERS = """\
resource "aws_sqs_queue" "orders" {
  name              = "orders"
  kms_master_key_id = "alias/orders"
}
"""


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "-c",
            "user.name=Auditor",
            "-c",
            "user.email=a@example.com",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def repository(tmp_path: Path) -> Path:
    """A repository whose first commit holds the payments stack under `infra/`."""
    repo = tmp_path / "repo"
    shutil.copytree(PAYMENTS, repo / "infra")
    git(repo.parent, "init", "--quiet", str(repo))
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "payments stack")
    return repo


def encrypt_orders(repo: Path) -> None:
    main = repo / "infra" / "main.tf"
    text = main.read_text()
    plain = 'resource "aws_sqs_queue" "orders" {\n  name = "orders"\n}\n'
    main.write_text(text.replace(plain, ENCRYPTED_ORDERS))


def test_cli_runs_on_two_commits_make_two_points(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    first = git(repo, "rev-parse", "HEAD")

    one = run_cli("evidence", "infra", "--out", "evidence", cwd=repo)
    encrypt_orders(repo)
    git(repo, "commit", "--quiet", "-am", "encrypt the orders queue")
    second = git(repo, "rev-parse", "HEAD")
    two = run_cli("evidence", "infra", "--out", "evidence", cwd=repo)
    history = run_cli("history", cwd=repo / "infra")

    assert (one.returncode, two.returncode, history.returncode) == (0, 0, 0), two.stderr
    manifest = json.loads((repo / "evidence" / "manifest.json").read_text())
    assert manifest["source"] == {"paths": ["."], "git": {"commit": second, "dirty": False}}
    assert manifest["history"]["store"] == f"sqlite:///{repo / '.ledgerguard' / 'history.db'}"
    frameworks = list(manifest["frameworks"])
    report = (repo / "evidence" / "report.html").read_text()
    assert report.count('<g class="run">') == 2 * len(frameworks)
    assert f" {first[:7]}</text>" in report and f" {second[:7]}</text>" in report
    blocks = history.stdout.split("\n\n")
    assert [block.split(" in repo: ")[0] for block in blocks] == sorted(frameworks)
    for framework, block in zip(sorted(frameworks), blocks, strict=True):
        lines = block.splitlines()
        assert lines[0].startswith(f"{framework} in repo: 2 runs, ")
        assert lines[2].split() == [first[:7], second[:7]]


def test_uncommitted_changes_mark_the_run_dirty(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    encrypt_orders(repo)

    proc = run_cli("evidence", "infra", "--out", "evidence", cwd=repo)

    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((repo / "evidence" / "manifest.json").read_text())
    assert manifest["source"]["git"] == {"commit": git(repo, "rev-parse", "HEAD"), "dirty": True}


def test_a_fixed_control_shows_its_change_over_the_period(
    tmp_path: Path, test_pack: PolicyPack
) -> None:
    repo = repository(tmp_path)
    history_url = f"sqlite:///{tmp_path / 'history.db'}"

    def run(name: str, moment_offset: int) -> None:
        options = EvidenceOptions(
            scan=ScanOptions(paths=[repo / "infra"]),
            out=tmp_path / name,
            history_url=history_url,
            now=MOMENT + timedelta(days=moment_offset),
            policy_sources=[POLICIES],
        )
        create_bundle(options, test_pack)

    run("march", 0)
    first = git(repo, "rev-parse", "HEAD")
    encrypt_orders(repo)
    git(repo, "commit", "--quiet", "-am", "encrypt the orders queue")
    run("april", 31)
    second = git(repo, "rev-parse", "HEAD")

    store = HistoryStore(history_url, create=False)
    table = format_table("repo", "evtest", store.runs("repo", "evtest"))
    store.close()
    assert table == (
        "evtest in repo: 2 runs, 2025-03-01T12:00:00Z to 2025-04-01T12:00:00Z\n"
        "control  2025-03-01 12:00  2025-04-01 12:00\n"
        f"         {first[:7]}           {second[:7]}\n"
        "EV-1     passed            passed\n"
        "EV-2     failed            passed\n"
        "EV-3     failed            failed\n"
        "EV-4     no-evidence       no-evidence\n"
        "EV-5     manual            manual\n"
    )
    report = (tmp_path / "april" / "report.html").read_text()
    assert report.count('<g class="run">') == 2
    assert (
        f"2025-03-01T12:00:00Z at {first[:12]}: 2 failed, 1 passed, 1 no-evidence, 1 manual"
        in report
    )
    assert (
        f"2025-04-01T12:00:00Z at {second[:12]}: 1 failed, 2 passed, 1 no-evidence, 1 manual"
        in report
    )
