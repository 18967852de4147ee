"""The evidence bundle: manifest, evidence.json, report.html, and their determinism."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

from scanner import __version__
from scanner.evidence.bundle import Bundle
from scanner.evidence.document import EvidenceDocument
from scanner.evidence.history import HistoryStore
from scanner.evidence.report import render_report
from scanner.model import ScopeGrant
from tests.evidence.conftest import MOMENT, POLICIES

EXPECTED_CONTROLS = [
    ("EV-1", "passed"),
    ("EV-2", "failed"),
    ("EV-3", "waived"),
    ("EV-4", "no-evidence"),
    ("EV-5", "manual"),
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pack_digest() -> str:
    """The documented policy-pack digest, recomputed: `<dir index>/<path>\\t<sha256>` lines."""
    files = sorted(p for p in POLICIES.rglob("*") if p.is_file())
    lines = "".join(f"0/{p.relative_to(POLICIES).as_posix()}\t{sha256(p)}\n" for p in files)
    return hashlib.sha256(lines.encode()).hexdigest()


BLOCKS = {"td", "th", "tr", "li", "p", "div", "br", "dd", "dt", "h1", "h2", "h3"}


class ControlRows(HTMLParser):
    """The (control, status) of each row of one report table, and the page's text."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.inside = False
        self.rows: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self.text.append(" ")
        found = dict(attrs)
        if tag == "table":
            self.inside = found.get("id") == self.table_id
        if tag == "tr" and self.inside and "data-control" in found:
            self.rows.append((found["data-control"] or "", found["data-status"] or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_report(path: Path, table_id: str = "controls-evtest") -> ControlRows:
    parser = ControlRows(table_id)
    parser.feed(path.read_text())
    return parser


def test_manifest_hashes_every_output_and_input_and_records_provenance(
    make_bundle: Callable[..., Bundle], stack: Path, history_url: str, tmp_path: Path
) -> None:
    make_bundle()
    out = tmp_path / "bundle"

    manifest = json.loads((out / "manifest.json").read_text())
    store = HistoryStore(history_url, create=False)
    (run,) = store.runs("stack", "evtest")
    problems, records, head = store.verify()
    store.close()
    assert manifest == {
        "format": "ledgerguard-evidence/1",
        "created": "2025-03-01T12:00:00Z",
        "tool": {"name": "ledgerguard", "version": __version__},
        "policy_pack": {"sha256": pack_digest(), "files": 5},
        "frameworks": {"evtest": "1.0"},
        "source": {"paths": ["."], "git": None},
        "history": {
            "store": history_url,
            "project": "stack",
            "run_id": run.run_id,
            "head": head,
        },
        "outputs": {
            "evidence.json": sha256(out / "evidence.json"),
            "oscal/assessment-results.json": sha256(out / "oscal" / "assessment-results.json"),
            "report.html": sha256(out / "report.html"),
        },
        "inputs": {
            ".ledgerguard-waivers.yaml": sha256(stack / ".ledgerguard-waivers.yaml"),
            "main.tf": sha256(stack / "main.tf"),
        },
        "signature": None,
    }
    assert uuid.UUID(run.run_id).version == 4
    assert (problems, records) == ([], 5)
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == [
        "assessment-results.json",
        "evidence.json",
        "manifest.json",
        "report.html",
    ]


def test_evidence_json_holds_the_scan_and_the_control_roll_up(
    make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    make_bundle()

    document = json.loads((tmp_path / "bundle" / "evidence.json").read_text())
    assert list(document) == [
        "generated",
        "tool",
        "source",
        "policy_pack",
        "frameworks",
        "scan",
    ]
    (framework,) = document["frameworks"]
    assert framework["coverage"] == {"controls": 5, "automated": 4, "partial": 0, "manual": 1}
    assert framework["status_counts"] == {
        "failed": 1,
        "waived": 1,
        "passed": 1,
        "no-evidence": 1,
        "manual": 1,
    }
    assert [
        (c["id"], c["status"], c["failed"], c["waived"], c["passed"]) for c in framework["controls"]
    ] == [
        ("EV-1", "passed", 0, 0, 1),
        ("EV-2", "failed", 1, 0, 1),
        ("EV-3", "waived", 0, 1, 1),
        ("EV-4", "no-evidence", 0, 0, 0),
        ("EV-5", "manual", 0, 0, 0),
    ]
    assert framework["controls"][1]["findings"] == [
        {
            "rule_id": "EVT-QUEUE-001",
            "resource": "aws_sqs_queue.orders",
            "file": "main.tf",
            "line": 6,
            "status": "failed",
        },
        {
            "rule_id": "EVT-QUEUE-001",
            "resource": "aws_sqs_queue.refunds",
            "file": "main.tf",
            "line": 10,
            "status": "passed",
        },
    ]
    assert framework["controls"][4]["manual"] == (
        "The incident response plan and its last test report."
    )
    waived = [f for f in document["scan"]["findings"] if f["status"] == "waived"]
    assert [(f["rule_id"], f["resource"], f["waiver"]["owner"]) for f in waived] == [
        ("EVT-BUCKET-001", "aws_s3_bucket.legacy_exports", "data-platform")
    ]


def test_report_shows_every_control_with_its_evidence(
    make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    make_bundle()

    report = parse_report(tmp_path / "bundle" / "report.html")
    text = " ".join("".join(report.text).split())
    assert report.rows == EXPECTED_CONTROLS
    assert "failed: aws_sqs_queue.orders at main.tf:6:" in text
    assert "passed: aws_sns_topic.alarms at main.tf:1" in text
    assert (
        "Waived: owner data-platform, approved by qsa-liaison@example.com, expires 2025-06-30, "
        "ticket SEC-42." in text
    )
    assert "Manual evidence: The incident response plan and its last test report." in text
    assert (
        "5 controls: 4 automated (evidenced by rules on the infrastructure code), 0 partly "
        "automated (rules plus evidence a person supplies), 1 manual" in text
    )
    assert "No scope grants were found" in text


def test_report_is_self_contained(make_bundle: Callable[..., Bundle], tmp_path: Path) -> None:
    make_bundle()

    html = (tmp_path / "bundle" / "report.html").read_text()
    references = re.findall(r"""(?:src|href|xlink:href)\s*=\s*["']([^"']*)""", html)
    assert all(ref.startswith("#") for ref in references), references
    assert not re.search(r"url\(|@import|<script|<link|<img|<iframe", html, re.IGNORECASE)
    assert "default-src 'none'" in html
    assert "@media print" in html


def test_trend_chart_has_one_bar_per_run(
    make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    make_bundle("first")
    make_bundle("second", MOMENT + timedelta(days=1))

    first = (tmp_path / "first" / "report.html").read_text()
    second = (tmp_path / "second" / "report.html").read_text()
    assert first.count('<g class="run">') == 1
    assert second.count('<g class="run">') == 2
    assert (
        "2025-03-02T12:00:00Z at no commit: 1 failed, 1 waived, 1 passed, 1 no-evidence, "
        "1 manual" in second
    )


def test_trend_counts_only_the_runs_of_its_project(
    make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    make_bundle("cards", project="cards")
    make_bundle("payments", MOMENT + timedelta(days=1), project="payments")

    report = (tmp_path / "payments" / "report.html").read_text()
    assert report.count('<g class="run">') == 1


def test_report_renders_scope_grants(make_bundle: Callable[..., Bundle], tmp_path: Path) -> None:
    make_bundle()
    document = EvidenceDocument.model_validate_json(
        (tmp_path / "bundle" / "evidence.json").read_text()
    )
    document.scan.scope = [
        ScopeGrant(
            resource="aws_dynamodb_table.cards",
            classification="cardholder",
            principal="aws_iam_role.authorizer",
            access="read",
            actions=["dynamodb:GetItem", "dynamodb:Query"],
            file="iam.tf",
            line=12,
        )
    ]

    html = render_report(document, {}, {}, "sqlite:///history.db")
    text = " ".join("".join(parse_report_text(html)).split())
    assert (
        "aws_dynamodb_table.cards cardholder aws_iam_role.authorizer read dynamodb:GetItem, "
        "dynamodb:Query iam.tf:12" in text
    )
    assert "No scope grants were found" not in text
    assert "No history for this framework yet" in text


def parse_report_text(html: str) -> list[str]:
    parser = ControlRows("none")
    parser.feed(html)
    return parser.text


def test_two_runs_on_the_same_input_differ_only_in_timestamps(
    make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    make_bundle("first")
    make_bundle("second", MOMENT + timedelta(hours=5))

    def normalized(name: str, path: str) -> str:
        text = (tmp_path / name / path).read_text()
        text = text.replace("2025-03-01T12:00:00Z", "TIME").replace("2025-03-01T17:00:00Z", "TIME")
        return text.replace("2025-03-01T12:00:00+00:00", "TIME").replace(
            "2025-03-01T17:00:00+00:00", "TIME"
        )

    oscal = "oscal/assessment-results.json"
    assert normalized("first", oscal) == normalized("second", oscal)
    assert normalized("first", "evidence.json") == normalized("second", "evidence.json")
    assert (tmp_path / "first" / oscal).read_text() != (tmp_path / "second" / oscal).read_text()


def test_a_later_run_overwrites_an_earlier_bundle_and_drops_its_signature(
    make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    make_bundle()
    (tmp_path / "bundle" / "manifest.sig").write_text("stale\n")

    make_bundle(moment=MOMENT + timedelta(days=1))

    assert not (tmp_path / "bundle" / "manifest.sig").exists()
    manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text())
    assert manifest["created"] == "2025-03-02T12:00:00Z"
