"""IAM checks: per-document ones (wildcards, admin, NotAction, unknown action names) and
effective-permission ones on each role, user and group (`scanner.iam`).

The effective-permission checks report on the principal and name, in the message, the statement
that grants each risky permission with its policy's file and line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from scanner.engine.conditions import Outcome, lookup
from scanner.engine.graph import Graph
from scanner.iam.documents import NotAPolicy, parse_policy
from scanner.model import PolicyDocument, Resource, Statement
from scanner.values import Unknown

if TYPE_CHECKING:
    from scanner.iam.effective import Permissions
    from scanner.iam.risks import Problem

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


# Where any resource type keeps policy documents of any kind, for the action-name check.
ALL_POLICY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    **POLICY_ATTRIBUTES,
    "aws_iam_role": ("inline_policy.policy", "assume_role_policy"),
}


def unknown_actions(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail on Action or NotAction entries that name no documented action (typos)."""
    from scanner.iam.actions import check_entry
    from scanner.iam.resource_policies import POLICY_HOLDERS

    paths = ALL_POLICY_ATTRIBUTES.get(resource.type) or (POLICY_HOLDERS[resource.type],)
    problems: list[str] = []
    unknown: list[str] = []
    for path in paths:
        for value in lookup(resource.attributes, path):
            try:
                document = parse_policy(value)
            except NotAPolicy as exc:
                unknown.append(str(exc))
                continue
            if isinstance(document, Unknown):
                unknown.append(f"policy `{document.expr}` cannot be resolved")
                continue
            if document is None:
                continue
            for number, statement in enumerate(document.statements, 1):
                label = f'statement "{statement.sid}"' if statement.sid else f"statement {number}"
                for entry in [*statement.action, *statement.not_action]:
                    if entry in document.unresolved:
                        unknown.append(f"{label}: action `{entry}` cannot be resolved")
                    elif (problem := check_entry(entry)) is not None:
                        problems.append(f"{label}: {problem.message}")
    if problems:
        return Outcome(False, "; ".join(problems))
    if unknown:
        return Outcome(None, "; ".join(unknown))
    return Outcome(True, "every action names a documented IAM action")


# ---- effective permissions of a role, user or group --------------------------------------


def _permissions(resource: Resource, graph: Graph) -> Permissions:
    from scanner.iam.effective import context

    return context(graph).permissions(resource)


def _verdict(permissions: Permissions, problems: list[Problem], passed: str) -> Outcome:
    """Failed on a certain problem, cannot verify on a doubtful one or an unreadable policy."""
    certain = [p.message for p in problems if p.certain]
    if certain:
        text = "; ".join(certain)
        if permissions.caps_unknown:
            return Outcome(None, f"{text}, unless {' or '.join(permissions.caps_unknown)}")
        return Outcome(False, text)
    doubts = [p.message for p in problems] + permissions.incomplete
    if doubts:
        return Outcome(None, "; ".join(doubts))
    if not permissions.grants and not permissions.unanalysed:
        return Outcome(True, "has no permissions")
    if permissions.unanalysed:
        shown = ", ".join(permissions.unanalysed)
        passed += f" (AWS-managed {shown} not analysed: ledgerguard does not hold its document)"
    return Outcome(True, passed)


def admin_access(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail when the principal's effective permissions allow every action on every resource."""
    from scanner.iam.conditions import Narrowing
    from scanner.iam.effective import context
    from scanner.iam.risks import full_admin

    permissions = _permissions(resource, graph)
    problems = full_admin(permissions, context(graph).db, Narrowing.NONE)
    return _verdict(permissions, problems, "has no administrator access")


def service_wildcard_access(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail when a wildcard or NotAction grant covers every action of a service."""
    from scanner.iam.effective import context
    from scanner.iam.risks import service_wildcards

    permissions = _permissions(resource, graph)
    problems = service_wildcards(permissions, context(graph).db)
    return _verdict(permissions, problems, "is granted no whole service")


def access_on_everything(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail on actions of `params.access_level` granted on every resource (`*`)."""
    from scanner.iam.conditions import Narrowing
    from scanner.iam.effective import context
    from scanner.iam.risks import on_everything

    level = params["access_level"]
    permissions = _permissions(resource, graph)
    problems = on_everything(permissions, context(graph).db, level, Narrowing.NONE)
    return _verdict(permissions, problems, f"has no {level} action on every resource")


def privilege_escalation(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail when the principal's permissions, across all its policies, form an escalation path."""
    from scanner.iam.conditions import Narrowing
    from scanner.iam.escalation import escalation

    permissions = _permissions(resource, graph)
    problems = escalation(permissions, Narrowing.NONE)
    return _verdict(permissions, problems, "has no known privilege-escalation path")


def data_exfiltration(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail when the principal can read objects, secrets, parameters or items everywhere."""
    from scanner.iam.conditions import Narrowing
    from scanner.iam.effective import context
    from scanner.iam.risks import exfiltration

    permissions = _permissions(resource, graph)
    problems = exfiltration(permissions, context(graph).db, Narrowing.NONE)
    return _verdict(permissions, problems, "cannot read data from every resource")


def credentials_exposure(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail when the principal can create or fetch credentials for other identities."""
    from scanner.iam.conditions import Narrowing
    from scanner.iam.effective import context
    from scanner.iam.risks import credentials

    permissions = _permissions(resource, graph)
    problems = credentials(permissions, context(graph).db, Narrowing.NONE)
    return _verdict(permissions, problems, "cannot obtain credentials of other identities")


def limited_high_risk(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail on the risks of LG-IAM-010..022 granted behind a request-context condition only."""
    from scanner.iam.actions import PERMISSIONS, TAGGING, WRITE
    from scanner.iam.conditions import Narrowing
    from scanner.iam.effective import context
    from scanner.iam.escalation import escalation
    from scanner.iam.risks import credentials, exfiltration, full_admin, on_everything

    db = context(graph).db
    permissions = _permissions(resource, graph)
    limited = Narrowing.LIMITING
    # Administrator access holds every other risk: said once, it says all.
    problems = full_admin(permissions, db, limited)
    if not problems:
        for level in (WRITE, PERMISSIONS, TAGGING):
            problems += on_everything(permissions, db, level, limited)
        problems += escalation(permissions, limited)
        problems += exfiltration(permissions, db, limited)
        problems += credentials(permissions, db, limited)
    return _verdict(permissions, problems, "has no high-risk grant behind a request condition")
