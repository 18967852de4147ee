"""Checks on network exposure: security group rules that admit the whole internet."""

from __future__ import annotations

from typing import Any

from scanner.engine.conditions import Outcome, lookup
from scanner.engine.graph import Graph
from scanner.model import Resource
from scanner.values import Unknown

WORLD = ("0.0.0.0/0", "::/0")
CIDR_PATHS = ("cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6")


def open_ingress(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail when an ingress rule admits `0.0.0.0/0` or `::/0`.

    Covers inline `ingress` blocks of `aws_security_group`, `aws_security_group_rule` of type
    ingress and `aws_vpc_security_group_ingress_rule`. The message names the ports.
    """
    if resource.type == "aws_security_group":
        rules = lookup(resource.attributes, "ingress")
    elif resource.type == "aws_security_group_rule":
        kind = resource.attributes.get("type")
        if isinstance(kind, Unknown):
            return Outcome(None, f"`type` is `{kind.expr}`, which cannot be resolved")
        rules = [resource.attributes] if kind == "ingress" else []
    else:
        rules = [resource.attributes]
    open_to: list[str] = []
    unknown = False
    for rule in rules:
        if isinstance(rule, Unknown):
            unknown = True
            continue
        cidrs = [c for path in CIDR_PATHS for c in lookup(rule, path)]
        unknown = unknown or any(isinstance(c, Unknown) for c in cidrs)
        for cidr in sorted({c for c in cidrs if c in WORLD}):
            open_to.append(f"{cidr} on {_ports(rule)}")
    if open_to:
        return Outcome(False, f"ingress is open to {', '.join(open_to)}")
    if unknown:
        return Outcome(None, "ingress rules or their CIDR blocks cannot be resolved")
    return Outcome(True, "no ingress from 0.0.0.0/0 or ::/0")


def _ports(rule: dict[str, Any]) -> str:
    protocol = rule.get("protocol", rule.get("ip_protocol"))
    if protocol in ("-1", -1, "all"):
        return "all ports"
    low, high = rule.get("from_port"), rule.get("to_port")
    if isinstance(low, int) and isinstance(high, int):
        span = str(low) if low == high else f"{low}-{high}"
        return f"{protocol} port {span}" if low == high else f"{protocol} ports {span}"
    return f"{protocol} ports that cannot be resolved"
