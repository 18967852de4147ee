"""The control roll-up's rules, on a real scan of the test stack."""

from __future__ import annotations

from pathlib import Path

from scanner.evidence.rollup import ControlStatus, roll_up
from scanner.frameworks import Control, Framework
from scanner.scan import PolicyPack, ScanOptions, run_scan
from tests.evidence.conftest import MOMENT


def framework(*controls: Control) -> Framework:
    return Framework(id="fw", title="Framework", version="1", source="-", controls=list(controls))


def test_statuses_follow_the_worst_finding_of_the_controls_rules(
    stack: Path, test_pack: PolicyPack
) -> None:
    result = run_scan(ScanOptions(paths=[stack]), test_pack)  # no waivers: the bucket fails
    catalogue = framework(
        Control(id="A", title="a", rules=["EVT-TOPIC-001"]),
        Control(id="B", title="b", rules=["EVT-TOPIC-001", "EVT-QUEUE-001"]),
        Control(id="C", title="c", rules=["EVT-TABLE-001"]),
        Control(id="D", title="d", rules=["EVT-TOPIC-001"], manual="Key ceremony records."),
        Control(id="E", title="e", manual="Signed policy."),
        Control(id="F", title="f", rules=["EVT-NOT-LOADED-001"]),
    )

    (rolled,) = roll_up(result, [catalogue])

    assert [(c.id, c.status, c.failed, c.passed) for c in rolled.controls] == [
        ("A", ControlStatus.PASSED, 0, 1),
        ("B", ControlStatus.FAILED, 1, 2),
        ("C", ControlStatus.NO_EVIDENCE, 0, 0),
        ("D", ControlStatus.PASSED, 0, 1),
        ("E", ControlStatus.MANUAL, 0, 0),
        ("F", ControlStatus.NO_EVIDENCE, 0, 0),
    ]
    assert rolled.controls[3].manual == "Key ceremony records."
    assert rolled.coverage.model_dump() == {
        "controls": 6,
        "automated": 4,
        "partial": 1,
        "manual": 1,
    }


def test_a_waiver_beside_passes_makes_the_control_waived(
    stack: Path, test_pack: PolicyPack
) -> None:
    waivers = stack / ".ledgerguard-waivers.yaml"
    result = run_scan(ScanOptions(paths=[stack], waivers=waivers, today=MOMENT.date()), test_pack)
    catalogue = framework(Control(id="A", title="a", rules=["EVT-BUCKET-001", "EVT-TOPIC-001"]))

    (rolled,) = roll_up(result, [catalogue])

    assert (rolled.controls[0].status, rolled.controls[0].waived) == (ControlStatus.WAIVED, 1)
