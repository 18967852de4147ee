"""Checks for credentials written into IaC in clear text."""

from __future__ import annotations

from typing import Any

from scanner.engine.conditions import Outcome, lookup
from scanner.engine.graph import Graph
from scanner.model import Resource
from scanner.redact import looks_secret
from scanner.values import Unknown


def lambda_env_secrets(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Fail when a Lambda environment variable holds a literal credential.

    Only variable names are reported; values never leave this function.
    """
    found: list[str] = []
    unknown = False
    for variables in lookup(resource.attributes, "environment.variables"):
        if isinstance(variables, Unknown):
            unknown = True
            continue
        if not isinstance(variables, dict):
            continue
        for name, value in sorted(variables.items()):
            if looks_secret(name, value):
                found.append(f"`{name}`")
    if found:
        return Outcome(
            False,
            f"environment variable {', '.join(found)} holds a literal secret (value redacted); "
            "read it from Secrets Manager or SSM at run time",
        )
    if unknown:
        return Outcome(None, "environment variables cannot be resolved")
    return Outcome(True, "no literal secret in environment variables")
