"""Run rules over the resources they apply to and turn outcomes into findings."""

from __future__ import annotations

from scanner.engine.checks import get_check
from scanner.engine.conditions import Outcome, evaluate
from scanner.engine.graph import Graph
from scanner.engine.rules import Rule
from scanner.engine.scope import in_scope
from scanner.fingerprint import fingerprint, resource_digest
from scanner.model import ControlRef, Finding, Resource, Severity, Status
from scanner.redact import redact


def run_rules(
    rules: list[Rule], graph: Graph, controls: dict[str, list[ControlRef]]
) -> list[Finding]:
    """One finding per rule and resource it applies to, passed or failed, in a stable order.

    A rule with a `scope` applies only to resources in that data-classification scope.
    """
    findings = []
    digests: dict[str, str] = {}
    for rule in rules:
        for resource in graph.of_type(rule.resource_types):
            if rule.scope != "any" and not in_scope(rule.scope, resource, graph):
                continue
            outcome = _outcome(rule, resource, graph)
            if resource.address not in digests:
                digests[resource.address] = resource_digest(resource)
            finding = _finding(rule, resource, outcome, controls.get(rule.id, []))
            finding.fingerprint = fingerprint(rule.id, resource.address, digests[resource.address])
            findings.append(finding)
    findings.sort(key=lambda f: (f.file, f.line, f.resource, f.rule_id))
    return findings


def _outcome(rule: Rule, resource: Resource, graph: Graph) -> Outcome:
    if rule.condition is not None:
        return evaluate(rule.condition, resource, graph)
    assert rule.check is not None
    result: Outcome = get_check(rule.check)(resource, graph, rule.params)
    return result


def _finding(
    rule: Rule, resource: Resource, outcome: Outcome, controls: list[ControlRef]
) -> Finding:
    if outcome.passed is None:
        # A value the rule needs is unknown: report it as a low-severity failure so that it is
        # seen and can be waived, rather than letting it pass silently.
        status, severity, message = Status.FAILED, Severity.LOW, f"cannot verify: {outcome.message}"
    elif outcome.passed:
        status, severity, message = Status.PASSED, rule.severity, outcome.message
    else:
        status, severity, message = Status.FAILED, rule.severity, outcome.message
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        severity=severity,
        status=status,
        resource=resource.address,
        resource_type=resource.type,
        file=resource.location.file,
        line=resource.location.line,
        controls=controls,
        message=redact(message),
        cannot_verify=outcome.passed is None,
    )
