"""docs/rules.md matches the policy pack, and the coverage table says what each control needs."""

from __future__ import annotations

from pathlib import Path

from scanner.docs import coverage_text, rules_markdown
from scanner.frameworks import Control, Framework
from scanner.scan import PolicyPack

DOCS = Path(__file__).parents[1] / "docs" / "rules.md"


def test_rules_page_is_up_to_date(pack: PolicyPack) -> None:
    stale = "docs/rules.md is stale; regenerate it: python -m scanner.docs > docs/rules.md"
    assert DOCS.read_text(encoding="utf-8") == rules_markdown(pack), stale


def test_coverage_text_counts_automated_partial_and_manual_controls() -> None:
    framework = Framework(
        id="soc2",
        title="SOC 2",
        version="2017",
        source="https://example.org",
        controls=[
            Control(id="CC6.1", title="Access is restricted", rules=["LG-S3-002", "LG-KMS-001"]),
            Control(id="CC6.2", title="Users are registered", rules=["LG-IAM-052"], manual="HR"),
            Control(id="CC1.4", title="People are competent", manual="Training records."),
        ],
    )

    assert coverage_text(framework) == (
        "soc2: SOC 2 2017\n"
        "\n"
        "CC6.1  automated  Access is restricted\n"
        "                  rules: LG-S3-002, LG-KMS-001\n"
        "CC6.2  partial    Users are registered\n"
        "                  rules: LG-IAM-052\n"
        "                  manual: HR\n"
        "CC1.4  manual     People are competent\n"
        "                  manual: Training records.\n"
        "\n"
        "3 controls: 1 automated, 1 partly automated (rules plus manual evidence), 1 manual\n"
    )


def test_rules_framework_prints_the_coverage_table(pack: PolicyPack) -> None:
    from tests.test_cli import run

    proc = run("rules", "--framework", "gdpr")

    assert proc.returncode == 0
    assert proc.stdout == coverage_text(pack.frameworks["gdpr"])
    assert proc.stdout.splitlines()[-1].startswith(
        f"{len(pack.frameworks['gdpr'].controls)} controls: "
    )
