"""The minimal policy for what a principal actually used, and the grants it would drop.

The input is what a trace, CloudTrail or IAM Access Analyzer recorded: a JSON list of action
names, or of `{"action": ..., "resource": ...}` objects. Each use is matched to a current grant
of the principal that covers it. The suggested statement keeps that grant's resources when
they name specific resources (the Terraform reference, `${aws_dynamodb_table.ledger.arn}`), and
the recorded resource when the grant was on `*`; the grant's condition is kept too. Actions AWS
lets a policy scope only to `*` get `*`. Uses no grant covers are listed, not granted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from scanner.errors import UsageError
from scanner.iam.actions import Action
from scanner.iam.effective import Grant, IamContext, Permissions

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class Use:
    """One recorded use: an action key (lowercase), and the resource ARN when recorded."""

    action: str
    resource: str | None = None


def read_uses(path: Path, ctx: IamContext) -> list[Use]:
    """The uses recorded in `path`; UsageError naming the file and line when it is malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    if not isinstance(data, list):
        raise UsageError(f"{path}:1: expected a JSON list of actions or of action objects")
    uses: dict[Use, None] = {}
    for number, item in enumerate(data, start=1):
        use = _use(item)
        if use is None:
            raise UsageError(
                f"{path}: entry {number}: expected an action name or "
                '{"action": ..., "resource": ...}'
            )
        action = ctx.db.get(use.action)
        if action is None:
            hint = ctx.db.closest(use.action)
            also = f" (did you mean `{hint}`?)" if hint else ""
            raise UsageError(f"{path}: entry {number}: `{use.action}` is not an IAM action{also}")
        uses[Use(action.key, use.resource)] = None
    return list(uses)


def _use(item: Any) -> Use | None:
    if isinstance(item, str):
        return Use(item)
    if isinstance(item, dict) and isinstance(item.get("action"), str):
        resource = item.get("resource")
        if resource is None or isinstance(resource, str):
            return Use(item["action"], resource)
    return None


@dataclass
class _Choice:
    grant: Grant
    resources: tuple[str, ...]


def suggest(ctx: IamContext, permissions: Permissions, uses: list[Use]) -> dict[str, Any]:
    """The report: principal, minimal policy, dropped grants and uses nothing grants."""
    chosen: dict[Use, _Choice] = {}
    not_granted = []
    for use in uses:
        choice = _cover(ctx, permissions.grants, use)
        if choice is None:
            not_granted.append({"action": ctx.db.name(use.action), "resource": use.resource})
        else:
            chosen[use] = choice
    return {
        "principal": permissions.principal.address,
        "policy": _policy(ctx, chosen),
        "dropped": _dropped(ctx, permissions.grants, chosen),
        "not_granted": not_granted,
    }


def _cover(ctx: IamContext, grants: list[Grant], use: Use) -> _Choice | None:
    """The grant that covers `use` most narrowly, and the resources the policy keeps from it."""
    action = ctx.db.by_key[use.action]
    wildcard_only = not action.resource_level
    best: _Choice | None = None
    for grant in grants:
        if use.action not in grant.actions:
            continue
        if wildcard_only:
            return _Choice(grant, ("*",))
        if use.resource is None:
            texts = ("*",) if grant.not_resource else tuple(t.text for t in grant.targets)
            specific = not grant.everywhere_for(action)
        else:
            texts, specific = _covering(ctx, grant, use.resource, action)
            if not texts:
                continue
        if specific:
            return _Choice(grant, texts)
        best = best or _Choice(grant, texts)
    return best


def _covering(
    ctx: IamContext, grant: Grant, resource: str, action: Action
) -> tuple[tuple[str, ...], bool]:
    """Resource entries of `grant` covering the ARN `resource`, and whether they are specific."""
    if grant.not_resource:
        excluded = any(fnmatchcase(resource, t.text) for t in grant.targets)
        return ((), False) if excluded else ((resource,), False)
    named = set(ctx.arns.resolve(resource, {}).addresses)
    specific = tuple(
        t.text
        for t in grant.targets
        if not t.unconstrained and ((named & set(t.addresses)) or fnmatchcase(resource, t.text))
    )
    if specific:
        return specific, True
    if grant.everywhere_for(action):
        return (resource,), False
    return (), False


def _policy(ctx: IamContext, chosen: dict[Use, _Choice]) -> dict[str, Any]:
    groups: dict[tuple[tuple[str, ...], str], set[str]] = defaultdict(set)
    for use, choice in chosen.items():
        condition = json.dumps(choice.grant.condition, sort_keys=True)
        groups[(tuple(sorted(choice.resources)), condition)].add(ctx.db.name(use.action))
    statements = []
    for (resources, condition), actions in groups.items():
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": list(resources),
        }
        if condition != "{}":
            statement["Condition"] = json.loads(condition)
        statements.append(statement)
    statements.sort(key=lambda s: (s["Action"][0], s["Resource"]))
    return {"Version": POLICY_VERSION, "Statement": statements}


def _dropped(
    ctx: IamContext, grants: list[Grant], chosen: dict[Use, _Choice]
) -> list[dict[str, Any]]:
    used = {use.action for use in chosen}
    dropped = []
    for grant in grants:
        kept = sorted(ctx.db.name(a) for a in grant.actions & used)
        unused = len(grant.actions - used)
        if not unused:
            continue
        entries = list(grant.entries)
        dropped.append(
            {
                "statement": grant.origin.where(),
                "not_action" if grant.by_exclusion else "actions": entries,
                "not_resource" if grant.not_resource else "resources": [
                    t.text for t in grant.targets
                ],
                "unused_actions": unused,
                "kept": kept,
            }
        )
    return dropped


def render(report: dict[str, Any]) -> str:
    """The report as pretty JSON with a trailing newline."""
    return json.dumps(report, indent=2) + "\n"


def run(path: Path, principal: str, used_actions: Path) -> dict[str, Any]:
    """Load `path`, find `principal`, read the uses and build the report (UsageError if not)."""
    from scanner.engine.graph import Graph
    from scanner.iam.effective import context
    from scanner.loaders.terraform import TerraformLoader
    from scanner.scan import scan_root

    if not path.exists():
        raise UsageError(f"{path}: path not found")
    inventory = TerraformLoader(scan_root([path])).load([path])
    if inventory.errors:
        error = inventory.errors[0]
        where = f"{error.file}:{error.line}" if error.line else error.file
        raise UsageError(f"{where}: {error.message}")
    ctx = context(Graph(inventory.resources))
    found = next((p for p in ctx.principals.principals() if p.address == principal), None)
    if found is None:
        known = ", ".join(p.address for p in ctx.principals.principals()) or "none"
        raise UsageError(f"unknown principal {principal!r} in {path}; principals: {known}")
    uses = read_uses(used_actions, ctx)
    return suggest(ctx, ctx.permissions(found), uses)
