"""Evaluate a rule's declarative condition against one resource, in three-valued logic.

Each node yields an `Outcome`: passed (True), failed (False) or cannot verify (None), with a
message that says why. An unknown value never passes a test it could fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scanner.engine.graph import Graph
from scanner.engine.rules import Condition, Leaf
from scanner.model import Resource
from scanner.values import Unknown


@dataclass(frozen=True)
class Outcome:
    """The verdict of a condition or check: True, False or None (cannot verify), and why."""

    passed: bool | None
    message: str


def evaluate(condition: Condition, resource: Resource, graph: Graph) -> Outcome:
    """Evaluate `condition` on `resource`."""
    if condition.leaf is not None:
        return _leaf(condition.leaf, resource.attributes)
    if condition.all is not None:
        return _all([evaluate(c, resource, graph) for c in condition.all])
    if condition.any is not None:
        return _any([evaluate(c, resource, graph) for c in condition.any])
    if condition.not_ is not None:
        inner = evaluate(condition.not_, resource, graph)
        if inner.passed is None:
            return inner
        return Outcome(not inner.passed, f"not ({inner.message})")
    assert condition.related is not None
    return _related(condition, resource, graph)


def _all(outcomes: list[Outcome]) -> Outcome:
    failed = [o for o in outcomes if o.passed is False]
    if failed:
        return Outcome(False, _join(failed))
    unknown = [o for o in outcomes if o.passed is None]
    if unknown:
        return Outcome(None, _join(unknown))
    return Outcome(True, _join(outcomes))


def _any(outcomes: list[Outcome]) -> Outcome:
    passed = [o for o in outcomes if o.passed]
    if passed:
        return passed[0]
    unknown = [o for o in outcomes if o.passed is None]
    if unknown:
        return Outcome(None, _join(unknown))
    # Every alternative failed: the first one is the compliant state the rule prefers.
    return Outcome(False, outcomes[0].message)


def _join(outcomes: list[Outcome]) -> str:
    return "; ".join(dict.fromkeys(o.message for o in outcomes))


def _related(condition: Condition, resource: Resource, graph: Graph) -> Outcome:
    spec = condition.related
    assert spec is not None
    others = graph.related(resource, spec.types, spec.via, spec.target_attribute)
    kinds = " or ".join(spec.types)
    if not others:
        return Outcome(False, f"no {kinds} refers to it")
    if spec.condition is None:
        return Outcome(True, f"{others[0].address} refers to it")
    outcomes = [evaluate(spec.condition, other, graph) for other in others]
    best = _any(outcomes)
    where = ", ".join(o.address for o in others)
    return Outcome(best.passed, f"{where}: {best.message}")


def lookup(attributes: dict[str, Any], path: str) -> list[Any]:
    """All values at dotted `path`; lists (repeated blocks) are searched through.

    An Unknown met on the way is returned as is, so that callers can say "cannot verify".
    """
    values: list[Any] = [attributes]
    for part in path.replace("[*]", "").split("."):
        found: list[Any] = []
        for value in values:
            found.extend(_step(value, part))
        values = found
    return [v for v in _flatten(values) if v is not None]


def _step(value: Any, part: str) -> list[Any]:
    if isinstance(value, Unknown):
        return [value]
    if isinstance(value, list):
        return [item for element in value for item in _step(element, part)]
    if isinstance(value, dict) and part in value:
        return [value[part]]
    return []


def _flatten(values: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list):
            flat.extend(_flatten(value))
        else:
            flat.append(value)
    return flat


def _leaf(leaf: Leaf, attributes: dict[str, Any]) -> Outcome:
    values = lookup(attributes, leaf.attribute)
    operator = leaf.operator
    if operator == "exists":
        present = bool(values)
        if present == leaf.exists:
            return Outcome(True, f"`{leaf.attribute}` is {'set' if present else 'not set'}")
        return Outcome(False, f"`{leaf.attribute}` is {'set' if present else 'not set'}")
    if not values:
        return Outcome(leaf.missing == "pass", f"`{leaf.attribute}` is not set")
    results = [_test(leaf, operator, value) for value in values]
    expectation = _expectation(leaf, operator)
    if leaf.match == "any" and True in results:
        return Outcome(True, f"`{leaf.attribute}` is {expectation}")
    if leaf.match == "all" and False in results:
        bad = values[results.index(False)]
        return Outcome(False, f"`{leaf.attribute}` is {_show(bad)}, expected {expectation}")
    if None in results:
        unknown = values[results.index(None)]
        return Outcome(None, f"`{leaf.attribute}` is `{_expr(unknown)}`, which cannot be resolved")
    if leaf.match == "any":
        return Outcome(False, f"no `{leaf.attribute}` is {expectation}")
    return Outcome(True, f"`{leaf.attribute}` is {expectation}")


def _test(leaf: Leaf, operator: str, value: Any) -> bool | None:
    if isinstance(value, Unknown):
        return None
    expected = getattr(leaf, operator)
    if operator == "equals":
        return bool(_same(value, expected))
    if operator == "not_equals":
        return not _same(value, expected)
    if operator == "in_":
        return any(_same(value, item) for item in expected)
    if operator == "not_in":
        return not any(_same(value, item) for item in expected)
    if operator in ("matches", "not_matches"):
        found = isinstance(value, str) and re.search(expected, value) is not None
        return found if operator == "matches" else not found
    number = _number(value)
    if number is None:
        return False
    return bool(number >= expected if operator == "greater_or_equal" else number <= expected)


def _same(value: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return str(value).lower() == str(expected).lower()
    if isinstance(expected, int | float) and _number(value) is not None:
        return _number(value) == expected
    return bool(value == expected)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _expectation(leaf: Leaf, operator: str) -> str:
    expected = getattr(leaf, operator)
    words = {
        "equals": "equal to",
        "not_equals": "other than",
        "in_": "one of",
        "not_in": "none of",
        "matches": "matching",
        "not_matches": "not matching",
        "greater_or_equal": "at least",
        "less_or_equal": "at most",
    }
    return f"{words[operator]} {_show(expected)}"


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a block"
    return str(value)


def _expr(value: Any) -> str:
    return value.expr if isinstance(value, Unknown) else str(value)
