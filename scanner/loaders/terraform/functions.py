"""The Terraform built-in functions the loader evaluates statically.

Each function receives already evaluated arguments. An unknown argument makes the result
unknown (the evaluator checks before calling), except for the functions in `LENIENT`, which
look at their arguments themselves. A function that is not listed here yields an unknown
value: it is never guessed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Callable
from typing import Any

from scanner.values import Template, Unknown, contains_unknown


class EvalError(Exception):
    """An expression that cannot be evaluated (bad argument, missing key, bad index)."""


def jsonencode(value: Any) -> str | Template:
    """Encode to JSON; unknown parts become `${...}` holes of a Template."""
    holes: dict[str, Unknown] = {}

    def plain(item: Any) -> Any:
        if isinstance(item, Unknown):
            holes[item.placeholder()] = item
            return item.placeholder()
        if isinstance(item, dict):
            return {str(key): plain(val) for key, val in item.items()}
        if isinstance(item, list | tuple):
            return [plain(val) for val in item]
        return item

    text = json.dumps(plain(value), separators=(",", ":"))
    return Template(text, holes) if holes else text


def jsondecode(text: str) -> Any:
    """Decode JSON text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EvalError(f"jsondecode: {exc}") from exc


def _merge(*maps: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise EvalError("merge: arguments must be maps")
        merged.update(item)
    return merged


def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            raise EvalError("concat: arguments must be lists")
        out.extend(item)
    return out


def _flatten(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def _distinct(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    return out


def _toset(value: list[Any]) -> list[Any]:
    return sorted(_distinct(value), key=lambda item: json.dumps(item, sort_keys=True))


def _lookup(mapping: dict[str, Any], key: str, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise EvalError(f"lookup: no key {key!r}")


def _element(value: list[Any], index: int) -> Any:
    if not value:
        raise EvalError("element: empty list")
    return value[int(index) % len(value)]


def _format(spec: str, *args: Any) -> str:
    # Terraform verbs are Go's; %s, %d, %v and %q cover what IaC uses in practice.
    converted = spec.replace("%v", "%s").replace("%q", '"%s"')
    try:
        return converted % tuple(args)
    except (TypeError, ValueError) as exc:
        raise EvalError(f"format: {exc}") from exc


def _coalesce(*args: Any) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
        if arg is not None and arg != "":
            return arg
    raise EvalError("coalesce: no non-null argument")


def _one(value: list[Any]) -> Any:
    if len(value) > 1:
        raise EvalError("one: more than one element")
    return value[0] if value else None


def _tobool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise EvalError(f"tobool: cannot convert {value!r}")


def _tonumber(value: Any) -> int | float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise EvalError(f"tonumber: cannot convert {value!r}") from exc
    return int(number) if number.is_integer() else number


def _tostring(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        raise EvalError("tostring: not a primitive")
    return "" if value is None else str(value)


def _strrev(value: str) -> str:
    return value[::-1]


def _substr(value: str, offset: int, length: int) -> str:
    end = None if length < 0 else offset + length
    return value[offset:end]


def _replace(value: str, old: str, new: str) -> str:
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        import re

        return re.sub(old[1:-1], new.replace("$", "\\"), value)
    return value.replace(old, new)


def _range(*args: int) -> list[int]:
    return list(range(*(int(arg) for arg in args)))


def _setop(kind: str) -> Callable[..., list[Any]]:
    def run(*sets: Any) -> list[Any]:
        first = list(sets[0])
        if kind == "union":
            return _toset([item for group in sets for item in group])
        if kind == "intersection":
            return _toset([item for item in first if all(item in group for group in sets[1:])])
        return _toset([item for item in first if all(item not in group for group in sets[1:])])

    return run


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "base64decode": lambda text: base64.b64decode(text).decode(),
    "base64encode": lambda text: base64.b64encode(str(text).encode()).decode(),
    "ceil": math.ceil,
    "chomp": lambda text: text.rstrip("\r\n"),
    "coalesce": _coalesce,
    "coalescelist": lambda *lists: next((item for item in lists if item), []),
    "compact": lambda items: [item for item in items if item not in (None, "")],
    "concat": _concat,
    "contains": lambda items, value: value in items,
    "distinct": _distinct,
    "element": _element,
    "endswith": lambda text, suffix: str(text).endswith(suffix),
    "flatten": _flatten,
    "floor": math.floor,
    "format": _format,
    "formatlist": lambda spec, items: [_format(spec, item) for item in items],
    "join": lambda sep, items: sep.join(_tostring(item) for item in items),
    "jsondecode": jsondecode,
    "jsonencode": jsonencode,
    "keys": lambda mapping: sorted(mapping),
    "length": len,
    "lookup": _lookup,
    "lower": lambda text: str(text).lower(),
    "max": max,
    "md5": lambda text: hashlib.md5(str(text).encode(), usedforsecurity=False).hexdigest(),
    "merge": _merge,
    "min": min,
    "one": _one,
    "range": _range,
    "replace": _replace,
    "reverse": lambda items: list(reversed(items)),
    "setintersection": _setop("intersection"),
    "setsubtract": _setop("subtract"),
    "setunion": _setop("union"),
    "sha256": lambda text: hashlib.sha256(str(text).encode()).hexdigest(),
    "slice": lambda items, start, end: items[int(start) : int(end)],
    "sort": lambda items: sorted(items),
    "split": lambda sep, text: str(text).split(sep),
    "startswith": lambda text, prefix: str(text).startswith(prefix),
    "strrev": _strrev,
    "substr": _substr,
    "sum": sum,
    "title": lambda text: str(text).title(),
    "tobool": _tobool,
    "tolist": list,
    "tomap": dict,
    "tonumber": _tonumber,
    "toset": _toset,
    "tostring": _tostring,
    "trim": lambda text, chars: str(text).strip(chars),
    "trimprefix": lambda text, prefix: str(text).removeprefix(prefix),
    "trimspace": lambda text: str(text).strip(),
    "trimsuffix": lambda text, suffix: str(text).removesuffix(suffix),
    "upper": lambda text: str(text).upper(),
    "values": lambda mapping: [mapping[key] for key in sorted(mapping)],
    "zipmap": lambda keys, vals: dict(zip(keys, vals, strict=True)),
}

# Functions that inspect unknown arguments themselves instead of propagating them.
LENIENT = frozenset({"coalesce", "jsonencode", "length", "keys", "concat", "merge", "tolist"})


def call(name: str, args: list[Any], expr: str) -> Any:
    """Call Terraform function `name`; unknown when it is not modelled or its input is."""
    function = FUNCTIONS.get(name)
    if function is None:
        refs = tuple(sorted({ref for arg in args if isinstance(arg, Unknown) for ref in arg.refs}))
        return Unknown(expr, refs)
    if _needs_known_arguments(name, args):
        return _unknown_from(expr, args)
    try:
        return function(*args)
    except EvalError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError) as exc:
        raise EvalError(f"{name}(): {exc}") from exc


def _needs_known_arguments(name: str, args: list[Any]) -> bool:
    """Whether an unknown among `args` makes the call's result unknown.

    Lenient functions tolerate unknowns nested inside their arguments (the length of a list
    of unknown ARNs is known); most still need the top-level arguments themselves.
    """
    if name not in LENIENT:
        return any(contains_unknown(arg) for arg in args)
    if name in ("coalesce", "jsonencode"):
        return False
    return any(isinstance(arg, Unknown) for arg in args)


def _unknown_from(expr: str, args: list[Any]) -> Unknown:
    unknowns = [arg for arg in args if isinstance(arg, Unknown)]
    refs = tuple(sorted({ref for arg in unknowns for ref in arg.refs}))
    concrete = bool(unknowns) and all(arg.concrete for arg in unknowns)
    return Unknown(expr, refs, concrete)
