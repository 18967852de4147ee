"""GDPR checks on personal data: where it is stored and how long logs keep it.

Both read their limits from the `classification` section of `.ledgerguard.yaml`, which the
scan hands to the graph.
"""

from __future__ import annotations

from typing import Any

from scanner.engine.conditions import Outcome, lookup
from scanner.engine.graph import Graph
from scanner.model import Resource
from scanner.values import Unknown


def personal_data_region(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Pass when the resource (and any DynamoDB replica) is in an allowed region.

    The region is the one of the provider configuration the resource uses; when no region is
    set or it cannot be resolved the result is "cannot verify".
    """
    allowed = graph.classification.personal_data_regions
    if resource.region is None:
        return Outcome(None, "the region of its AWS provider is not set or cannot be resolved")
    outside = [] if resource.region in allowed else [resource.region]
    replicas = lookup(resource.attributes, "replica.region_name")
    if any(isinstance(r, Unknown) for r in replicas):
        return Outcome(None, "a replica region cannot be resolved")
    outside += [r for r in replicas if isinstance(r, str) and r not in allowed]
    if outside:
        return Outcome(
            False,
            f"personal data is stored in {', '.join(outside)}, outside the allowed regions "
            f"({', '.join(allowed) or 'none configured'})",
        )
    return Outcome(True, f"stored in {resource.region}, an allowed region")


def log_retention_limit(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Pass when the log group expires events within the configured personal-data limit."""
    limit = graph.classification.personal_data_max_retention_days
    days = resource.attributes.get("retention_in_days")
    if isinstance(days, Unknown):
        return Outcome(None, f"`retention_in_days` is `{days.expr}`, which cannot be resolved")
    if days in (None, 0):
        return Outcome(False, f"it keeps personal data forever; the limit is {limit} days")
    if not isinstance(days, int | float) or days > limit:
        return Outcome(False, f"it keeps personal data {days} days; the limit is {limit} days")
    return Outcome(True, f"it keeps personal data {int(days)} days, within {limit}")
