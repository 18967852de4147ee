"""OSCAL assessment results: valid for trestle's models, and mapped as documented."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trestle.oscal.assessment_results import AssessmentResults

from scanner.evidence.bundle import Bundle
from scanner.evidence.oscal import PROP_NS, control_token, to_json


def props(element: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in element.get("props", []) if p.get("ns") == PROP_NS}


def load(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "bundle" / "oscal" / "assessment-results.json"
    return path, json.loads(path.read_text())


def test_oscal_round_trips_through_trestle(
    make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    make_bundle()
    path, _ = load(tmp_path)

    model = AssessmentResults.oscal_read(path)

    assert isinstance(model, AssessmentResults)
    assert to_json(model) == path.read_text()
    assert AssessmentResults.model_validate(model.model_dump(by_alias=True)) == model


def test_each_control_is_a_finding_with_its_status(
    make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    make_bundle()
    _, document = load(tmp_path)

    (result,) = document["assessment-results"]["results"]
    targets = {
        f["target"]["target-id"]: (props(f)["status"], f["target"].get("status"))
        for f in result["findings"]
    }
    assert targets == {
        "evtest_EV-1": ("passed", {"state": "satisfied", "reason": "pass"}),
        "evtest_EV-2": ("failed", {"state": "not-satisfied", "reason": "fail"}),
        "evtest_EV-3": ("waived", {"state": "not-satisfied", "reason": "other"}),
        "evtest_EV-4": ("no-evidence", None),
        "evtest_EV-5": ("manual", None),
    }
    selection = result["reviewed-controls"]["control-selections"]
    assert [[c["control-id"] for c in s["include-controls"]] for s in selection] == [list(targets)]


def test_each_finding_is_an_observation_of_its_resource(
    make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    bundle = make_bundle()
    _, document = load(tmp_path)

    (result,) = document["assessment-results"]["results"]
    items = {
        item["uuid"]: props(item)["resource"]
        for item in result["local-definitions"]["inventory-items"]
    }
    observed = sorted(
        (
            props(o)["rule-id"],
            props(o)["result"],
            items[o["subjects"][0]["subject-uuid"]],
            o["relevant-evidence"][0]["description"].split(" ")[0],
        )
        for o in result["observations"]
    )
    assert observed == sorted(
        (f.rule_id, f.status.value, f.resource, f"{f.file}:{f.line}")
        for f in bundle.result.findings
    )
    assert observed == [
        ("EVT-BUCKET-001", "waived", "aws_s3_bucket.legacy_exports", "main.tf:15"),
        ("EVT-QUEUE-001", "failed", "aws_sqs_queue.orders", "main.tf:6"),
        ("EVT-QUEUE-001", "passed", "aws_sqs_queue.refunds", "main.tf:10"),
        ("EVT-TOPIC-001", "passed", "aws_sns_topic.alarms", "main.tf:1"),
    ]
    failed = next(f for f in result["findings"] if f["target"]["target-id"] == "evtest_EV-2")
    related = {r["observation-uuid"] for r in failed["related-observations"]}
    assert {props(o)["rule-id"] for o in result["observations"] if o["uuid"] in related} == {
        "EVT-QUEUE-001"
    }


def test_a_waiver_is_an_approved_deviation(
    make_bundle: Callable[..., Bundle], tmp_path: Path
) -> None:
    make_bundle()
    _, document = load(tmp_path)

    (result,) = document["assessment-results"]["results"]
    (risk,) = result["risks"]
    assert risk["status"] == "deviation-approved"
    assert risk["title"] == "Waived: EVT-BUCKET-001 on aws_s3_bucket.legacy_exports"
    assert risk["deadline"] == "2025-06-30T00:00:00+00:00"
    assert props(risk) == {
        "waiver-owner": "data-platform",
        "waiver-approved-by": "qsa-liaison@example.com",
        "waiver-source": ".ledgerguard-waivers.yaml:2",
        "waiver-ticket": "SEC-42",
    }
    waived = next(f for f in result["findings"] if f["target"]["target-id"] == "evtest_EV-3")
    assert waived["related-risks"] == [{"risk-uuid": risk["uuid"]}]
    (observation,) = [
        o
        for o in result["observations"]
        if o["uuid"] == risk["related-observations"][0]["observation-uuid"]
    ]
    assert props(observation)["result"] == "waived"


def test_control_tokens_are_oscal_tokens() -> None:
    assert control_token("pci-dss-4.0", "7.2.1") == "pci-dss-4.0_7.2.1"
    assert control_token("soc2", "CC6.1") == "soc2_CC6.1"
    assert control_token("gdpr", "Art. 32(1)") == "gdpr_Art.-32-1-"
