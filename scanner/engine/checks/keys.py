"""Checks that data is encrypted under a customer managed KMS key, not an AWS managed one.

A reference to an `aws_kms_key` (or an alias of one) in the configuration is customer managed
by construction; a literal `alias/aws/<service>` or a data source looking one up is AWS managed;
anything else unresolved makes the result "cannot verify".
"""

from __future__ import annotations

from typing import Any

from scanner.engine.conditions import Outcome, lookup
from scanner.engine.graph import Graph
from scanner.model import Resource
from scanner.values import Unknown

CUSTOMER_KEY_TYPES = ("aws_kms_key", "aws_kms_alias", "aws_kms_replica_key", "aws_kms_external_key")
AWS_MANAGED_PREFIX = "alias/aws/"


def customer_managed_key(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Pass when `params["attribute"]` names a customer managed key."""
    return key_outcome(lookup(resource.attributes, params["attribute"]), params["attribute"], graph)


def key_outcome(values: list[Any], attribute: str, graph: Graph) -> Outcome:
    """The verdict on the key ids found at `attribute` (none found fails)."""
    if not values:
        return Outcome(False, f"`{attribute}` is not set")
    verdicts = [_customer_managed(value, graph) for value in values]
    if False in verdicts:
        return Outcome(False, f"`{attribute}` is an AWS managed key")
    if None in verdicts:
        shown = next(v.expr for v, ok in zip(values, verdicts, strict=True) if ok is None)
        return Outcome(None, f"`{attribute}` is `{shown}`, which cannot be resolved")
    return Outcome(True, f"`{attribute}` is a customer managed key")


def _customer_managed(value: Any, graph: Graph) -> bool | None:
    if isinstance(value, str):
        return AWS_MANAGED_PREFIX not in value
    if not isinstance(value, Unknown):
        return None
    for address in value.refs:
        target = graph.by_address.get(address)
        if target is None:
            continue
        if target.mode == "managed" and target.type in CUSTOMER_KEY_TYPES:
            return True
        names = [target.attributes.get(a) for a in ("name", "key_id", "target_key_id")]
        if any(isinstance(n, str) and AWS_MANAGED_PREFIX in n for n in names):
            return False
    return None
