"""The built wheel carries the policy pack and works outside the source tree."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installs_and_scans_outside_the_tree(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("ledgerguard-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The wheel itself is unpacked by pip without dependencies; its dependencies come from this
    # test environment's site-packages, added after the new environment's own (no network).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    fixture = tmp_path / "iac"
    fixture.mkdir()
    (fixture / "main.tf").write_text('resource "aws_sns_topic" "alarms" {\n  name = "alarms"\n}\n')

    proc = subprocess.run(
        [
            python,
            "-c",
            "import scanner, sys; print(scanner.__file__); "
            "sys.argv = ['ledgerguard', 'scan', 'iac', '--format', 'json']; "
            "from scanner.cli import main; main()",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )

    installed_at, _, report = proc.stdout.partition("\n")
    assert installed_at.startswith(str(site))
    assert proc.returncode == 1, proc.stderr
    assert '"rule_id": "LG-SNS-001"' in report
    assert (
        site / "scanner" / "_bundled" / "policies" / "frameworks" / "pci-dss-4.0.yaml"
    ).is_file()
