"""Resolve a statement's `Resource` entries back to the Terraform resources they name.

An entry is a placeholder for a provider-computed attribute (`${aws_dynamodb_table.ledger.arn}`,
`${aws_s3_bucket.b.arn}/*`), a literal ARN (`arn:aws:dynamodb:*:*:table/ledger`, matched against
each table's `name`), a mix of both (`arn:aws:s3:::${aws_s3_bucket.b.id}/*`), or `*`. Holes in an
ARN's region or account fields do not matter for naming a resource and count as wildcards; a
hole nobody can resolve in the service or resource fields leaves the entry unresolved.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from scanner.engine.graph import Graph
from scanner.model import Resource
from scanner.values import Unknown

# An ARN resource part that is nothing but a wildcard, possibly after a type: `*`, `table/*`.
ALL_OF_TYPE = re.compile(r"^(?:[A-Za-z-]+[/:])?\*$")


def _attribute(name: str) -> Callable[[Resource], str | None]:
    def read(resource: Resource) -> str | None:
        value = resource.attributes.get(name)
        return value if isinstance(value, str) else None

    return read


def _prefixed(prefix: str, name: str) -> Callable[[Resource], str | None]:
    read = _attribute(name)

    def candidate(resource: Resource) -> str | None:
        value = read(resource)
        return None if value is None else prefix + value

    return candidate


def _ssm(resource: Resource) -> str | None:
    name = _attribute("name")(resource)
    return None if name is None else "parameter/" + name.lstrip("/")


def _iam(kind: str) -> Callable[[Resource], str | None]:
    def candidate(resource: Resource) -> str | None:
        name = _attribute("name")(resource)
        path = resource.attributes.get("path")
        path = path.strip("/") + "/" if isinstance(path, str) and path.strip("/") else ""
        return None if name is None else f"{kind}/{path}{name}"

    return candidate


def _secret(resource: Resource) -> str | None:
    name = _attribute("name")(resource)
    # Secrets Manager appends a dash and six random characters to every secret's ARN.
    return None if name is None else f"secret:{name}-Ab12Cd"


@dataclass(frozen=True)
class Kind:
    """How ARNs of one Terraform resource type look: service, noun, resource part, depth.

    `segments` is how many `sep`-separated parts of the ARN's resource part name the resource
    itself (the rest name objects, indexes, streams inside it); None compares the whole part.
    """

    service: str
    noun: str
    candidate: Callable[[Resource], str | None]
    sep: str = "/"
    segments: int | None = None


KINDS: dict[str, Kind] = {
    "aws_s3_bucket": Kind("s3", "bucket", _attribute("bucket"), "/", 1),
    "aws_dynamodb_table": Kind("dynamodb", "table", _prefixed("table/", "name"), "/", 2),
    "aws_sqs_queue": Kind("sqs", "queue", _attribute("name")),
    "aws_sns_topic": Kind("sns", "topic", _attribute("name")),
    "aws_secretsmanager_secret": Kind("secretsmanager", "secret", _secret),
    "aws_lambda_function": Kind(
        "lambda", "function", _prefixed("function:", "function_name"), ":", 2
    ),
    "aws_cloudwatch_log_group": Kind("logs", "log group", _prefixed("log-group:", "name"), ":", 2),
    "aws_ssm_parameter": Kind("ssm", "parameter", _ssm),
    "aws_kms_key": Kind("kms", "key", lambda r: None),
    "aws_kms_alias": Kind("kms", "alias", _attribute("name")),
    "aws_iam_role": Kind("iam", "role", _iam("role")),
    "aws_iam_user": Kind("iam", "user", _iam("user")),
    "aws_iam_group": Kind("iam", "group", _iam("group")),
    "aws_iam_policy": Kind("iam", "policy", _iam("policy")),
    "aws_kinesis_stream": Kind("kinesis", "stream", _prefixed("stream/", "name"), "/", 2),
    "aws_cloudwatch_event_bus": Kind("events", "event bus", _prefixed("event-bus/", "name")),
    "aws_sfn_state_machine": Kind(
        "states", "state machine", _prefixed("stateMachine:", "name"), ":", 2
    ),
}


@dataclass(frozen=True)
class Target:
    """One `Resource` entry of a statement and what it names.

    `addresses` are the Terraform resources it names; `unconstrained` says it names every
    resource (of its service, when `service` is set); `unresolved` says it cannot be known.
    """

    text: str
    addresses: tuple[str, ...] = ()
    unconstrained: bool = False
    unresolved: bool = False
    service: str | None = None
    labels: tuple[str, ...] = ()


class ArnIndex:
    """Candidate ARN resource parts of every resource of a known kind, by service."""

    def __init__(self, graph: Graph) -> None:
        self.by_service: dict[str, list[tuple[str, Kind, Resource]]] = defaultdict(list)
        self.graph = graph
        self._matched: dict[tuple[str, str], tuple[str, ...]] = {}
        for rtype, kind in KINDS.items():
            for resource in graph.by_type.get(rtype, []):
                candidate = kind.candidate(resource)
                if candidate is not None:
                    self.by_service[kind.service].append((candidate, kind, resource))

    def resolve(self, text: str, holes: dict[str, Unknown]) -> Target:
        """What the `Resource` entry `text` names; `holes` are the document's placeholders."""
        target = self._resolve(text, holes)
        if target.addresses and not target.unconstrained:
            labels = tuple(f"{noun(self.graph.by_address[a])} `{a}`" for a in target.addresses)
            return replace(target, labels=labels)
        return target

    def _resolve(self, text: str, holes: dict[str, Unknown]) -> Target:
        if text == "*":
            return Target(text, unconstrained=True)
        found = {p: h for p, h in holes.items() if p in text}
        leading = next((h for p, h in found.items() if text.startswith(p)), None)
        if leading is not None:
            # `${aws_s3_bucket.b.arn}` or `${aws_s3_bucket.b.arn}/*`: a resource's ARN, maybe
            # with a path inside it.
            return self._hole(text, leading)
        return self._literal(text, found)

    def _hole(self, text: str, hole: Unknown) -> Target:
        if not hole.concrete:
            return Target(text, unresolved=True)
        addresses = tuple(sorted(ref for ref in hole.refs if ref in self.graph.by_address))
        kinds = {self.graph.by_address[a].type for a in addresses}
        services = {KINDS[t].service for t in kinds if t in KINDS}
        return Target(text, addresses, service=services.pop() if len(services) == 1 else None)

    def _literal(self, text: str, holes: dict[str, Unknown]) -> Target:
        parts = text.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            unresolved = any(not h.concrete for h in holes.values())
            return Target(text, unresolved=unresolved)
        service, resource_part = parts[2], parts[5]
        inner = {p: h for p, h in holes.items() if p in service or p in resource_part}
        if any(not h.concrete for h in inner.values()):
            return Target(text, unresolved=True, service=service)
        if inner:
            refs = sorted({r for h in inner.values() for r in h.refs if r in self.graph.by_address})
            return Target(text, tuple(refs), service=service)
        if ALL_OF_TYPE.match(resource_part):
            addresses = self._matching(service, resource_part)
            return Target(text, addresses, unconstrained=True, service=service)
        return Target(text, self._matching(service, resource_part), service=service)

    def _matching(self, service: str, pattern: str) -> tuple[str, ...]:
        key = (service, pattern)
        if key not in self._matched:
            self._matched[key] = self._match(service, pattern)
        return self._matched[key]

    def _match(self, service: str, pattern: str) -> tuple[str, ...]:
        found = []
        for candidate, kind, resource in self.by_service.get(service, []):
            head = pattern
            if kind.segments is not None:
                head = kind.sep.join(pattern.split(kind.sep)[: kind.segments])
            if fnmatchcase(candidate, head) or fnmatchcase(candidate, pattern):
                found.append(resource.address)
        return tuple(sorted(found))


def noun(resource: Resource) -> str:
    """What to call `resource` in a message: `table`, `bucket`, or its Terraform type."""
    kind = KINDS.get(resource.type)
    return kind.noun if kind is not None else resource.type


def service_of(resource: Resource) -> str | None:
    """The IAM service prefix whose actions act on `resource` (`dynamodb` for a table)."""
    kind = KINDS.get(resource.type)
    return kind.service if kind is not None else None
