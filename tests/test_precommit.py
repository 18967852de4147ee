"""The pre-commit hook: the real `pre-commit` in a throwaway git repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from scanner.cli_gate import module_dirs
from tests.gate_support import GATE_RULES, run_cli

ROOT = Path(__file__).parents[1]
LEDGERGUARD = Path(sys.executable).parent / "ledgerguard"

BAD_QUEUE = 'resource "aws_sqs_queue" "settlements" {\n  name = "settlements"\n}\n'
GOOD_QUEUE = (
    'resource "aws_sqs_queue" "settlements" {\n'
    '  name              = "settlements"\n'
    '  kms_master_key_id = "alias/payments"\n'
    "}\n"
)


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "LEDGERGUARD_TODAY": "2025-01-15",
    }


def _run(args: list[str], repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, check=False)


def _commits(repo: Path, env: dict[str, str]) -> int:
    return int(_run(["git", "rev-list", "--count", "HEAD"], repo, env).stdout)


def test_pre_commit_blocks_a_bad_commit_and_passes_a_good_one(tmp_path: Path) -> None:
    assert LEDGERGUARD.is_file()
    env = _env(tmp_path)
    repo = tmp_path / "repo"
    (repo / "infra" / "queues").mkdir(parents=True)
    config = {
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {
                        "id": "ledgerguard",
                        "name": "ledgerguard",
                        "entry": f"{LEDGERGUARD} pre-commit --fail-on critical",
                        "args": ["--policies", str(GATE_RULES)],
                        "language": "system",
                        "files": r"\.(tf|tfvars)(\.json)?$",
                        "require_serial": True,
                    }
                ],
            }
        ]
    }
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    _run(["git", "init", "-q", "-b", "main"], repo, env)
    _run(["git", "add", ".pre-commit-config.yaml"], repo, env)
    _run(["git", "commit", "-q", "-m", "pre-commit config"], repo, env)
    install = _run([sys.executable, "-m", "pre_commit", "install"], repo, env)

    (repo / "infra" / "queues" / "main.tf").write_text(BAD_QUEUE)
    _run(["git", "add", "infra"], repo, env)
    bad = _run(["git", "commit", "-m", "unencrypted queue"], repo, env)
    commits_after_bad = _commits(repo, env)
    (repo / "infra" / "queues" / "main.tf").write_text(GOOD_QUEUE)
    _run(["git", "add", "infra"], repo, env)
    good = _run(["git", "commit", "-m", "encrypted queue"], repo, env)

    # git prints hook output on stderr.
    assert install.returncode == 0, install.stderr
    assert bad.returncode == 1
    assert re.search(r"^ledgerguard\.+Failed$", bad.stderr, re.MULTILINE), bad.stderr
    assert "LGT-SQS-001" in bad.stderr
    assert "aws_sqs_queue.settlements" in bad.stderr
    assert commits_after_bad == 1
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"^ledgerguard\.+Passed$", good.stderr, re.MULTILINE), good.stderr
    assert _commits(repo, env) == 2


def test_hook_manifest_is_valid_and_picks_terraform_files(tmp_path: Path) -> None:
    manifest = ROOT / ".pre-commit-hooks.yaml"
    check = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(manifest)],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        check=False,
    )
    (hook,) = yaml.safe_load(manifest.read_text())

    assert check.returncode == 0, check.stdout + check.stderr
    assert (hook["id"], hook["entry"], hook["language"]) == (
        "ledgerguard",
        "ledgerguard pre-commit",
        "python",
    )
    picked = [
        name
        for name in ("main.tf", "prod.tfvars", "x.tfvars.json", "README.md", "main.tf.bak")
        if re.search(hook["files"], name)
    ]
    assert picked == ["main.tf", "prod.tfvars", "x.tfvars.json"]


def test_files_map_to_their_module_directories(tmp_path: Path) -> None:
    for folder in ("app", "app/.terraform/modules/x", "docs", "vars"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "app" / "main.tf").write_text("")
    (tmp_path / "app" / ".terraform" / "modules" / "x" / "main.tf").write_text("")
    (tmp_path / "vars" / "prod.tfvars").write_text("")

    dirs = module_dirs(
        [
            tmp_path / "app" / "main.tf",
            tmp_path / "app" / "terraform.tfvars",
            tmp_path / "app" / ".terraform" / "modules" / "x" / "main.tf",
            tmp_path / "docs" / "README.md",
            tmp_path / "vars" / "prod.tfvars",
        ]
    )

    assert dirs == [tmp_path / "app"]


def test_pre_commit_without_terraform_files_passes_quietly(tmp_path: Path) -> None:
    proc = run_cli("pre-commit", "README.md", cwd=tmp_path)

    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
