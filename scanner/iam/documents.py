"""Turn a policy attribute (JSON text, a Template with holes, a dict) into a PolicyDocument.

Every list-or-scalar field becomes a list. A hole whose value is a provider-computed
attribute (`${aws_s3_bucket.b.arn}/*`) stays as its placeholder text: it names one specific
resource. A hole nobody can resolve (`${var.arn}`) is also kept as text, and listed in
`unresolved` so that checks report "cannot verify" instead of passing.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.model import PolicyDocument, Statement
from scanner.values import Template, Unknown


class NotAPolicy(ValueError):
    """The value is not a JSON policy document (malformed JSON, wrong shape)."""


def parse_policy(value: Any) -> PolicyDocument | Unknown | None:
    """The document `value` holds; None when unset, Unknown when it cannot be resolved."""
    if value is None or value == "":
        return None
    holes: dict[str, Unknown] = {}
    if isinstance(value, Template):
        holes = value.holes
        text: Any = value.text
    elif isinstance(value, Unknown):
        return value
    else:
        text = value
    if isinstance(text, str):
        try:
            text = json.loads(text)
        except json.JSONDecodeError as exc:
            if holes:
                return Unknown(str(value.expr) if isinstance(value, Unknown) else "policy")
            raise NotAPolicy(f"policy is not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    if not isinstance(text, dict):
        raise NotAPolicy("policy document is not a JSON object")
    return _document(text, holes)


def _document(raw: dict[str, Any], holes: dict[str, Unknown]) -> PolicyDocument:
    statements = raw.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    unresolved: set[str] = set()
    parsed = []
    for item in statements if isinstance(statements, list) else [statements]:
        if isinstance(item, dict):
            parsed.append(_statement(item, holes, unresolved))
        else:
            unresolved.add(_text(item, holes, unresolved))
    version = raw.get("Version")
    return PolicyDocument(
        version=version if isinstance(version, str) else None,
        statements=parsed,
        unresolved=sorted(unresolved),
    )


def _text(item: Any, holes: dict[str, Unknown], unresolved: set[str]) -> str:
    if isinstance(item, Unknown):
        text = item.placeholder()
        if not item.concrete:
            unresolved.add(text)
        return text
    text = str(item) if not isinstance(item, bool) else str(item).lower()
    # A "${aws:username}"-style IAM policy variable is not a hole: only placeholders the
    # loader put there for unresolved expressions count.
    if "${" in text:
        for placeholder, hole in holes.items():
            if placeholder in text and not hole.concrete:
                unresolved.add(text)
    return text


def _strings(value: Any, holes: dict[str, Unknown], unresolved: set[str]) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [_text(item, holes, unresolved) for item in items]


def _principal(value: Any, holes: dict[str, Unknown], unresolved: set[str]) -> dict[str, list[str]]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): _strings(v, holes, unresolved) for k, v in value.items()}
    return {"*": _strings(value, holes, unresolved)}


def _statement(raw: dict[str, Any], holes: dict[str, Unknown], unresolved: set[str]) -> Statement:
    condition: dict[str, dict[str, list[str]]] = {}
    raw_condition = raw.get("Condition")
    if isinstance(raw_condition, dict):
        for operator, pairs in raw_condition.items():
            if isinstance(pairs, dict):
                condition[str(operator)] = {
                    str(k): _strings(v, holes, unresolved) for k, v in pairs.items()
                }
    elif raw_condition is not None:
        unresolved.add(_text(raw_condition, holes, unresolved))
    effect = raw.get("Effect", "Allow")
    return Statement(
        sid=str(raw["Sid"]) if raw.get("Sid") is not None else None,
        effect=_text(effect, holes, unresolved),
        action=_strings(raw.get("Action"), holes, unresolved),
        not_action=_strings(raw.get("NotAction"), holes, unresolved),
        resource=_strings(raw.get("Resource"), holes, unresolved),
        not_resource=_strings(raw.get("NotResource"), holes, unresolved),
        principal=_principal(raw.get("Principal"), holes, unresolved),
        not_principal=_principal(raw.get("NotPrincipal"), holes, unresolved),
        condition=condition,
    )
