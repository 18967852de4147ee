"""The policy pack is well formed: rule schema, ids, framework catalogues and their mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine.rules import load_rule, load_rules
from scanner.errors import PolicyError
from scanner.frameworks import FRAMEWORK_IDS, control_index
from scanner.scan import PolicyPack


def test_every_framework_is_shipped(pack: PolicyPack) -> None:
    assert sorted(pack.frameworks) == sorted(FRAMEWORK_IDS)


def test_catalogues_name_only_known_rules(pack: PolicyPack) -> None:
    known = {rule.id for rule in pack.rules}
    mapped = {
        rule_id for fw in pack.frameworks.values() for c in fw.controls for rule_id in c.rules
    }

    assert mapped - known == set()


def test_every_rule_evidences_a_control(pack: PolicyPack) -> None:
    index = control_index(pack.frameworks)

    assert [rule.id for rule in pack.rules if rule.id not in index] == []


def test_control_ids_are_unique_per_framework(pack: PolicyPack) -> None:
    for framework in pack.frameworks.values():
        ids = [control.id for control in framework.controls]
        assert len(ids) == len(set(ids)), framework.id


def test_rule_id_must_equal_file_name(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "policies" / "rules" / "LG-SQS-001.yaml"
    copy = tmp_path / "LG-SQS-999.yaml"
    copy.write_text(source.read_text())

    with pytest.raises(PolicyError, match="differs from the file name"):
        load_rule(copy)


def test_rule_needs_condition_or_check(tmp_path: Path) -> None:
    (tmp_path / "LG-X-001.yaml").write_text(
        "id: LG-X-001\ntitle: t\nseverity: low\ndescription: d\nremediation: r\n"
        "references: [https://example.org]\nresource_types: [aws_sqs_queue]\n"
    )

    with pytest.raises(PolicyError, match="either `condition` or `check`"):
        load_rules([tmp_path])


def test_malformed_rule_yaml_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "LG-X-001.yaml").write_text("id: LG-X-001\ntitle: [unclosed\n")

    with pytest.raises(PolicyError, match=r"LG-X-001.yaml:\d+: invalid YAML"):
        load_rules([tmp_path])
