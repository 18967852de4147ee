"""Checks on resource policies (buckets, queues, topics, keys, secrets, event buses, Lambda
permissions): open to anyone, to other accounts, or to a service on anyone's behalf.

Which principals count as this stack's own account, and which condition keys narrow a
statement, is explained in `scanner.iam.resource_policies` and `scanner.iam.conditions`.
"""

from __future__ import annotations

from typing import Any

from scanner.engine.conditions import Outcome
from scanner.engine.graph import Graph
from scanner.model import Resource

# Keys that tie a service principal's access to requests made for this stack's resources,
# which is what stops the confused-deputy problem.
SOURCE_KEYS = ("aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:SourceOrgID")


def public_resource_policy(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail when an Allow statement admits anyone (`*`) with no condition narrowing who."""
    from scanner.iam.resource_policies import read

    policy = read(resource)
    if policy.unknown:
        return Outcome(None, policy.unknown)
    problems: list[str] = []
    doubts: list[str] = []
    for admission in policy.admissions:
        if admission.narrowed_by:
            continue
        for principal in admission.principals:
            if principal.kind == "public":
                who = (
                    "outside its NotPrincipal"
                    if principal.text == "NotPrincipal"
                    else f"(`{principal.text}`)"
                )
                problems.append(
                    f"{admission.label} lets anyone {who} call "
                    f"{admission.actions()} with no condition narrowing the principal"
                )
            elif principal.kind == "unknown":
                doubts.append(
                    f"{admission.label} admits `{principal.text}`, which cannot be resolved"
                )
    return _outcome(problems, doubts, policy.present, "admits no one without a narrowing condition")


def cross_account_resource_policy(
    resource: Resource, graph: Graph, params: dict[str, Any]
) -> Outcome:
    """Fail when an Allow statement admits an account not shown to be this stack's own."""
    from scanner.iam.resource_policies import read

    policy = read(resource)
    if policy.unknown:
        return Outcome(None, policy.unknown)
    own = _own_accounts(resource, policy)
    problems: list[str] = []
    doubts: list[str] = []
    for admission in policy.admissions:
        if admission.narrowed_by:
            continue
        for principal in admission.principals:
            if principal.kind == "account" and _account(principal.text) not in own:
                problems.append(
                    f"{admission.label} lets account principal `{principal.text}` call "
                    f"{admission.actions()} with no condition narrowing the principal "
                    "(a hard-coded account is not shown to be this stack's own)"
                )
            elif principal.kind == "unknown":
                doubts.append(
                    f"{admission.label} admits `{principal.text}`, which cannot be resolved"
                )
    return _outcome(problems, doubts, policy.present, "admits no other account without a condition")


def service_without_source(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail when a service principal is admitted with no `aws:SourceArn`/`aws:SourceAccount`."""
    from scanner.iam.resource_policies import read

    policy = read(resource)
    if policy.unknown:
        return Outcome(None, policy.unknown)
    problems: list[str] = []
    for admission in policy.admissions:
        keys = {key.lower() for key in admission.narrowed_by}
        if keys & {k.lower() for k in SOURCE_KEYS} or any(
            k.startswith("kms:encryptioncontext:") for k in keys
        ):
            continue
        for principal in admission.principals:
            if principal.kind == "service":
                problems.append(
                    f"{admission.label} lets service `{principal.text}` call {admission.actions()} "
                    "with no aws:SourceArn or aws:SourceAccount condition"
                )
    return _outcome(problems, [], policy.present, "admits no service without a source condition")


def _outcome(problems: list[str], doubts: list[str], present: bool, passed: str) -> Outcome:
    if problems:
        return Outcome(False, "; ".join(problems))
    if doubts:
        return Outcome(None, "; ".join(doubts))
    return Outcome(True, passed if present else "has no resource policy")


def _account(text: str) -> str | None:
    from scanner.iam.resource_policies import ACCOUNT

    match = ACCOUNT.match(text)
    return match.group(1) if match else None


def _own_accounts(resource: Resource, policy: Any) -> set[str | None]:
    """Accounts a key policy shows to be its own: the default statement's `root` with `kms:*`.

    AWS writes that statement for the key's own account, so the account it names is this
    stack's even when it is a literal id rather than `data.aws_caller_identity`.
    """
    if resource.type != "aws_kms_key":
        return set()
    own: set[str | None] = set()
    for admission in policy.admissions:
        if {a.lower() for a in admission.statement.action} & {"kms:*", "*"}:
            for principal in admission.principals:
                if principal.kind == "account" and principal.text.endswith(":root"):
                    own.add(_account(principal.text))
                elif principal.kind == "account" and principal.text.isdigit():
                    own.add(principal.text)
    return own
