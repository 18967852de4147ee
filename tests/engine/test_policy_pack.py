"""The policy pack is well formed: rule schema, ids, framework catalogues and their mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine.rules import load_rule, load_rules
from scanner.errors import PolicyError
from scanner.frameworks import (
    FRAMEWORK_IDS,
    Control,
    Framework,
    catalogue_problems,
    control_index,
    load_frameworks,
)
from scanner.scan import PolicyPack
from tests.conftest import FIXTURES

KINDS = ("bad", "good")


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


def test_catalogue_problems_name_unknown_rules_and_unmapped_rules() -> None:
    framework = Framework(
        id="pci-dss-4.0",
        title="t",
        version="4.0",
        source="https://example.org",
        controls=[Control(id="3.5.1", title="t", rules=["LG-S3-002", "LG-NOPE-001"])],
    )

    problems = catalogue_problems({"pci-dss-4.0": framework}, {"LG-S3-002", "LG-S3-004"})

    assert problems == [
        "pci-dss-4.0 3.5.1: unknown rule LG-NOPE-001",
        "LG-S3-004: evidences no control",
    ]


def test_shipped_pack_has_no_catalogue_problems(pack: PolicyPack) -> None:
    assert catalogue_problems(pack.frameworks, {rule.id for rule in pack.rules}) == []


def test_control_listed_twice_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "soc2.yaml").write_text(
        "id: soc2\ntitle: t\nversion: '2017'\nsource: https://example.org\ncontrols:\n"
        "  - {id: CC6.1, title: a, rules: [LG-S3-002]}\n"
        "  - {id: CC6.1, title: b, manual: m}\n"
    )

    with pytest.raises(PolicyError, match=r"control CC6\.1 appears twice"):
        load_frameworks(tmp_path)


def test_rule_scope_must_be_a_known_scope(tmp_path: Path) -> None:
    (tmp_path / "LG-X-001.yaml").write_text(
        "id: LG-X-001\ntitle: t\nseverity: low\ndescription: d\nremediation: r\n"
        "references: [https://example.org]\nresource_types: [aws_sqs_queue]\n"
        "scope: secret\ncondition: {attribute: kms_master_key_id, exists: true}\n"
    )

    with pytest.raises(PolicyError, match="scope: Input should be 'any', 'cardholder'"):
        load_rules([tmp_path])


def test_pack_has_sixty_rules_each_with_both_fixtures(pack: PolicyPack) -> None:
    missing = [
        rule.id
        for rule in pack.rules
        if not all((FIXTURES / "rules" / rule.id / kind / "main.tf").is_file() for kind in KINDS)
    ]

    assert len(pack.rules) >= 60
    assert missing == []


def test_every_control_title_is_one_line_of_own_words(pack: PolicyPack) -> None:
    # Titles are short paraphrases, never pasted requirement text.
    long_titles = [
        f"{fw.id} {c.id}"
        for fw in pack.frameworks.values()
        for c in fw.controls
        if len(c.title) > 100
    ]

    assert long_titles == []
