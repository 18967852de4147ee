"""Data-classification scope: which resources hold or process cardholder or personal data.

A resource is in scope when its tags classify it (`scanner.classification`). Functions and state
machines are rarely tagged, so they are also in scope when they, or the policies of the role
they run as, reference a classified resource, or when an environment variable holds the name of
one: a function that reads the cardholder table is part of the cardholder-data environment. A
log group is in scope when the compute resource writing to it is. Cardholder outranks personal
when both apply.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.classification import Classification, classify
from scanner.engine.conditions import lookup
from scanner.engine.graph import Graph, references
from scanner.engine.rules import Scope
from scanner.model import Resource

# Compute resource types and the attribute that names their execution role.
COMPUTE_ROLES = {"aws_lambda_function": "role", "aws_sfn_state_machine": "role_arn"}

ROLE_POLICY_TYPES = ["aws_iam_role_policy", "aws_iam_role_policy_attachment"]
# Attributes whose literal value names a data store (`TABLE = "cards"` in an environment).
NAME_ATTRIBUTES = ("name", "bucket")
LAMBDA_LOG_PREFIX = "/aws/lambda/"


def in_scope(scope: Scope, resource: Resource, graph: Graph) -> bool:
    """Whether `resource` belongs to `scope` (`any` holds for every resource)."""
    if scope == "any":
        return True
    found = classification(resource, graph)
    if scope == "classified":
        return found is not None
    return found == scope


def classification(resource: Resource, graph: Graph) -> Classification | None:
    """The data class of `resource`: from its tags, else derived as the module docstring says."""
    key = ("classification", resource.address)
    if key not in graph.cache:
        graph.cache[key] = _classify(resource, graph)
    found: Classification | None = graph.cache[key]
    return found


def _classify(resource: Resource, graph: Graph) -> Classification | None:
    direct = classify(resource, graph.classification)
    if direct is not None:
        return direct
    if resource.type in COMPUTE_ROLES:
        return _strongest(_tagged(address, graph) for address in _reach(resource, graph))
    if resource.type == "aws_cloudwatch_log_group":
        writers = [w for w in _log_writers(resource, graph) if w.type in COMPUTE_ROLES]
        return _strongest(classification(writer, graph) for writer in writers)
    return None


def _strongest(found: Iterable[Classification | None]) -> Classification | None:
    classes = set(found)
    if "cardholder" in classes:
        return "cardholder"
    return "personal" if "personal" in classes else None


def _tagged(address: str, graph: Graph) -> Classification | None:
    other = graph.by_address.get(address)
    return classify(other, graph.classification) if other is not None else None


def _reach(resource: Resource, graph: Graph) -> set[str]:
    """Addresses the compute resource or its role's policies reference or name."""
    reached = references(resource.attributes)
    names = _classified_names(graph)
    for value in lookup(resource.attributes, "environment.variables"):
        if isinstance(value, dict):
            reached.update(
                a for v in value.values() if isinstance(v, str) for a in names.get(v, [])
            )
    for role_address in references(resource.attributes.get(COMPUTE_ROLES[resource.type])):
        role = graph.by_address.get(role_address)
        if role is None or role.type != "aws_iam_role":
            continue
        reached |= references(role.attributes.get("inline_policy"))
        policies = graph.related(role, ROLE_POLICY_TYPES, "role", "name")
        policies += graph.related(role, ["aws_iam_policy_attachment"], "roles", "name")
        for policy in policies:
            reached |= references(policy.attributes.get("policy"))
            arns = policy.attributes.get("policy_arn")
            reached |= _managed_policy_refs(references(arns), graph)
        reached |= _managed_policy_refs(
            references(role.attributes.get("managed_policy_arns")), graph
        )
    return reached


def _classified_names(graph: Graph) -> dict[str, list[str]]:
    """Literal names of tagged, classified resources, to the addresses bearing them."""
    key = ("classified-names",)
    if key not in graph.cache:
        names: dict[str, list[str]] = {}
        for other in graph.resources:
            if other.mode == "managed" and classify(other, graph.classification) is not None:
                for attribute in NAME_ATTRIBUTES:
                    value = other.attributes.get(attribute)
                    if isinstance(value, str):
                        names.setdefault(value, []).append(other.address)
        graph.cache[key] = names
    found: dict[str, list[str]] = graph.cache[key]
    return found


def _managed_policy_refs(addresses: set[str], graph: Graph) -> set[str]:
    reached: set[str] = set()
    for address in addresses:
        policy = graph.by_address.get(address)
        if policy is not None and policy.type == "aws_iam_policy":
            reached |= references(policy.attributes.get("policy"))
    return reached


def _log_writers(log_group: Resource, graph: Graph) -> list[Resource]:
    """Compute resources linked to a log group by reference (either way) or by name."""
    writers = graph.referrers(log_group, list(COMPUTE_ROLES))
    for address in references(log_group.attributes.get("name")):
        other = graph.by_address.get(address)
        if other is not None:
            writers.append(other)
    name = log_group.attributes.get("name")
    if isinstance(name, str):
        writers += graph.having(["aws_lambda_function"], "logging_config.log_group", name)
    if isinstance(name, str) and name.startswith(LAMBDA_LOG_PREFIX):
        function = name[len(LAMBDA_LOG_PREFIX) :]
        writers += graph.having(["aws_lambda_function"], "function_name", function)
    return writers
