"""Values the Terraform loader could not resolve statically.

`Unknown` stands for a whole value; `Template` for a string with unknown holes in it (an
interpolation, a heredoc, a `jsonencode` of a structure that holds unknowns). Engines treat
both as "cannot verify", except where a rule only needs to know that a value is set, or where
the holes are provider-computed attributes (an ARN is a specific ARN, never a wildcard).
"""

from __future__ import annotations

from typing import Any


class Unknown:
    """A value that stays unknown until apply, or that nobody supplied.

    `expr` is the source expression, `refs` the resource addresses it reads, and `concrete`
    says whether it is a provider-computed attribute of a resource or data source (one
    specific value after apply) rather than an input with no value.
    """

    __slots__ = ("concrete", "expr", "refs")

    def __init__(self, expr: str, refs: tuple[str, ...] = (), concrete: bool = False) -> None:
        self.expr = expr
        self.refs = refs
        self.concrete = concrete

    def placeholder(self) -> str:
        """The `${...}` text that stands for this value inside a rendered string."""
        return "${" + self.expr + "}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.expr!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and other.expr == self.expr

    def __hash__(self) -> int:
        return hash(("Unknown", self.expr))


class Template(Unknown):
    """A string whose text is known except for `${...}` holes, each an `Unknown`.

    `text` carries each hole as its placeholder; `holes` maps placeholder to the Unknown.
    """

    __slots__ = ("holes", "text")

    def __init__(self, text: str, holes: dict[str, Unknown]) -> None:
        refs = tuple(sorted({ref for hole in holes.values() for ref in hole.refs}))
        concrete = all(hole.concrete for hole in holes.values())
        super().__init__(text, refs, concrete)
        self.text = text
        self.holes = holes

    def placeholder(self) -> str:
        """A template is already text: its placeholder is the text itself."""
        return self.text


def is_unknown(value: Any) -> bool:
    """True for an Unknown (or Template) anywhere at the top of `value`."""
    return isinstance(value, Unknown)


def contains_unknown(value: Any) -> bool:
    """True if `value` or anything nested in it is unknown."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(item) for item in value)
    return False


def render_text(value: Any) -> str | Template:
    """Render a scalar for string interpolation, keeping holes for unknowns."""
    if isinstance(value, Template):
        return value
    if isinstance(value, Unknown):
        return Template(value.placeholder(), {value.placeholder(): value})
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def concat_text(parts: list[str | Template]) -> str | Template:
    """Join interpolation parts; the result is a Template when any part has holes."""
    if not any(isinstance(part, Template) for part in parts):
        return "".join(part for part in parts if isinstance(part, str))
    holes: dict[str, Unknown] = {}
    texts = []
    for part in parts:
        if isinstance(part, Template):
            holes.update(part.holes)
            texts.append(part.text)
        else:
            texts.append(part)
    return Template("".join(texts), holes)
