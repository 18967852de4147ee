"""Who can read or write each classified resource: the PCI-DSS 7.2 access table.

Resources whose tags classify them as cardholder or personal data (`scanner.classification`)
are the scope. For each, the table lists every principal whose effective permissions reach it
(a grant naming it, or a grant on every resource of its service) with Read or Write actions of
its service, and every principal its own resource policy admits (a bucket policy, a Lambda
permission). Each row names the file and line of the policy (or resource policy) that grants
the access. Permissions-management, List and Tagging actions are not data access and are left
to the least-privilege findings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from scanner.classification import classify
from scanner.config import ClassificationConfig
from scanner.engine.graph import Graph
from scanner.iam.actions import READ, WRITE, ActionDatabase
from scanner.iam.arns import service_of
from scanner.iam.effective import IamContext, context
from scanner.iam.resource_policies import POLICY_HOLDERS, Admission, read
from scanner.model import Resource, ScopeGrant

# Separate resource-policy resources and the attribute that points at what they protect.
POLICY_POINTERS = {
    "aws_s3_bucket_policy": "bucket",
    "aws_sqs_queue_policy": "queue_url",
    "aws_sns_topic_policy": "arn",
    "aws_secretsmanager_secret_policy": "secret_arn",
    "aws_cloudwatch_event_bus_policy": "event_bus_name",
    "aws_lambda_permission": "function_name",
}
TARGET_NAMES = {
    "aws_s3_bucket": "bucket",
    "aws_sqs_queue": "url",
    "aws_lambda_function": "function_name",
    "aws_cloudwatch_event_bus": "name",
}


@dataclass(frozen=True)
class _Key:
    resource: str
    principal: str
    file: str
    line: int


def access_table(graph: Graph, config: ClassificationConfig | None = None) -> list[ScopeGrant]:
    """Every principal's read and write access to each classified resource, sorted."""
    config = config or graph.classification
    scoped = {
        r.address: (r, found)
        for r in graph.resources
        if r.mode == "managed" and (found := classify(r, config)) is not None
    }
    if not scoped:
        return []
    ctx = context(graph)
    rows: dict[_Key, set[str]] = defaultdict(set)
    _identity_rows(ctx, scoped, rows)
    for resource, _ in scoped.values():
        _resource_policy_rows(ctx, resource, rows)
    return sorted(
        (_row(ctx.db, key, actions, scoped[key.resource][1]) for key, actions in rows.items()),
        key=lambda g: (g.resource, g.principal, g.file, g.line),
    )


def _identity_rows(
    ctx: IamContext, scoped: Mapping[str, tuple[Resource, str]], rows: dict[_Key, set[str]]
) -> None:
    by_service: dict[str, list[Resource]] = defaultdict(list)
    for resource, _ in scoped.values():
        service = service_of(resource)
        if service is not None:
            by_service[service].append(resource)
    for principal in ctx.principals.principals():
        for grant in ctx.permissions(principal).grants:
            reached = {a for t in grant.targets for a in t.addresses if a in scoped}
            if grant.not_resource:
                reached = set()
            for service, resources in by_service.items():
                if grant.everywhere(service):
                    reached |= {r.address for r in resources}
            for address in reached:
                service = service_of(scoped[address][0]) or ""
                actions = _data_actions(ctx.db, grant.actions, service)
                if actions:
                    key = _Key(address, principal.address, grant.origin.file, grant.origin.line)
                    rows[key] |= actions


def _data_actions(db: ActionDatabase, actions: frozenset[str], service: str) -> set[str]:
    return {
        key for key in actions & db.service(service) if db.by_key[key].access_level in (READ, WRITE)
    }


def _resource_policy_rows(ctx: IamContext, resource: Resource, rows: dict[_Key, set[str]]) -> None:
    holders = [resource] if resource.type in POLICY_HOLDERS else []
    for rtype, via in POLICY_POINTERS.items():
        holders += ctx.graph.related(resource, [rtype], via, TARGET_NAMES.get(resource.type))
    service = service_of(resource) or ""
    for holder in holders:
        for admission in read(holder).admissions:
            actions = _admitted(ctx.db, admission, service)
            if not actions:
                continue
            for principal in admission.principals:
                name = _principal_name(ctx, principal.addresses, principal.text)
                key = _Key(resource.address, name, holder.location.file, holder.location.line)
                rows[key] |= actions


def _admitted(db: ActionDatabase, admission: Admission, service: str) -> set[str]:
    statement = admission.statement
    if statement.not_action:
        granted = db.excluding(statement.not_action)
    else:
        granted = db.expand_all(statement.action)
    return _data_actions(db, granted, service)


def _principal_name(ctx: IamContext, addresses: tuple[str, ...], text: str) -> str:
    """A scanned role or user the principal names, else the principal as written."""
    for address in addresses:
        resource = ctx.graph.by_address.get(address)
        if resource is not None and resource.type in ("aws_iam_role", "aws_iam_user"):
            return address
    return text


def _row(db: ActionDatabase, key: _Key, actions: set[str], classification: str) -> ScopeGrant:
    levels = {db.by_key[a].access_level for a in actions}
    access = "read-write" if levels == {READ, WRITE} else "read" if levels == {READ} else "write"
    return ScopeGrant(
        resource=key.resource,
        classification=classification,
        principal=key.principal,
        access=access,
        actions=sorted(db.name(a) for a in actions),
        file=key.file,
        line=key.line,
    )
