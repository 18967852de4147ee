"""Effective permissions of a principal: every Allow it holds, after Deny and its boundary.

Each Allow statement of each policy source becomes a `Grant`: the concrete actions it allows
(wildcards and `NotAction` expanded through the action database), the resources it names
(resolved to Terraform addresses by `scanner.iam.arns`), how far its condition narrows it, and
where it is written. Then:

* an unconditional Deny removes its actions from the grants it covers (all of them when the
  Deny is on `*`, else the grants whose resources it names); a conditional Deny may not apply
  to a request, so it removes nothing;
* a permissions boundary intersects: a grant keeps only the actions some boundary Allow also
  allows on an overlapping resource.

Permissions are computed once per principal per scan and kept in the scan graph's cache, so
the many rules that ask about one role share the work.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from scanner.engine.graph import Graph
from scanner.iam.actions import Action, ActionDatabase, database
from scanner.iam.arns import ArnIndex, Target
from scanner.iam.conditions import Narrowing, identity_narrowing
from scanner.iam.principals import PolicySource, PrincipalIndex
from scanner.model import Resource, Statement

Condition = dict[str, dict[str, list[str]]]


@dataclass(frozen=True)
class Origin:
    """Where a grant is written: the statement, its policy, file and line, and the path to it."""

    policy: str
    statement: str
    file: str
    line: int
    via: str | None = None
    address: str | None = None

    def where(self) -> str:
        """`statement 1 of aws_iam_policy.p (iam.tf:12) via aws_iam_role_policy_attachment.a`."""
        text = f"{self.statement} of {self.policy} ({self.file}:{self.line})"
        return text + (f" via {self.via}" if self.via else "")


@dataclass(frozen=True)
class Grant:
    """One Allow statement as it applies to the principal.

    `actions` are lowercase action keys; `entries` the Action (or, with `by_exclusion`, the
    NotAction) entries as written. `not_resource` means the statement allows every resource
    except `targets`. `unresolved` lists entries that hold values nobody can resolve.
    """

    actions: frozenset[str]
    entries: tuple[str, ...]
    by_exclusion: bool
    targets: tuple[Target, ...]
    not_resource: bool
    condition: Condition
    narrowing: Narrowing
    origin: Origin
    unresolved_actions: bool = False

    def everywhere(self, service: str) -> bool:
        """Whether the grant covers every resource of `service` (or of every service)."""
        if self.not_resource:
            return True
        return any(t.unconstrained and t.service in (None, service) for t in self.targets)

    def everywhere_for(self, action: Action) -> bool:
        """Whether the grant covers every resource `action` can act on (`sts:AssumeRole` on
        `arn:aws:iam::*:role/*` covers every role)."""
        if self.not_resource:
            return True
        services = action.arn_services | {action.service}
        return any(
            t.unconstrained and (t.service is None or t.service in services) for t in self.targets
        )

    def everywhere_among(self, keys: frozenset[str], db: ActionDatabase) -> set[str]:
        """Those of `keys` this grant gives on every resource they can act on."""
        found = self.actions & keys
        if not found or self.unbounded():
            return set(found)
        return {key for key in found if self.everywhere_for(db.by_key[key])}

    def unbounded(self) -> bool:
        """Whether the grant covers every resource of every service (`*`, or NotResource)."""
        return self.not_resource or any(t.unconstrained and t.service is None for t in self.targets)

    def maybe_everywhere(self) -> bool:
        """Whether a resource entry nobody can resolve might turn out to be `*`."""
        return any(t.unresolved for t in self.targets)

    def may_reach_everything(self, relevant: bool) -> bool:
        """Whether unresolved values might make this a finding "on `*`".

        `relevant` says the grant holds actions the finding is about; an unresolved action
        entry might be one, when the grant is (or might be) on every resource.
        """
        if relevant and self.maybe_everywhere():
            return True
        return self.unresolved_actions and (self.unbounded() or self.maybe_everywhere())


@dataclass
class Permissions:
    """What a principal may do: its grants, and why the picture may be incomplete.

    `incomplete` lists policies that cannot be resolved (a rule that would otherwise pass says
    "cannot verify"); `caps_unknown` lists what might narrow the grants but cannot be read (a
    permissions boundary, a Deny with unresolved values), so any finding might be capped by
    it; `unanalysed` names AWS-managed policies ledgerguard does not know the content of.
    """

    principal: Resource
    grants: list[Grant] = field(default_factory=list)
    attached: set[str] = field(default_factory=set)
    incomplete: list[str] = field(default_factory=list)
    caps_unknown: list[str] = field(default_factory=list)
    unanalysed: list[str] = field(default_factory=list)


class IamContext:
    """Per-scan IAM state: the indexes, and each principal's permissions once computed."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.db: ActionDatabase = database()
        self.arns = ArnIndex(graph)
        self.principals = PrincipalIndex(graph)
        self._permissions: dict[str, Permissions] = {}

    def permissions(self, principal: Resource) -> Permissions:
        """The effective permissions of `principal`, computed on first request."""
        if principal.address not in self._permissions:
            self._permissions[principal.address] = self._compute(principal)
        return self._permissions[principal.address]

    def grants(self, source: PolicySource) -> tuple[list[Grant], list[Grant], list[str]]:
        """Allow grants, unconditional Deny grants, and unresolvable parts of one source."""
        allows: list[Grant] = []
        denies: list[Grant] = []
        problems: list[str] = []
        if source.document is None:
            return allows, denies, [source.unknown or f"{source.label} cannot be resolved"]
        unresolved = set(source.document.unresolved)
        for number, statement in enumerate(source.document.statements, start=1):
            label = f'statement "{statement.sid}"' if statement.sid else f"statement {number}"
            origin = Origin(
                source.label, label, source.file, source.line, source.via, source.address
            )
            grant = self._grant(statement, source, origin, unresolved)
            if statement.effect in unresolved or statement.effect not in ("Allow", "Deny"):
                problems.append(f"{origin.where()} has an effect that cannot be resolved")
            elif statement.effect == "Allow":
                allows.append(grant)
            elif not statement.condition:
                denies.append(grant)
        return allows, denies, problems

    def _grant(
        self, statement: Statement, source: PolicySource, origin: Origin, unresolved: set[str]
    ) -> Grant:
        by_exclusion = bool(statement.not_action) and not statement.action
        entries = tuple(statement.not_action if by_exclusion else statement.action)
        known = [e for e in entries if e not in unresolved]
        actions = self.db.excluding(known) if by_exclusion else self.db.expand_all(known)
        resources = statement.not_resource if statement.not_resource else statement.resource
        targets = tuple(self.arns.resolve(text, source.holes) for text in resources)
        return Grant(
            actions=actions,
            entries=entries,
            by_exclusion=by_exclusion,
            targets=targets,
            not_resource=bool(statement.not_resource),
            condition=statement.condition,
            narrowing=identity_narrowing(statement.condition),
            origin=origin,
            unresolved_actions=len(known) < len(entries),
        )

    def _compute(self, principal: Resource) -> Permissions:
        policies = self.principals.policies(principal)
        found = Permissions(principal, unanalysed=sorted(set(policies.unanalysed)))
        allows: list[Grant] = []
        denies: list[Grant] = []
        for source in policies.sources:
            if source.address is not None:
                found.attached.add(source.address)
            source_allows, source_denies, problems = self.grants(source)
            allows += source_allows
            denies += source_denies
            found.incomplete += problems
        found.caps_unknown = [
            f"{deny.origin.where()}, a Deny with values that cannot be resolved, removes it"
            for deny in denies
            if deny.unresolved_actions or deny.maybe_everywhere()
        ]
        allows = [piece for grant in allows for piece in subtract(grant, denies)]
        if policies.boundary is not None:
            boundary, boundary_denies, problems = self.grants(policies.boundary)
            if any(cap.unresolved_actions or cap.maybe_everywhere() for cap in boundary):
                problems.append(f"{policies.boundary.label} uses values that cannot be resolved")
            if problems:
                reason = "; ".join(problems)
                found.caps_unknown.append(f"its permissions boundary narrows it ({reason})")
            else:
                allows = intersect(allows, boundary, boundary_denies)
        found.grants = [g for g in merge(allows) if g.actions or g.unresolved_actions]
        return found


def subtract(grant: Grant, denies: list[Grant]) -> list[Grant]:
    """`grant` without what unconditional Denies remove, split by resource where they differ.

    A Deny on `*` removes its actions everywhere; a Deny naming some of the grant's resources
    removes them from those resources only.
    """
    pieces = [grant]
    for deny in denies:
        if deny.not_resource:
            continue
        remaining = []
        for piece in pieces:
            if not piece.actions & deny.actions:
                remaining.append(piece)
            elif deny.unbounded():
                remaining.append(replace(piece, actions=piece.actions - deny.actions))
            elif piece.not_resource:
                remaining.append(piece)
            else:
                remaining += _split(piece, deny)
        pieces = remaining
    return pieces


def _split(piece: Grant, deny: Grant) -> list[Grant]:
    covered = tuple(t for t in piece.targets if _names(deny, t))
    rest = tuple(t for t in piece.targets if not _names(deny, t))
    if not covered:
        return [piece]
    result = [replace(piece, targets=covered, actions=piece.actions - deny.actions)]
    return result + ([replace(piece, targets=rest)] if rest else [])


def _names(other: Grant, target: Target) -> bool:
    """Whether `other` (a Deny or a boundary statement) covers everything `target` names."""
    for mine in other.targets:
        if mine.unconstrained and (mine.service is None or mine.service == target.service):
            return True
        if mine.text == target.text and not target.unconstrained:
            return True
    named = {a for t in other.targets for a in t.addresses}
    return bool(target.addresses) and not target.unconstrained and set(target.addresses) <= named


def intersect(allows: list[Grant], boundary: list[Grant], denies: list[Grant]) -> list[Grant]:
    """What a permissions boundary lets through: per resource, the actions both allow.

    A grant on `*` under a boundary that names resources keeps the boundary's resources.
    """
    result: list[Grant] = []
    for grant in allows:
        pieces = (
            [grant] if grant.not_resource else [replace(grant, targets=(t,)) for t in grant.targets]
        )
        for piece in pieces:
            for cap in boundary:
                shared = piece.actions & cap.actions
                if not shared:
                    continue
                if cap.unbounded() or (not piece.not_resource and _names(cap, piece.targets[0])):
                    result += subtract(replace(piece, actions=shared), denies)
                elif piece.not_resource or piece.targets[0].unconstrained:
                    narrowed = replace(
                        piece, actions=shared, targets=cap.targets, not_resource=False
                    )
                    result += subtract(narrowed, denies)
    return result


def merge(grants: list[Grant]) -> list[Grant]:
    """Pieces of one statement on the same resources, joined again, in first-seen order."""
    merged: dict[tuple[Origin, tuple[str, ...], bool], Grant] = {}
    for grant in grants:
        key = (grant.origin, tuple(t.text for t in grant.targets), grant.not_resource)
        if key in merged:
            merged[key] = replace(merged[key], actions=merged[key].actions | grant.actions)
        else:
            merged[key] = grant
    return list(merged.values())


def context(graph: Graph) -> IamContext:
    """The scan's IAM context, created on first use and kept in the graph's per-scan cache."""
    key = "scanner.iam.context"
    if key not in graph.cache:
        graph.cache[key] = IamContext(graph)
    found: IamContext = graph.cache[key]
    return found
