"""Every rule fails exactly the `fail_*` resources of its bad fixture and none of its good one."""

from __future__ import annotations

import re

import pytest

from scanner.model import Status
from scanner.policies import rules_dir
from scanner.scan import PolicyPack
from tests.conftest import FIXTURES, failed, scan

RULE_IDS = sorted(path.stem for path in rules_dir().glob("*.yaml"))
RESOURCE_NAME = re.compile(r'^(?:resource|data)\s+"[^"]+"\s+"([^"]+)"', re.MULTILINE)


def _named(directory: object, prefix: str) -> set[str]:
    names = set()
    for path in sorted(FIXTURES.joinpath("rules").glob(f"{directory}/*.tf")):
        names |= {n for n in RESOURCE_NAME.findall(path.read_text()) if n.startswith(prefix)}
    return names


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_bad_fixture_fails_exactly_the_fail_resources(rule_id: str, pack: PolicyPack) -> None:
    bad = FIXTURES / "rules" / rule_id / "bad"
    result = scan([bad], pack, [rule_id])

    assert result.errors == []
    assert {f.resource.split(".")[-1] for f in failed(result)} == _named(f"{rule_id}/bad", "fail_")


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_good_fixture_passes_every_pass_resource(rule_id: str, pack: PolicyPack) -> None:
    good = FIXTURES / "rules" / rule_id / "good"
    result = scan([good], pack, [rule_id])

    assert result.errors == []
    assert [f for f in result.findings if f.status == Status.FAILED] == []
    passed = {f.resource.split(".")[-1] for f in result.findings if f.status == Status.PASSED}
    assert passed == _named(f"{rule_id}/good", "pass_")
