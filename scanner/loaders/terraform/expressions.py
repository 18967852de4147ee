"""Evaluate HCL expressions from python-hcl2's typed parse tree.

The evaluator resolves literals, strings and heredocs with interpolation, collections,
operators, conditionals, `for` expressions, splats and function calls. Names (`var.x`,
`local.y`, `aws_s3_bucket.b.arn`, `each.key`) are handed to a `Resolver`, which the module
loader implements. Whatever cannot be resolved becomes an `Unknown`, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hcl2.rules import containers as hc
from hcl2.rules import expressions as he
from hcl2.rules import for_expressions as hf
from hcl2.rules import functions as hfn
from hcl2.rules import indexing as hi
from hcl2.rules import literal_rules as hl
from hcl2.rules import strings as hs
from hcl2.rules.abstract import LarkToken
from hcl2.utils import SerializationOptions, process_escape_sequences

from scanner.loaders.terraform.functions import EvalError, call
from scanner.values import Template, Unknown, concat_text, render_text

_SOURCE_OPTIONS = SerializationOptions(with_comments=False)


@dataclass(frozen=True)
class Attr:
    """`.name` in a traversal."""

    name: str


@dataclass(frozen=True)
class Index:
    """`[key]` in a traversal, with the key already evaluated."""

    key: Any


@dataclass(frozen=True)
class Splat:
    """`[*]` or `.*` in a traversal; `rest` applies to every element."""

    rest: tuple[Attr | Index, ...]


Step = Attr | Index | Splat


class Resolver(Protocol):
    """Resolves the first name of a traversal (`var`, `local`, `aws_s3_bucket`, ...)."""

    def resolve(self, root: str, steps: list[Step], expr: str) -> Any:
        """Return the value that `root` followed by `steps` names."""
        ...


def source_text(node: Any) -> str:
    """Source-like text of an expression, for messages and unknown placeholders."""
    try:
        text = str(node.serialize(_SOURCE_OPTIONS))
    except (RuntimeError, ValueError, TypeError, AttributeError):
        return "<expression>"
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    return text


class Evaluator:
    """Evaluates expressions against a resolver and the names bound by `for`, `each`, `count`."""

    def __init__(self, resolver: Resolver, bindings: dict[str, Any] | None = None) -> None:
        self.resolver = resolver
        self.bindings = bindings or {}

    def bind(self, **names: Any) -> Evaluator:
        """A child evaluator with more names bound (a `for` iteration, a dynamic block)."""
        return Evaluator(self.resolver, {**self.bindings, **names})

    def evaluate(self, node: Any) -> Any:
        """Evaluate `node`; EvalError for an expression that is wrong, not merely unknown."""
        handler = _HANDLERS.get(type(node))
        if handler is None:
            return Unknown(source_text(node))
        return handler(self, node)

    def safe(self, node: Any) -> Any:
        """Evaluate, turning an evaluation error into an Unknown with the expression text."""
        try:
            return self.evaluate(node)
        except EvalError:
            return Unknown(source_text(node))
        except RecursionError:
            return Unknown(source_text(node))

    # ---- traversals ------------------------------------------------------------------

    def traversal(self, node: Any) -> Any:
        """Evaluate a chain of `.attr`, `[index]` and splats starting from a name or value."""
        base, steps = self._flatten(node)
        expr = source_text(node)
        if isinstance(base, hl.IdentifierRule):
            name = str(base.token.value)
            if name in self.bindings:
                return apply_steps(self.bindings[name], steps, expr)
            return self.resolver.resolve(name, steps, expr)
        return apply_steps(self.evaluate(base), steps, expr)

    def _flatten(self, node: Any) -> tuple[Any, list[Step]]:
        steps: list[Step] = []
        while True:
            if isinstance(node, hi.GetAttrExprTermRule):
                steps.append(Attr(str(node.get_attr.identifier.token.value)))
                node = node.expr_term
            elif isinstance(node, hi.IndexExprTermRule):
                steps.append(self._index_step(node.children[1]))
                node = node.children[0]
            elif isinstance(node, hi.AttrSplatExprTermRule | hi.FullSplatExprTermRule):
                rest = tuple(self._accessor(item) for item in node.attr_splat.get_attrs)
                steps.append(Splat(rest))
                node = node.expr_term
            elif isinstance(node, he.ExprTermRule) and not node.parentheses:
                node = node.expression
            else:
                steps.reverse()
                return node, steps

    def _accessor(self, item: Any) -> Attr | Index:
        if isinstance(item, hi.GetAttrRule):
            return Attr(str(item.identifier.token.value))
        return self._index_step(item)

    def _index_step(self, item: Any) -> Index:
        if isinstance(item, hi.ShortIndexRule):
            return Index(int(item.index.value))
        return Index(self.evaluate(item.index_expression))


def apply_steps(value: Any, steps: list[Step] | tuple[Attr | Index, ...], expr: str) -> Any:
    """Follow `steps` into a concrete value; an unknown anywhere stays unknown."""
    for position, step in enumerate(steps):
        if isinstance(value, Unknown):
            return Unknown(expr, value.refs, value.concrete)
        if isinstance(step, Splat):
            items = value if isinstance(value, list) else ([] if value is None else [value])
            rest = list(step.rest) + list(steps[position + 1 :])
            return [apply_steps(item, rest, expr) for item in items]
        value = _step_into(value, step, expr)
    return value


def _step_into(value: Any, step: Attr | Index, expr: str) -> Any:
    key = step.name if isinstance(step, Attr) else step.key
    if isinstance(key, Unknown):
        return Unknown(expr, key.refs, False)
    if isinstance(value, dict):
        if str(key) not in value:
            raise EvalError(f"{expr}: no attribute or key {key!r}")
        return value[str(key)]
    if isinstance(value, list):
        try:
            return value[int(key)]
        except (ValueError, IndexError) as exc:
            raise EvalError(f"{expr}: bad index {key!r}") from exc
    raise EvalError(f"{expr}: cannot index a {type(value).__name__}")


# ---- node handlers ----------------------------------------------------------------------


def _expr_term(ev: Evaluator, node: he.ExprTermRule) -> Any:
    inner = node.expression
    if isinstance(inner, hl.IdentifierRule):
        return ev.traversal(inner)
    return ev.evaluate(inner)


def _literal(ev: Evaluator, node: hl.LiteralValueRule) -> Any:
    return {"true": True, "false": False, "null": None}.get(str(node.token.value))


def _int(ev: Evaluator, node: hl.IntLitRule) -> int:
    return int(str(node.token.value))


def _float(ev: Evaluator, node: hl.FloatLitRule) -> float:
    return float(str(node.token.value))


def _string(ev: Evaluator, node: hs.StringRule) -> str | Template:
    parts: list[str | Template] = []
    for child in node.children:
        if not isinstance(child, hs.StringPartRule):
            continue
        content = child.content
        if isinstance(content, hs.InterpolationRule):
            parts.append(render_text(ev.safe(content.children[1])))
        elif isinstance(content, LarkToken):
            text = str(content.value)
            if content.lark_name() in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                parts.append(text[1:])
            else:
                parts.append(process_escape_sequences(text))
        else:
            directive = source_text(content)
            unknown = Unknown(f"template directive {directive}")
            parts.append(render_text(unknown))
    return concat_text(parts)


_INTERPOLATION = re.compile(r"(?<!\$)\$\{")


def heredoc_text(node: hs.HeredocTemplateRule) -> str:
    """The body of a heredoc, dedented for `<<-`.

    Computed from the raw token: python-hcl2 8.1's value serialization escapes quotes in
    `<<-` heredocs, which would corrupt a JSON policy.
    """
    raw = str(node.heredoc.value)
    match = re.match(r"<<-?([a-zA-Z][a-zA-Z0-9._-]*)\r?\n([\s\S]*)\1", raw)
    if match is None:
        return ""
    body = re.sub(r"\r?\n[ \t]*\Z", "", match.group(2))
    if not raw.startswith("<<-"):
        return body
    lines = body.split("\n")
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)


def _heredoc(ev: Evaluator, node: hs.HeredocTemplateRule) -> str | Unknown:
    text = heredoc_text(node)
    if "%{" in text.replace("%%{", ""):
        # Template directives (%{if}, %{for}) in heredocs are not evaluated: the text they
        # produce depends on control flow this loader does not model.
        return Unknown(source_text(node))
    if "${" not in text:
        return text
    return _interpolate(ev, text)


def _interpolate(ev: Evaluator, text: str) -> str | Template:
    """Evaluate the `${...}` holes of heredoc text by parsing each one as an expression."""
    from hcl2 import api
    from lark.exceptions import LarkError

    parts: list[str | Template] = []
    position = 0
    for match in _INTERPOLATION.finditer(text):
        if match.start() < position:
            continue
        end = _closing_brace(text, match.end())
        if end < 0:
            break
        parts.append(text[position : match.start()])
        source = text[match.end() : end]
        try:
            tree = api.parses(f"x = {source}\n")
            value = ev.safe(tree.body.children[0].expression)
        except (LarkError, RuntimeError, ValueError, IndexError, AttributeError):
            # A hole that does not parse as one expression cannot be resolved; the heredoc
            # keeps it as an unknown part rather than failing the whole file.
            value = Unknown(source)
        parts.append(render_text(value))
        position = end + 1
    parts.append(text[position:])
    return concat_text(
        [part.replace("$${", "${") if isinstance(part, str) else part for part in parts]
    )


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    quoted = False
    for index in range(start, len(text)):
        char = text[index]
        if char == '"' and text[index - 1] != "\\":
            quoted = not quoted
        elif not quoted and char == "{":
            depth += 1
        elif not quoted and char == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _tuple(ev: Evaluator, node: hc.TupleRule) -> list[Any]:
    return [ev.safe(element) for element in node.elements]


def _object(ev: Evaluator, node: hc.ObjectRule) -> dict[str, Any] | Unknown:
    result: dict[str, Any] = {}
    for element in node.elements:
        key_node = element.key
        if isinstance(key_node, hc.ObjectElemKeyRule):
            raw = key_node.value
            if isinstance(raw, hl.IdentifierRule):
                key: Any = str(raw.token.value)
            else:
                key = ev.evaluate(raw)
        else:
            key = ev.safe(key_node.expression)
        if isinstance(key, Unknown):
            return Unknown(source_text(node), key.refs)
        result[str(key)] = ev.safe(element.expression)
    return result


def _function(ev: Evaluator, node: hfn.FunctionCallRule) -> Any:
    name = "::".join(str(ident.token.value) for ident in node.identifiers)
    argument_nodes = node.arguments.arguments if node.arguments is not None else []
    expr = source_text(node)
    if name in ("try", "can"):
        return _try_or_can(ev, name, argument_nodes, expr)
    args = [ev.safe(arg) for arg in argument_nodes]
    if node.arguments is not None and node.arguments.has_ellipsis and args:
        last = args.pop()
        if isinstance(last, Unknown):
            return Unknown(expr, last.refs)
        args.extend(last)
    return call(name, args, expr)


def _try_or_can(ev: Evaluator, name: str, nodes: list[Any], expr: str) -> Any:
    for arg in nodes:
        try:
            value = ev.evaluate(arg)
        except EvalError:
            if name == "can":
                return False
            continue
        if isinstance(value, Unknown):
            return Unknown(expr, value.refs)
        return True if name == "can" else value
    if name == "can":
        return False
    raise EvalError(f"{expr}: no argument could be evaluated")


def _conditional(ev: Evaluator, node: he.ConditionalRule) -> Any:
    condition = ev.safe(node.condition)
    if isinstance(condition, Unknown):
        when_true, when_false = ev.safe(node.if_true), ev.safe(node.if_false)
        if when_true == when_false and not isinstance(when_true, Unknown):
            return when_true
        return Unknown(source_text(node), condition.refs)
    return ev.evaluate(node.if_true if condition else node.if_false)


def _unary(ev: Evaluator, node: he.UnaryOpRule) -> Any:
    value = ev.safe(node.expr_term)
    if isinstance(value, Unknown):
        return Unknown(source_text(node), value.refs)
    if node.operator == "!":
        return not value
    if not isinstance(value, int | float):
        raise EvalError(f"{source_text(node)}: not a number")
    return -value


def _binary(ev: Evaluator, node: he.BinaryOpRule) -> Any:
    operator = str(node.binary_term.binary_operator.token.value).strip()
    left = ev.safe(node.expr_term)
    if operator == "&&" and left is False:
        return False
    if operator == "||" and left is True:
        return True
    right = ev.safe(node.binary_term.expr_term)
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        refs = tuple(
            sorted({r for side in (left, right) if isinstance(side, Unknown) for r in side.refs})
        )
        return Unknown(source_text(node), refs)
    operation = _OPERATORS.get(operator)
    if operation is None:
        raise EvalError(f"unsupported operator {operator}")
    try:
        return operation(left, right)
    except (TypeError, ZeroDivisionError) as exc:
        raise EvalError(f"{source_text(node)}: {exc}") from exc


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": lambda a, b: a % b,
    "&&": lambda a, b: bool(a and b),
    "||": lambda a, b: bool(a or b),
}


def _for_items(ev: Evaluator, intro: hf.ForIntroRule) -> list[tuple[Any, Any]] | Unknown:
    collection = ev.safe(intro.iterable)
    if isinstance(collection, Unknown):
        return Unknown(source_text(intro.iterable), collection.refs)
    if isinstance(collection, dict):
        return list(collection.items())
    if isinstance(collection, list):
        return list(enumerate(collection))
    raise EvalError("for expression over a non-collection")


def _for_scopes(ev: Evaluator, intro: hf.ForIntroRule) -> list[Evaluator] | Unknown:
    items = _for_items(ev, intro)
    if isinstance(items, Unknown):
        return items
    first = str(intro.first_iterator.token.value)
    second = intro.second_iterator
    scopes = []
    for key, value in items:
        if second is None:
            scopes.append(ev.bind(**{first: value}))
        else:
            scopes.append(ev.bind(**{first: key, str(second.token.value): value}))
    return scopes


def _keep(scope: Evaluator, condition: hf.ForCondRule | None) -> bool | Unknown:
    if condition is None:
        return True
    value = scope.safe(condition.condition_expr)
    return value if isinstance(value, Unknown) else bool(value)


def _for_tuple(ev: Evaluator, node: hf.ForTupleExprRule) -> list[Any] | Unknown:
    scopes = _for_scopes(ev, node.for_intro)
    if isinstance(scopes, Unknown):
        return Unknown(source_text(node), scopes.refs)
    result = []
    for scope in scopes:
        keep = _keep(scope, node.condition)
        if isinstance(keep, Unknown):
            return Unknown(source_text(node), keep.refs)
        if keep:
            result.append(scope.safe(node.value_expr))
    return result


def _for_object(ev: Evaluator, node: hf.ForObjectExprRule) -> dict[str, Any] | Unknown:
    scopes = _for_scopes(ev, node.for_intro)
    if isinstance(scopes, Unknown):
        return Unknown(source_text(node), scopes.refs)
    result: dict[str, Any] = {}
    for scope in scopes:
        keep = _keep(scope, node.condition)
        key = scope.safe(node.key_expr)
        if isinstance(keep, Unknown) or isinstance(key, Unknown):
            return Unknown(source_text(node))
        if not keep:
            continue
        value = scope.safe(node.value_expr)
        if node.ellipsis is not None:
            result.setdefault(str(key), []).append(value)
        else:
            result[str(key)] = value
    return result


_HANDLERS: dict[type, Callable[[Evaluator, Any], Any]] = {
    he.ExprTermRule: _expr_term,
    hl.LiteralValueRule: _literal,
    hl.IntLitRule: _int,
    hl.FloatLitRule: _float,
    hl.IdentifierRule: lambda ev, node: ev.traversal(node),
    hs.StringRule: _string,
    hs.HeredocTemplateRule: _heredoc,
    hs.HeredocTrimTemplateRule: _heredoc,
    hc.TupleRule: _tuple,
    hc.ObjectRule: _object,
    hfn.FunctionCallRule: _function,
    he.ConditionalRule: _conditional,
    he.UnaryOpRule: _unary,
    he.BinaryOpRule: _binary,
    hi.GetAttrExprTermRule: lambda ev, node: ev.traversal(node),
    hi.IndexExprTermRule: lambda ev, node: ev.traversal(node),
    hi.AttrSplatExprTermRule: lambda ev, node: ev.traversal(node),
    hi.FullSplatExprTermRule: lambda ev, node: ev.traversal(node),
    hf.ForTupleExprRule: _for_tuple,
    hf.ForObjectExprRule: _for_object,
}
