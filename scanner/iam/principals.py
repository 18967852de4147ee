"""Principals (roles, users, groups) and every policy document that applies to each.

A principal's policies are its inline policies (`aws_iam_role_policy`, `inline_policy` blocks),
the customer-managed `aws_iam_policy` resources attached to it (the four attachment resource
types and `managed_policy_arns`), AWS-managed policies attached by ARN, and, for a user, the
policies of the groups it belongs to. `permissions_boundary` is kept apart: it caps the rest.

Attachments name their principal by reference (`role = aws_iam_role.x.name`) or by a literal
name the loader resolved (`role = "fraud"`); both are matched. The indexes are built once per
scan, so finding a principal's policies never walks the inventory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.engine.graph import Graph
from scanner.iam.documents import NotAPolicy, parse_policy
from scanner.iam.managed import managed_document, managed_policy_name
from scanner.model import PolicyDocument, Resource
from scanner.values import Template, Unknown

PRINCIPAL_TYPES = ("aws_iam_role", "aws_iam_user", "aws_iam_group")
INLINE_TYPES = {
    "aws_iam_role_policy": "role",
    "aws_iam_user_policy": "user",
    "aws_iam_group_policy": "group",
}
ATTACHMENT_TYPES = {
    "aws_iam_role_policy_attachment": "role",
    "aws_iam_user_policy_attachment": "user",
    "aws_iam_group_policy_attachment": "group",
}
KIND_TYPES = {"role": "aws_iam_role", "user": "aws_iam_user", "group": "aws_iam_group"}


@dataclass(frozen=True)
class PolicySource:
    """One policy document that applies to a principal, and where it is written.

    `label` names the policy (`aws_iam_policy.p`, `AWS-managed AdministratorAccess`); `file`
    and `line` are those of the resource holding the document (for an AWS-managed policy, the
    attachment); `via` is the attachment or group it comes through. `document` is None when
    it cannot be known, and `unknown` then says why.
    """

    label: str
    file: str
    line: int
    via: str | None = None
    document: PolicyDocument | None = None
    holes: dict[str, Unknown] = field(default_factory=dict)
    unknown: str | None = None
    address: str | None = None


@dataclass
class PrincipalPolicies:
    """The policy sources of one principal; `unanalysed` lists AWS-managed policies not known."""

    principal: Resource
    sources: list[PolicySource] = field(default_factory=list)
    boundary: PolicySource | None = None
    unanalysed: list[str] = field(default_factory=list)


def _holes(value: Any) -> dict[str, Unknown]:
    return dict(value.holes) if isinstance(value, Template) else {}


def document_source(
    value: Any, label: str, holder: Resource, via: str | None = None
) -> PolicySource | None:
    """The PolicySource for a policy attribute `value` held by `holder`; None when unset."""
    source = PolicySource(
        label, holder.location.file, holder.location.line, via, address=holder.address
    )
    try:
        document = parse_policy(value)
    except NotAPolicy as exc:
        return replace(source, unknown=str(exc))
    if document is None:
        return None
    if isinstance(document, Unknown):
        return replace(source, unknown=f"policy `{document.expr}` cannot be resolved")
    return replace(source, document=document, holes=_holes(value))


class PrincipalIndex:
    """Who is attached to what, built once per scan from the inventory."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.names: dict[str, dict[str, list[Resource]]] = {}
        for rtype in (*PRINCIPAL_TYPES, "aws_iam_policy"):
            by_name: dict[str, list[Resource]] = defaultdict(list)
            for resource in graph.of_type([rtype]):
                name = resource.attributes.get("name")
                if isinstance(name, str):
                    by_name[name].append(resource)
            self.names[rtype] = by_name
        # principal address -> (policy-bearing resource, policy value, via)
        self.inline: dict[str, list[Resource]] = defaultdict(list)
        self.attached: dict[str, list[tuple[Any, Resource]]] = defaultdict(list)
        self.groups: dict[str, list[tuple[Resource, Resource]]] = defaultdict(list)
        self._index_inline()
        self._index_attachments()
        self._index_memberships()

    def principals(self) -> list[Resource]:
        """Every role, user and group, in inventory order."""
        return self.graph.of_type(list(PRINCIPAL_TYPES))

    def targets(self, value: Any, rtype: str) -> list[Resource]:
        """The resources of `rtype` an attribute value names, by reference or by name."""
        values = value if isinstance(value, list) else [value]
        found: dict[str, Resource] = {}
        for item in values:
            if isinstance(item, Unknown):
                for ref in item.refs:
                    resource = self.graph.by_address.get(ref)
                    if resource is not None and (resource.type, resource.mode) == (
                        rtype,
                        "managed",
                    ):
                        found[ref] = resource
            text = item.text if isinstance(item, Template) else item
            if isinstance(text, str) and not managed_policy_name(text):
                name = text.rsplit("/", 1)[-1]
                for resource in self.names.get(rtype, {}).get(name, []) if "${" not in name else []:
                    found[resource.address] = resource
        return list(found.values())

    def _index_inline(self) -> None:
        for rtype, kind in INLINE_TYPES.items():
            for holder in self.graph.of_type([rtype]):
                for principal in self.targets(holder.attributes.get(kind), KIND_TYPES[kind]):
                    self.inline[principal.address].append(holder)

    def _index_attachments(self) -> None:
        for rtype, kind in ATTACHMENT_TYPES.items():
            for holder in self.graph.of_type([rtype]):
                arn = holder.attributes.get("policy_arn")
                for principal in self.targets(holder.attributes.get(kind), KIND_TYPES[kind]):
                    self.attached[principal.address].append((arn, holder))
        for holder in self.graph.of_type(["aws_iam_policy_attachment"]):
            arn = holder.attributes.get("policy_arn")
            for kind in ("role", "user", "group"):
                for principal in self.targets(holder.attributes.get(kind + "s"), KIND_TYPES[kind]):
                    self.attached[principal.address].append((arn, holder))

    def _index_memberships(self) -> None:
        for holder in self.graph.of_type(["aws_iam_user_group_membership"]):
            for user in self.targets(holder.attributes.get("user"), "aws_iam_user"):
                for group in self.targets(holder.attributes.get("groups"), "aws_iam_group"):
                    self.groups[user.address].append((group, holder))
        for holder in self.graph.of_type(["aws_iam_group_membership"]):
            for group in self.targets(holder.attributes.get("group"), "aws_iam_group"):
                for user in self.targets(holder.attributes.get("users"), "aws_iam_user"):
                    self.groups[user.address].append((group, holder))

    def policies(self, principal: Resource) -> PrincipalPolicies:
        """Every policy source of `principal`, its boundary, and what was not analysed."""
        found = PrincipalPolicies(principal)
        self._own(principal, found, via=None)
        for group, membership in self.groups.get(principal.address, []):
            self._own(group, found, via=f"group {group.address} ({membership.address})")
        boundary = principal.attributes.get("permissions_boundary")
        if boundary is not None:
            found.boundary = self.policy_arn(boundary, principal, None, found)
        return found

    def _own(self, principal: Resource, found: PrincipalPolicies, via: str | None) -> None:
        for block in _blocks(principal.attributes.get("inline_policy")):
            name = block.get("name")
            label = f"{principal.address} inline policy" + (f" `{name}`" if name else "")
            source = document_source(block.get("policy"), label, principal, via)
            if source is not None:
                found.sources.append(source)
        for holder in self.inline.get(principal.address, []):
            source = document_source(holder.attributes.get("policy"), holder.address, holder, via)
            if source is not None:
                found.sources.append(source)
        for arn, holder in self.attached.get(principal.address, []):
            hop = f"{holder.address}" if via is None else f"{holder.address}, {via}"
            source = self.policy_arn(arn, holder, hop, found)
            if source is not None:
                found.sources.append(source)
        managed = principal.attributes.get("managed_policy_arns")
        for arn in managed if isinstance(managed, list) else [managed] if managed else []:
            source = self.policy_arn(arn, principal, via or "managed_policy_arns", found)
            if source is not None:
                found.sources.append(source)

    def policy_arn(
        self, arn: Any, holder: Resource, via: str | None, found: PrincipalPolicies
    ) -> PolicySource | None:
        """The policy a `policy_arn`-like value names, as a source; None for an unlisted
        AWS-managed policy (recorded in `found.unanalysed`)."""
        policies = self.targets(arn, "aws_iam_policy")
        if policies:
            policy = policies[0]
            return document_source(policy.attributes.get("policy"), policy.address, policy, via)
        name = self._managed_name(arn)
        source = PolicySource("", holder.location.file, holder.location.line, via)
        if name is not None:
            document = managed_document(name)
            if document is None:
                found.unanalysed.append(name)
                return None
            parsed = parse_policy(document)
            assert isinstance(parsed, PolicyDocument)
            return replace(source, label=f"AWS-managed {name}", document=parsed)
        shown = arn.expr if isinstance(arn, Unknown) else str(arn)
        if isinstance(arn, Unknown) and not arn.concrete:
            reason = f"policy ARN `{shown}` cannot be resolved"
        else:
            reason = f"policy `{shown}` is not in the scanned configuration"
        return replace(source, label=shown, unknown=reason)

    def _managed_name(self, arn: Any) -> str | None:
        if isinstance(arn, str):
            return managed_policy_name(arn)
        if isinstance(arn, Unknown) and not isinstance(arn, Template):
            for ref in arn.refs:
                data = self.graph.by_address.get(ref)
                if data is None or data.type != "aws_iam_policy" or data.mode != "data":
                    continue
                literal = data.attributes.get("arn")
                if isinstance(literal, str):
                    return managed_policy_name(literal)
                name = data.attributes.get("name")
                if isinstance(name, str) and managed_document(name) is not None:
                    return name
        return None


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [block for block in value if isinstance(block, dict)]
    return []
