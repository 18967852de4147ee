"""Read YAML (and JSON, which YAML reads too) keeping the line of every value.

Waiver and baseline files are validated by pydantic; a validation error must name the line a
user has to fix, which plain `yaml.safe_load` forgets. Scalars come back as strings (or None
for YAML nulls) and pydantic converts them, so a date stays a date and a typo stays a typo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from scanner.errors import UsageError

KeyPath = tuple[str | int, ...]

_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass
class Located:
    """A parsed document and the 1-based line of each value, keyed by its path of keys."""

    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int:
        """The line of the value at `path`, or of its nearest enclosing value."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


def load_located(text: str, source: str) -> Located:
    """Parse `text`; UsageError naming `source` and the line when it is not valid YAML."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader_class)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, started = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and started is not None:
            problem += f" ({context} at line {started.line + 1})"
        raise UsageError(f"{source}{line}: invalid YAML: {problem}") from exc
    located = Located(None)
    if node is not None:
        located.data = _convert(node, (), located.lines)
    return located


def error_location(exc: ValidationError, located: Located, prefix: KeyPath = ()) -> tuple[int, str]:
    """The line and a short description of the first error pydantic found."""
    error = exc.errors()[0]
    loc = tuple(error["loc"])
    line = located.line_of(prefix + loc)
    name = str(loc[-1]) if loc else ""
    kind = error["type"]
    if kind == "missing":
        return line, f"`{name}` is required"
    if kind == "extra_forbidden":
        return line, f"unknown key `{name}`"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return line, f"`{name}`: {message}" if name else message


def _convert(node: Any, path: KeyPath, lines: dict[KeyPath, int]) -> Any:
    import yaml

    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            result[key] = _convert(value_node, (*path, key), lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, index), lines) for index, item in enumerate(node.value)]
    if node.tag == _NULL_TAG:
        return None
    return node.value
