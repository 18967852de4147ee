"""The inventory as a graph: resources by type and address, and who references whom."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scanner.model import Resource
from scanner.values import Unknown


class Graph:
    """Indexes built once per scan so that rules never search the whole inventory."""

    def __init__(self, resources: list[Resource]) -> None:
        self.resources = resources
        self.by_address: dict[str, Resource] = {r.address: r for r in resources}
        self.by_type: dict[str, list[Resource]] = defaultdict(list)
        for resource in resources:
            self.by_type[resource.type].append(resource)

    def of_type(self, types: list[str]) -> list[Resource]:
        """Managed resources of any of `types`, in inventory order."""
        found = [r for t in types for r in self.by_type.get(t, []) if r.mode == "managed"]
        return sorted(found, key=lambda r: (r.location.file, r.location.line, r.address))

    def related(
        self, target: Resource, types: list[str], via: str, target_attribute: str | None
    ) -> list[Resource]:
        """Resources of `types` whose attribute `via` points at `target`.

        A pointer is a reference (`bucket = aws_s3_bucket.b.id`) or, with
        `target_attribute`, the same literal value (`bucket = "receipts"`).
        """
        literal = target.attributes.get(target_attribute) if target_attribute else None
        found = []
        for candidate in self.of_type(types):
            value = candidate.attributes.get(via)
            if points_at(value, target.address) or (isinstance(literal, str) and value == literal):
                found.append(candidate)
        return found


def points_at(value: Any, address: str) -> bool:
    """Whether an attribute value is a reference to the resource at `address`."""
    return isinstance(value, Unknown) and any(ref == address for ref in value.refs)
