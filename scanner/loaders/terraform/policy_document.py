"""Render `data "aws_iam_policy_document"` blocks to the JSON policy shape AWS uses."""

from __future__ import annotations

import json
from typing import Any

from scanner.values import Unknown


def render_policy_document(values: dict[str, Any]) -> dict[str, Any]:
    """The policy document a data source's evaluated attributes describe.

    Statements of `source_policy_documents` come first, the block's own statements follow,
    and `override_policy_documents` replace statements with the same Sid, as Terraform does.
    """
    statements: list[Any] = []
    for source in _documents(values.get("source_policy_documents")):
        statements.extend(source)
    own = values.get("statement", [])
    statements.extend(_statement(block) for block in own if isinstance(block, dict))
    for override in _documents(values.get("override_policy_documents")):
        for statement in override:
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            replaced = [i for i, s in enumerate(statements) if sid and _sid(s) == sid]
            if replaced:
                statements[replaced[0]] = statement
            else:
                statements.append(statement)
    document: dict[str, Any] = {"Version": values.get("version") or "2012-10-17"}
    if values.get("policy_id"):
        document["Id"] = values["policy_id"]
    document["Statement"] = statements
    return document


def _sid(statement: Any) -> Any:
    return statement.get("Sid") if isinstance(statement, dict) else None


def _documents(value: Any) -> list[list[Any]]:
    if not isinstance(value, list):
        return [[Unknown("source_policy_documents")]] if isinstance(value, Unknown) else []
    documents = []
    for item in value:
        if isinstance(item, str):
            try:
                parsed = json.loads(item)
            except json.JSONDecodeError:
                continue
            statements = parsed.get("Statement", []) if isinstance(parsed, dict) else []
            documents.append(statements if isinstance(statements, list) else [statements])
        elif isinstance(item, Unknown):
            documents.append([item])
    return documents


_FIELDS = (
    ("actions", "Action"),
    ("not_actions", "NotAction"),
    ("resources", "Resource"),
    ("not_resources", "NotResource"),
)


def _statement(block: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if block.get("sid"):
        statement["Sid"] = block["sid"]
    statement["Effect"] = block.get("effect") or "Allow"
    for source, target in _FIELDS:
        if block.get(source) is not None:
            statement[target] = block[source]
    for source, target in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        if block.get(source):
            statement[target] = _principals(block[source])
    if block.get("condition"):
        statement["Condition"] = _conditions(block["condition"])
    return statement


def _principals(blocks: Any) -> Any:
    if isinstance(blocks, Unknown):
        return blocks
    principals: dict[str, list[Any]] = {}
    for block in blocks:
        kind = block.get("type")
        identifiers = block.get("identifiers") or []
        if kind == "*" and identifiers == ["*"]:
            return "*"
        if isinstance(identifiers, Unknown):
            identifiers = [identifiers]
        principals.setdefault(str(kind), []).extend(identifiers)
    return principals


def _conditions(blocks: Any) -> Any:
    if isinstance(blocks, Unknown):
        return blocks
    conditions: dict[str, dict[str, Any]] = {}
    for block in blocks:
        test, variable = str(block.get("test")), str(block.get("variable"))
        conditions.setdefault(test, {})[variable] = block.get("values")
    return conditions
