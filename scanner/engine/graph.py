"""The inventory as a graph: resources by type and address, and who references whom."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scanner.config import ClassificationConfig
from scanner.model import Resource
from scanner.values import Unknown


class Graph:
    """Indexes built once per scan so that rules never search the whole inventory."""

    def __init__(
        self, resources: list[Resource], classification: ClassificationConfig | None = None
    ) -> None:
        self.resources = resources
        self.by_address: dict[str, Resource] = {r.address: r for r in resources}
        self.by_type: dict[str, list[Resource]] = defaultdict(list)
        for resource in resources:
            self.by_type[resource.type].append(resource)
        self.classification = classification or ClassificationConfig()
        # Per-scan memo for checks and scope decisions, keyed by whoever fills it.
        self.cache: dict[Any, Any] = {}
        self._referrers: dict[str, list[Resource]] | None = None
        self._literals: dict[tuple[tuple[str, ...], str], dict[str, list[Resource]]] = {}

    def of_type(self, types: list[str]) -> list[Resource]:
        """Managed resources of any of `types`, in inventory order."""
        found = [r for t in types for r in self.by_type.get(t, []) if r.mode == "managed"]
        return sorted(found, key=_position)

    def related(
        self, target: Resource, types: list[str], via: str, target_attribute: str | None
    ) -> list[Resource]:
        """Resources of `types` whose attribute path `via` points at `target`.

        A pointer is a reference (`bucket = aws_s3_bucket.b.id`) or, with
        `target_attribute`, the same literal value (`bucket = "receipts"`). `via` may be a
        dotted path into nested blocks (`api_stages.stage`); lists are searched through.
        """
        from scanner.engine.conditions import lookup

        found = {
            r.address: r
            for r in self.referrers(target, types)
            if any(points_at(value, target.address) for value in lookup(r.attributes, via))
        }
        literal = target.attributes.get(target_attribute) if target_attribute else None
        if isinstance(literal, str):
            for candidate in self.having(types, via, literal):
                found[candidate.address] = candidate
        return sorted(found.values(), key=_position)

    def referrers(self, target: Resource, types: list[str] | None = None) -> list[Resource]:
        """Managed resources (of `types`, when given) with any attribute referencing `target`."""
        if self._referrers is None:
            self._referrers = defaultdict(list)
            for resource in self.resources:
                if resource.mode == "managed":
                    for ref in sorted(references(resource.attributes)):
                        self._referrers[ref].append(resource)
        found = self._referrers.get(target.address, [])
        return [r for r in found if types is None or r.type in types]

    def having(self, types: list[str], via: str, literal: str) -> list[Resource]:
        """Managed resources of `types` whose attribute path `via` holds the string `literal`."""
        from scanner.engine.conditions import lookup

        key = (tuple(types), via)
        if key not in self._literals:
            index: dict[str, list[Resource]] = defaultdict(list)
            for candidate in self.of_type(types):
                for value in lookup(candidate.attributes, via):
                    if isinstance(value, str):
                        index[value].append(candidate)
            self._literals[key] = index
        return self._literals[key].get(literal, [])


def _position(resource: Resource) -> tuple[str, int, str]:
    return (resource.location.file, resource.location.line, resource.address)


def references(value: Any) -> set[str]:
    """Addresses of every resource that `value` (nested lists and maps included) reads."""
    if isinstance(value, Unknown):
        return set(value.refs)
    if isinstance(value, dict):
        return {ref for item in value.values() for ref in references(item)}
    if isinstance(value, list):
        return {ref for item in value for ref in references(item)}
    return set()


def points_at(value: Any, address: str) -> bool:
    """Whether an attribute value is a reference to the resource at `address`."""
    return isinstance(value, Unknown) and any(ref == address for ref in value.refs)
