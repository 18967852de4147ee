"""The CI templates in templates/ci/: their commands run, and they point at the files written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.outputs import OutputFormat
from tests.conftest import FIXTURES

TEMPLATES = Path(__file__).parents[1] / "templates" / "ci"
REPORT_DIR = "ledgerguard-report"


def _load(name: str) -> Any:
    return yaml.safe_load((TEMPLATES / name).read_text())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository holding one non-compliant module, as a pipeline would check it out."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "rules" / "LG-S3-001" / "bad", root / "infra")
    return root


def _shell(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env={"PATH": path, "HOME": str(cwd), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_github_workflow_uploads_the_sarif_the_scan_writes(repo: Path, tmp_path: Path) -> None:
    workflow = _load("github-actions.yml")
    steps = {
        step.get("name", step.get("uses")): step
        for step in workflow["jobs"]["ledgerguard"]["steps"]
    }
    outputs = tmp_path / "github-output"

    scan = _shell(steps["Scan"]["run"], repo, GITHUB_OUTPUT=str(outputs))

    assert workflow["permissions"]["security-events"] == "write"
    upload = steps["Upload SARIF to code scanning"]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["if"] == "always()"
    assert upload["with"]["sarif_file"] == f"{REPORT_DIR}/{OutputFormat.SARIF.file_name}"
    assert scan.returncode == 0, scan.stderr
    assert outputs.read_text() == "exit-code=1\n"
    assert (repo / upload["with"]["sarif_file"]).is_file()
    summary = steps["Job summary"]["run"]
    assert f"{REPORT_DIR}/{OutputFormat.MARKDOWN.file_name}" in summary
    assert (repo / REPORT_DIR / OutputFormat.MARKDOWN.file_name).is_file()


def test_gitlab_job_publishes_the_junit_the_scan_writes(repo: Path) -> None:
    job = _load("gitlab-ci.yml")["ledgerguard"]
    scan_command = job["script"][1]

    scan = _shell(scan_command, repo, LEDGERGUARD_FAIL_ON="high")
    note = _shell(job["after_script"][0], repo)

    junit = job["artifacts"]["reports"]["junit"]
    assert junit == f"{REPORT_DIR}/{OutputFormat.JUNIT.file_name}"
    assert job["artifacts"]["when"] == "always"
    assert scan.returncode == 1, scan.stderr
    assert (repo / junit).is_file()
    assert (repo / REPORT_DIR / OutputFormat.MARKDOWN.file_name).is_file()
    # Without a token the comment step does nothing, and says nothing.
    assert (note.returncode, note.stdout, note.stderr) == (0, "", "")
