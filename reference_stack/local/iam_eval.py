"""Evaluation of a function's Terraform role policies against the requests it was traced making.

Both directions are checked for each function:

* **not allowed** - a traced or runtime-implied request that no Allow statement of the role's
  policies grants (or that a Deny statement refuses);
* **unused** - a grant no request needed: an ``Action`` entry of a statement, on one of its
  ``Resource`` entries, that no request allowed by that statement used, or one value of a
  multi-valued positive condition (a second ``events:detail-type``, a second
  ``kms:ViaService``) that no allowed request carried.

Statements are evaluated as IAM does for identity policies in one account: case-insensitive
action wildcards, case-sensitive resource wildcards over the whole ARN, every condition
operator and key ANDed, the values of one key ORed. Operators implemented: ``String(Not)Equals``
(and ``IgnoreCase``), ``String(Not)Like``, ``Arn(Not)Equals``, ``Arn(Not)Like`` (per ARN
component), ``Bool``, ``Null``, with the ``ForAllValues:``/``ForAnyValue:`` prefixes and the
``IfExists`` suffix. A statement with any other operator applies to nothing: an operator this
module does not understand never allows a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from reference_stack.local.actions import IamRequest
from reference_stack.local.stack import FunctionSpec, Resolver, Stack

_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}
_POSITIVE = frozenset({"stringequals", "stringequalsignorecase", "stringlike", "arnequals"})
_POSITIVE |= {"arnlike", "bool"}


class UnsupportedCondition(ValueError):
    """A condition operator the evaluator does not implement."""


@dataclass(frozen=True)
class PolicyStatement:
    """One resolved statement of a role policy, with where it came from."""

    policy: str
    sid: str
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    condition: tuple[tuple[str, str, tuple[str, ...]], ...]

    @property
    def label(self) -> str:
        """``policy/sid`` for messages."""
        return f"{self.policy} {self.sid}"


@dataclass(frozen=True)
class Violation:
    """One difference between what a function needs and what its role grants."""

    function: str
    kind: str
    action: str
    resource: str
    detail: str

    def __str__(self) -> str:
        return f"{self.function}: {self.kind}: {self.action} on {self.resource} ({self.detail})"


def function_statements(
    stack: Stack, resolver: Resolver, spec: FunctionSpec
) -> list[PolicyStatement]:
    """Every statement of the inline policies of the function's role, resolved."""
    found = []
    for resource, value in stack.role_policies(spec.role):
        document = resolver.policy(value)
        for number, statement in enumerate(document.statements, start=1):
            condition = tuple(
                (operator, key, tuple(values))
                for operator, pairs in sorted(statement.condition.items())
                for key, values in sorted(pairs.items())
            )
            found.append(
                PolicyStatement(
                    policy=resource.address,
                    sid=statement.sid or f"#{number}",
                    effect=statement.effect,
                    actions=tuple(statement.action),
                    not_actions=tuple(statement.not_action),
                    resources=tuple(statement.resource),
                    not_resources=tuple(statement.not_resource),
                    condition=condition,
                )
            )
    return found


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE if ignore_case else 0)


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcard match: ``*`` any run of characters, ``?`` one character, nothing else."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def arn_match(pattern: str, value: str) -> bool:
    """ArnEquals/ArnLike: the six colon-separated components match one by one."""
    wanted, actual = pattern.split(":", 5), value.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return False
    return all(glob_match(p, v) for p, v in zip(wanted, actual, strict=True))


def _value_matches(base: str, policy_value: str, value: str) -> bool:
    if base == "stringequals":
        return policy_value == value
    if base == "stringequalsignorecase":
        return policy_value.lower() == value.lower()
    if base == "stringlike":
        return glob_match(policy_value, value)
    if base in ("arnequals", "arnlike"):
        return arn_match(policy_value, value)
    if base == "bool":
        return policy_value.lower() == value.lower()
    raise UnsupportedCondition(base)


def condition_holds(operator: str, key: str, wanted: tuple[str, ...], request: IamRequest) -> bool:
    """Whether one ``operator: {key: wanted}`` test passes for ``request``."""
    name = operator.lower()
    quantifier = ""
    for prefix in ("forallvalues:", "foranyvalue:"):
        if name.startswith(prefix):
            quantifier, name = prefix, name[len(prefix) :]
    if_exists = name.endswith("ifexists") and name != "ifexists"
    if if_exists:
        name = name[: -len("ifexists")]
    values = request.context_values(key)
    if name == "null":
        absent = not values
        return all((absent if w.lower() == "true" else not absent) for w in wanted)
    negated = name in _NEGATED
    base = _NEGATED.get(name, name)
    if base not in _POSITIVE:
        raise UnsupportedCondition(operator)
    if not values:
        # An absent key: ForAllValues is vacuously true, IfExists skips the test, a negated
        # operator is true; any other test fails.
        return quantifier == "forallvalues:" or if_exists or negated

    def hit(value: str) -> bool:
        return any(_value_matches(base, w, value) for w in wanted)

    if quantifier == "forallvalues:":
        result = all(hit(value) for value in values)
    else:
        result = any(hit(value) for value in values)
    return not result if negated else result


def applies(statement: PolicyStatement, request: IamRequest) -> bool:
    """Whether a statement covers the request: action, resource and every condition."""
    if statement.actions:
        if not any(glob_match(a, request.action, True) for a in statement.actions):
            return False
    elif any(glob_match(a, request.action, True) for a in statement.not_actions):
        return False
    if statement.resources:
        if not any(glob_match(r, request.resource) for r in statement.resources):
            return False
    elif any(glob_match(r, request.resource) for r in statement.not_resources):
        return False
    try:
        return all(
            condition_holds(operator, key, wanted, request)
            for operator, key, wanted in statement.condition
        )
    except UnsupportedCondition:
        return False


def decide(statements: Iterable[PolicyStatement], request: IamRequest) -> tuple[bool, str]:
    """(allowed, why) for one request: an explicit Deny wins, then any Allow."""
    matching = [s for s in statements if applies(s, request)]
    denies = [s.label for s in matching if s.effect == "Deny"]
    if denies:
        return False, "denied by " + ", ".join(denies)
    allows = [s.label for s in matching if s.effect == "Allow"]
    if allows:
        return True, "allowed by " + ", ".join(allows)
    return False, "no statement allows it"


def compare(
    function: str, statements: list[PolicyStatement], requests: Iterable[IamRequest]
) -> list[Violation]:
    """Both directions for one function: requests not allowed, and grants not used."""
    requests = sorted(set(requests), key=lambda r: (r.action, r.resource, r.context))
    violations = []
    allowed_by: dict[PolicyStatement, list[IamRequest]] = {s: [] for s in statements}
    for request in requests:
        allowed, why = decide(statements, request)
        if not allowed:
            detail = f"{why}; needed by {request.origin}"
            if request.context:
                detail = f"{request.context_text()}; {detail}"
            violations.append(
                Violation(function, "not allowed", request.action, request.resource, detail)
            )
            continue
        for statement in statements:
            if statement.effect == "Allow" and applies(statement, request):
                allowed_by[statement].append(request)
    for statement in statements:
        if statement.effect == "Allow":
            violations += _unused(function, statement, allowed_by[statement])
    return sorted(violations, key=lambda v: (v.kind, v.action, v.resource, v.detail))


def _unused(function: str, statement: PolicyStatement, used: list[IamRequest]) -> list[Violation]:
    """Grants of one Allow statement that none of the requests it allowed needed."""
    found = []
    where = f"statement {statement.label}"
    for action in statement.actions or ("*",):
        for resource in statement.resources or ("*",):
            if not any(
                glob_match(action, r.action, True) and glob_match(resource, r.resource)
                for r in used
            ):
                found.append(Violation(function, "unused", action, resource, where))
    for operator, key, wanted in statement.condition:
        if operator.lower() not in _POSITIVE or len(wanted) < 2:
            continue
        for value in wanted:
            single = (operator, key, (value,))
            if not any(condition_holds(*single, r) for r in used):
                action = "|".join(statement.actions) or "*"
                resource = "|".join(statement.resources) or "*"
                detail = f"condition {key}={value} of {where}"
                found.append(Violation(function, "unused", action, resource, detail))
    return found
