"""Checks over IAM policy documents attached to identities: wildcards, admin, NotAction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scanner.engine.conditions import Outcome
from scanner.engine.graph import Graph
from scanner.iam.documents import NotAPolicy, parse_policy
from scanner.model import PolicyDocument, Resource, Statement
from scanner.values import Unknown

# Where each identity-policy resource type keeps its policy documents.
POLICY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_iam_policy": ("policy",),
    "aws_iam_role_policy": ("policy",),
    "aws_iam_user_policy": ("policy",),
    "aws_iam_group_policy": ("policy",),
    "aws_iam_role": ("inline_policy.policy",),
}


def identity_documents(resource: Resource) -> Iterator[tuple[str, PolicyDocument | Unknown]]:
    """Each (label, document) of an identity policy resource; Unknown when unresolvable.

    A document that is present but malformed is yielded as an Unknown with the reason.
    """
    from scanner.engine.conditions import lookup

    for path in POLICY_ATTRIBUTES.get(resource.type, ()):
        for value in lookup(resource.attributes, path):
            try:
                document = parse_policy(value)
            except NotAPolicy as exc:
                yield path, Unknown(str(exc))
                continue
            if document is not None:
                yield path, document


def _statement_issues(
    resource: Resource, predicate: Callable[[Statement, PolicyDocument], str | None]
) -> Outcome:
    problems: list[str] = []
    unknown: list[str] = []
    for _path, document in identity_documents(resource):
        if isinstance(document, Unknown):
            unknown.append(f"policy is `{document.expr}`, which cannot be resolved")
            continue
        for number, statement in enumerate(document.statements, start=1):
            if statement.effect != "Allow":
                continue
            label = f"statement {statement.sid or number}"
            found = predicate(statement, document)
            if found == "unknown":
                unknown.append(f"{label} uses values that cannot be resolved")
            elif found:
                problems.append(f"{label} {found}")
    if problems:
        return Outcome(False, "; ".join(problems))
    if unknown:
        return Outcome(None, "; ".join(unknown))
    return Outcome(True, "no statement matches")


def _wildcards(values: list[str]) -> list[str]:
    return [v for v in values if v == "*" or v.endswith(":*")]


def _unresolved(values: list[str], document: PolicyDocument) -> bool:
    return any(value in document.unresolved for value in values)


def wildcard_actions(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail on Allow statements granting `*` or a whole service (`s3:*`)."""

    def predicate(statement: Statement, document: PolicyDocument) -> str | None:
        found = _wildcards(statement.action)
        if found:
            return "allows " + ", ".join(f"`{a}`" for a in sorted(set(found)))
        return "unknown" if _unresolved(statement.action, document) else None

    return _statement_issues(resource, predicate)


def full_admin(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail on Allow statements granting every action on every resource."""

    def predicate(statement: Statement, document: PolicyDocument) -> str | None:
        if "*" in statement.action and "*" in statement.resource and not statement.condition:
            return "allows `*` on `*` (full administrator access)"
        fields = statement.action + statement.resource
        return "unknown" if _unresolved(fields, document) else None

    return _statement_issues(resource, predicate)


def allow_not_action(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail on Allow statements using NotAction or NotResource (they grant by exclusion)."""

    def predicate(statement: Statement, document: PolicyDocument) -> str | None:
        used = [
            name
            for name, v in (
                ("NotAction", statement.not_action),
                ("NotResource", statement.not_resource),
            )
            if v
        ]
        return f"allows with {' and '.join(used)}" if used else None

    return _statement_issues(resource, predicate)
