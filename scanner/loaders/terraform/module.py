"""Evaluate one Terraform module instance: variables, locals, resources, data, child modules.

A `ModuleInstance` is the `Resolver` the expression evaluator asks for names. Values are
computed on demand and memoized, so locals and resource attributes may refer to each other
in any order; a reference cycle yields an Unknown instead of recursing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hcl2.rules.base import AttributeRule, BlockRule, BodyRule

from scanner.loaders.terraform.expressions import Attr, Evaluator, Index, Splat, Step, apply_steps
from scanner.loaders.terraform.files import ParsedFile, relative_to
from scanner.loaders.terraform.functions import EvalError
from scanner.values import Unknown

logger = logging.getLogger(__name__)

# Meta-arguments and blocks that configure Terraform itself, not the resource.
META_ATTRIBUTES = frozenset({"count", "for_each", "provider", "depends_on"})
META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})


@dataclass
class Block:
    """A top-level block of a module, with the file and line it starts on."""

    kind: str
    labels: list[str]
    body: BodyRule
    file: ParsedFile
    line: int
    end_line: int


@dataclass
class ModuleSource:
    """The blocks of one module directory, grouped by kind."""

    directory: Path
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, tuple[Any, ParsedFile]] = field(default_factory=dict)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    providers: list[Block] = field(default_factory=list)
    resource_types: set[str] = field(default_factory=set)

    @classmethod
    def from_files(cls, directory: Path, files: list[ParsedFile]) -> ModuleSource:
        """Group the top-level blocks of a module's parsed files."""
        source = cls(directory)
        for parsed in files:
            for child in parsed.tree.body.children:
                if isinstance(child, BlockRule):
                    source._add(child, parsed)
        return source

    def _add(self, node: BlockRule, parsed: ParsedFile) -> None:
        labels = [_label(label) for label in node.labels]
        kind, rest = labels[0], labels[1:]
        block = Block(kind, rest, node.body, parsed, _line(node), _end_line(node))
        if kind == "resource" and len(rest) == 2:
            self.resources[(rest[0], rest[1])] = block
            self.resource_types.add(rest[0])
        elif kind == "data" and len(rest) == 2:
            self.data[(rest[0], rest[1])] = block
        elif kind == "variable" and rest:
            self.variables[rest[0]] = block
        elif kind == "module" and rest:
            self.modules[rest[0]] = block
        elif kind == "output" and rest:
            self.outputs[rest[0]] = block
        elif kind == "provider":
            self.providers.append(block)
        elif kind == "locals":
            for item in node.body.children:
                if isinstance(item, AttributeRule):
                    self.locals[str(item.identifier.token.value)] = (item.expression, parsed)


def _label(node: Any) -> str:
    if hasattr(node, "token"):
        return str(node.token.value)
    return "".join(str(part.content.value) for part in node.children if hasattr(part, "content"))


def _end_line(node: Any) -> int:
    meta = getattr(node, "_meta", None)
    line = getattr(meta, "end_line", None) if meta is not None and not meta.empty else None
    return int(line) if line else _line(node)


def _line(node: Any) -> int:
    meta = getattr(node, "_meta", None)
    line = getattr(meta, "line", None) if meta is not None and not meta.empty else None
    return int(line) if line else 1


def attributes(body: BodyRule) -> dict[str, Any]:
    """The attribute expressions of a block body, by name (not evaluated)."""
    return {
        str(child.identifier.token.value): child.expression
        for child in body.children
        if isinstance(child, AttributeRule)
    }


def evaluate_body(body: BodyRule, evaluator: Evaluator, top_level: bool = False) -> dict[str, Any]:
    """Evaluate a block body: attributes to values, nested blocks to lists of dicts."""
    result: dict[str, Any] = {}
    for child in body.children:
        if isinstance(child, AttributeRule):
            name = str(child.identifier.token.value)
            if not (top_level and name in META_ATTRIBUTES):
                result[name] = evaluator.safe(child.expression)
        elif isinstance(child, BlockRule):
            labels = [_label(label) for label in child.labels]
            kind = labels[0]
            if top_level and kind in META_BLOCKS:
                continue
            if kind == "dynamic" and len(labels) > 1:
                _expand_dynamic(child, labels[1], evaluator, result)
            else:
                result.setdefault(kind, []).append(evaluate_body(child.body, evaluator))
    return result


def _expand_dynamic(node: BlockRule, kind: str, evaluator: Evaluator, out: dict[str, Any]) -> None:
    exprs = attributes(node.body)
    content = next(
        (
            c
            for c in node.body.children
            if isinstance(c, BlockRule) and _label(c.labels[0]) == "content"
        ),
        None,
    )
    collection = evaluator.safe(exprs["for_each"]) if "for_each" in exprs else None
    iterator = kind
    if "iterator" in exprs:
        iterator = str(getattr(exprs["iterator"], "expression", exprs["iterator"]).serialize())
    if content is None or isinstance(collection, Unknown) or collection is None:
        out[kind] = Unknown(f"dynamic {kind!r} block")
        return
    items = collection.items() if isinstance(collection, dict) else enumerate(collection)
    for key, value in items:
        scope = evaluator.bind(**{iterator: {"key": key, "value": value}})
        out.setdefault(kind, []).append(evaluate_body(content.body, scope))


class NoReferences:
    """A resolver for contexts where no name may be referenced (tfvars, variable defaults)."""

    def resolve(self, root: str, steps: list[Step], expr: str) -> Any:
        """Every name is unknown here."""
        return Unknown(expr)


@dataclass
class Instance:
    """One expanded instance of a resource, data source or module call."""

    address: str
    key: Any
    bindings: dict[str, Any]


class ModuleInstance:
    """One instantiated module: resolves names and yields its resources and child modules."""

    def __init__(
        self,
        source: ModuleSource,
        loader: Any,
        prefix: str = "",
        inputs: dict[str, Any] | None = None,
        ancestors: tuple[Path, ...] = (),
    ) -> None:
        self.source = source
        self.loader = loader
        self.prefix = prefix
        self.inputs = inputs or {}
        self.ancestors = ancestors
        self.evaluator = Evaluator(self)
        self._locals: dict[str, Any] = {}
        self._attributes: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._children: dict[str, dict[Any, ModuleInstance] | None] = {}
        self._in_progress: set[Any] = set()

    # ---- names ----------------------------------------------------------------------------

    def resolve(self, root: str, steps: list[Step], expr: str) -> Any:
        """Resolve the traversal `root.steps...` in this module."""
        if root in ("var", "local", "module", "data", "path", "terraform") and not steps:
            return Unknown(expr)
        if root == "var":
            return apply_steps(self.variable(_name(steps[0])), steps[1:], expr)
        if root == "local":
            return apply_steps(self.local(_name(steps[0]), expr), steps[1:], expr)
        if root == "module":
            return self._module_output(steps, expr)
        if root == "data":
            if len(steps) < 2:
                return Unknown(expr)
            key = ("data", _name(steps[0]), _name(steps[1]))
            return self._reference(key, steps[2:], expr)
        if root == "path":
            return self._path(_name(steps[0]))
        if root == "terraform":
            return "default" if _name(steps[0]) == "workspace" else Unknown(expr)
        if root in self.source.resource_types and steps:
            return self._reference(("resource", root, _name(steps[0])), steps[1:], expr)
        return Unknown(expr)

    def variable(self, name: str) -> Any:
        """A variable's value: module input, then tfvars (root only), then its default."""
        if name in self.inputs:
            return self.inputs[name]
        block = self.source.variables.get(name)
        if block is None:
            return Unknown(f"var.{name}")
        if not self.prefix and name in self.loader.var_values:
            return self.loader.var_values[name]
        default = attributes(block.body).get("default")
        if default is None:
            return Unknown(f"var.{name}")
        return Evaluator(NoReferences()).safe(default)

    def local(self, name: str, expr: str) -> Any:
        """A local value, evaluated once."""
        if name in self._locals:
            return self._locals[name]
        entry = self.source.locals.get(name)
        if entry is None or ("local", name) in self._in_progress:
            return Unknown(expr)
        self._in_progress.add(("local", name))
        try:
            value = self.evaluator.safe(entry[0])
        finally:
            self._in_progress.discard(("local", name))
        self._locals[name] = value
        return value

    def _path(self, which: str) -> str:
        if which == "module":
            return relative_to(self.source.directory, self.loader.root)
        return "."

    # ---- resources and data ---------------------------------------------------------------

    def block(self, key: tuple[str, str, str]) -> Block | None:
        """The resource (`("resource", type, name)`) or data block with that key."""
        table = self.source.resources if key[0] == "resource" else self.source.data
        return table.get((key[1], key[2]))

    def base_address(self, key: tuple[str, str, str]) -> str:
        """The address of a block without instance key, with the module prefix."""
        local = f"{key[1]}.{key[2]}" if key[0] == "resource" else f"data.{key[1]}.{key[2]}"
        return f"{self.prefix}.{local}" if self.prefix else local

    def instances(self, block: Block, address: str) -> list[Instance]:
        """Expand `count` / `for_each` into instances; one unknown instance when unresolvable."""
        exprs = attributes(block.body)
        if "count" in exprs:
            count = self.evaluator.safe(exprs["count"])
            if isinstance(count, int) and not isinstance(count, bool):
                return [
                    Instance(f"{address}[{i}]", i, {"count": {"index": i}}) for i in range(count)
                ]
            return [Instance(address, None, {"count": {"index": Unknown("count.index")}})]
        if "for_each" in exprs:
            collection = self.evaluator.safe(exprs["for_each"])
            if isinstance(collection, dict):
                items = list(collection.items())
            elif isinstance(collection, list) and not any(
                isinstance(i, Unknown) for i in collection
            ):
                items = [(item, item) for item in collection]
            else:
                each = {"key": Unknown("each.key"), "value": Unknown("each.value")}
                return [Instance(address, None, {"each": each})]
            return [
                Instance(f'{address}["{key}"]', key, {"each": {"key": key, "value": value}})
                for key, value in items
            ]
        return [Instance(address, None, {})]

    def evaluated(
        self, key: tuple[str, str, str], instance: Instance, block: Block
    ) -> dict[str, Any]:
        """The evaluated attributes of one instance, computed once."""
        memo_key = (key[0], instance.address, "")
        if memo_key in self._attributes:
            return self._attributes[memo_key]
        if memo_key in self._in_progress:
            raise EvalError(f"reference cycle through {instance.address}")
        self._in_progress.add(memo_key)
        try:
            scope = self.evaluator.bind(**instance.bindings)
            values = evaluate_body(block.body, scope, top_level=True)
            if key[0] == "data":
                values.update(self.loader.render_data(key[1], values))
        finally:
            self._in_progress.discard(memo_key)
        self._attributes[memo_key] = values
        return values

    def _reference(self, key: tuple[str, str, str], steps: list[Step], expr: str) -> Any:
        block = self.block(key)
        if block is None:
            return Unknown(expr)
        base = self.base_address(key)
        instances = self.instances(block, base)
        expanded = "count" in attributes(block.body) or "for_each" in attributes(block.body)
        if expanded and steps and isinstance(steps[0], Index):
            chosen = [
                i for i in instances if i.key == steps[0].key or str(i.key) == str(steps[0].key)
            ]
            if not chosen:
                return Unknown(expr, (base,), True)
            return self._instance_value(key, chosen[0], block, steps[1:], expr)
        if expanded and steps and isinstance(steps[0], Splat):
            rest = list(steps[0].rest) + list(steps[1:])
            return [self._instance_value(key, i, block, rest, expr) for i in instances]
        if expanded and (not steps or instances[0].key is None):
            return Unknown(expr, (base,), True)
        return self._instance_value(key, instances[0], block, steps, expr)

    def _instance_value(
        self,
        key: tuple[str, str, str],
        instance: Instance,
        block: Block,
        steps: list[Any],
        expr: str,
    ) -> Any:
        computed = Unknown(expr, (instance.address,), True)
        if not steps or not isinstance(steps[0], Attr):
            return computed
        try:
            values = self.evaluated(key, instance, block)
        except EvalError:
            return computed
        if steps[0].name not in values:
            return computed
        return apply_steps(values[steps[0].name], steps[1:], expr)

    # ---- child modules --------------------------------------------------------------------

    def children(self, name: str) -> dict[Any, ModuleInstance] | None:
        """The instances of module call `name`; None when its source is not local."""
        if name not in self._children:
            self._children[name] = self.loader.instantiate(self, name)
        return self._children[name]

    def _module_output(self, steps: list[Step], expr: str) -> Any:
        name = _name(steps[0])
        children = self.children(name)
        if children is None:
            return Unknown(expr, (), False)
        rest = steps[1:]
        if rest and isinstance(rest[0], Index) and rest[0].key in children:
            children = {rest[0].key: children[rest[0].key]}
            rest = rest[1:]
        if len(children) != 1 or not rest:
            return Unknown(expr)
        child = next(iter(children.values()))
        output = child.source.outputs.get(_name(rest[0]))
        if output is None or "value" not in attributes(output.body):
            return Unknown(expr)
        value = child.evaluator.safe(attributes(output.body)["value"])
        return apply_steps(value, rest[1:], expr)

    def walk(self) -> Iterator[ModuleInstance]:
        """This module and every local module instance under it."""
        yield self
        for name in sorted(self.source.modules):
            for child in (self.children(name) or {}).values():
                yield from child.walk()


def _name(step: Step) -> str:
    if isinstance(step, Attr):
        return step.name
    if isinstance(step, Index) and isinstance(step.key, str):
        return step.key
    raise EvalError("expected a name")
