"""Checks on who holds which AWS managed policy, read from attachments rather than documents.

Policy documents themselves are analysed in `scanner.engine.checks.iam`; these checks only look
at the ARNs an attachment or a role's `managed_policy_arns` names.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.engine.conditions import Outcome, lookup
from scanner.engine.graph import Graph
from scanner.model import Resource
from scanner.values import Template, Unknown

# An AWS managed policy ARN, partition and path included; group 1 is the policy name.
AWS_MANAGED_ARN = re.compile(r"^arn:[^:]+:iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")
ARN_ATTRIBUTES = ("policy_arn", "managed_policy_arns")
HOLE = re.compile(r"\$\{[^}]*\}")


def aws_managed_policy(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail when the resource attaches an AWS managed policy whose name matches `pattern`.

    A customer managed policy (`aws_iam_policy.x.arn`) never matches; a data source
    `aws_iam_policy` is judged by its literal `name` or `arn`; anything else unresolved makes
    the result "cannot verify".
    """
    pattern = re.compile(params["pattern"])
    found: list[str] = []
    unknown: list[str] = []
    for value in (v for path in ARN_ATTRIBUTES for v in lookup(resource.attributes, path)):
        name = _managed_name(value, graph)
        if name is None:
            unknown.append(f"policy ARN `{value.expr}` cannot be resolved")
        elif name and pattern.search(name):
            found.append(f"`{name}`")
    if found:
        return Outcome(False, f"attaches the AWS managed {', '.join(found)} ({params['why']})")
    if unknown:
        return Outcome(None, "; ".join(unknown))
    return Outcome(True, "attaches no such AWS managed policy")


def _managed_name(value: Any, graph: Graph) -> str | None:
    """The AWS managed policy name `value` designates, "" for another policy, None if unknown."""
    if isinstance(value, Template):
        # `arn:${data.aws_partition.current.partition}:iam::aws:policy/...` is still managed.
        match = AWS_MANAGED_ARN.match(HOLE.sub("partition", value.text))
        if match:
            return match.group(1)
    elif isinstance(value, str):
        match = AWS_MANAGED_ARN.match(value)
        return match.group(1) if match else ""
    if not isinstance(value, Unknown):
        return ""
    names: list[str] = []
    for address in value.refs:
        target = graph.by_address.get(address)
        if target is None:
            return None
        if target.type == "aws_iam_policy" and target.mode == "managed":
            names.append("")
            continue
        arn = target.attributes.get("arn")
        if isinstance(arn, str):
            names.append(_managed_name(arn, graph) or "")
        elif isinstance(target.attributes.get("name"), str) and target.type == "aws_iam_policy":
            names.append(target.attributes["name"])
        else:
            return None
    return names[0] if len(names) == 1 else None
