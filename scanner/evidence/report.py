"""The auditor's HTML report: one self-contained page rendered from `templates/report/`.

The page carries its CSS inline and loads nothing (no script, font or image from anywhere),
so it opens offline, archives as one file, and prints with a page per framework.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from scanner.evidence.document import EvidenceDocument
from scanner.evidence.history import RunColumn
from scanner.evidence.rollup import ControlResult, ControlStatus, FrameworkResult
from scanner.evidence.trend import STACK_ORDER, TrendChart, trend_chart
from scanner.model import Finding, Status
from scanner.policies import data_dir
from scanner.redact import redact


@dataclass
class RuleEvidence:
    """One rule under a control, with the findings it produced."""

    id: str
    title: str
    findings: list[Finding]


@dataclass
class ControlView:
    """A control row of the report."""

    control: ControlResult
    rules: list[RuleEvidence]


@dataclass
class FrameworkView:
    """A framework section of the report: its controls and its trend."""

    framework: FrameworkResult
    controls: list[ControlView]
    trend: TrendChart


def render_report(
    document: EvidenceDocument,
    history: dict[str, list[RunColumn]],
    rule_titles: dict[str, str],
    history_url: str,
) -> str:
    """The report page for `document`, with each framework's trend from `history`."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(data_dir("templates") / "report"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in document.scan.findings:
        by_rule[finding.rule_id].append(finding)
    titles = {**rule_titles, **{f.rule_id: f.title for f in document.scan.findings}}
    frameworks = [
        FrameworkView(
            framework=framework,
            controls=[_control_view(c, by_rule, titles) for c in framework.controls],
            trend=trend_chart(history.get(framework.id, [])),
        )
        for framework in document.frameworks
    ]
    context: dict[str, Any] = {
        "document": document,
        "frameworks": frameworks,
        "waived": [f for f in document.scan.findings if f.status == Status.WAIVED],
        "statuses": list(ControlStatus),
        "stack_order": [status.value for status in STACK_ORDER],
        "history_url": history_url,
    }
    return redact(environment.get_template("report.html.j2").render(context))


def _control_view(
    control: ControlResult, by_rule: dict[str, list[Finding]], titles: dict[str, str]
) -> ControlView:
    rules = [
        RuleEvidence(rule_id, titles.get(rule_id, "rule not in the loaded policy pack"), [])
        for rule_id in control.rules
    ]
    for rule in rules:
        rule.findings = sorted(
            by_rule.get(rule.id, []),
            key=lambda f: (_STATUS_ORDER[f.status], f.file, f.line, f.resource),
        )
    return ControlView(control=control, rules=rules)


_STATUS_ORDER = {Status.FAILED: 0, Status.WAIVED: 1, Status.PASSED: 2}
