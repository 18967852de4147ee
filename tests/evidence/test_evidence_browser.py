"""`report.html` in a real browser: headless Chromium (Debian's package, offline flags) loads it
without console errors, shows the control table, prints a page per framework, and leaves a
screenshot in `test-artifacts/evidence/` for a person to look at."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.evidence.bundle import Bundle, EvidenceOptions, create_bundle
from scanner.scan import ScanOptions, load_pack
from tests.evidence.conftest import MOMENT, require
from tests.evidence.test_evidence_bundle import EXPECTED_CONTROLS, ControlRows

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "evidence"
# Offline and quiet: no network, no updates, no sync; console messages go to stderr.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    require(path is not None, "Chromium", "apt-get install chromium (bash .ci/services.sh)")
    assert path is not None
    return path


def browse(
    chromium: str, page: Path, profile: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run Chromium on `page` with `args` (`--dump-dom`, `--screenshot=...`)."""
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def console_errors(stderr: str) -> list[str]:
    """Console messages and uncaught errors Chromium logged while loading the page."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def test_the_console_check_catches_a_page_error(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>x</title><script>missingFunction();</script>\n")

    proc = browse(chromium, page, tmp_path / "profile", "--dump-dom")

    assert any("missingFunction is not defined" in line for line in console_errors(proc.stderr))


def test_report_loads_without_errors_and_shows_the_control_table(
    chromium: str, make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    make_bundle()
    report = tmp_path / "bundle" / "report.html"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "report.png"
    screenshot.unlink(missing_ok=True)

    dom = browse(chromium, report, tmp_path / "profile", "--dump-dom")
    shot = browse(
        chromium,
        report,
        tmp_path / "profile-shot",
        "--window-size=1280,1600",
        f"--screenshot={screenshot}",
    )

    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_errors(dom.stderr) == []
    rendered = ControlRows("controls-evtest")
    rendered.feed(dom.stdout)
    assert rendered.rows == EXPECTED_CONTROLS
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert console_errors(shot.stderr) == []
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_prints_a_page_per_framework(chromium: str, stack: Path, tmp_path: Path) -> None:
    pack = load_pack()
    options = EvidenceOptions(
        scan=ScanOptions(paths=[stack]),
        out=tmp_path / "bundle",
        history_url=f"sqlite:///{tmp_path / 'history.db'}",
        now=MOMENT,
    )
    create_bundle(options, pack)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / "report.pdf"
    pdf.unlink(missing_ok=True)

    proc = browse(
        chromium,
        tmp_path / "bundle" / "report.html",
        tmp_path / "profile",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
    )

    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_errors(proc.stderr) == []
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))
    # The cover, then at least one page per framework, then the scope and waivers appendix.
    assert pages >= len(pack.frameworks) + 2
