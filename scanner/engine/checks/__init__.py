"""Python checks for logic a YAML condition cannot express, named by rules' `check:` field.

Each check takes the resource, the scan's graph and the rule's `params`, and returns an
`Outcome`. The table maps names to `module:function` so a check's module is imported only when
a rule that uses it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

CHECKS: dict[str, str] = {
    "iam_wildcard_actions": "scanner.engine.checks.iam:wildcard_actions",
    "iam_full_admin": "scanner.engine.checks.iam:full_admin",
    "iam_allow_not_action": "scanner.engine.checks.iam:allow_not_action",
    "lambda_env_secrets": "scanner.engine.checks.secrets:lambda_env_secrets",
}


def get_check(name: str) -> Callable[..., Any]:
    """The check function registered under `name` (KeyError when unknown)."""
    module_name, function = CHECKS[name].split(":")
    return getattr(importlib.import_module(module_name), function)  # type: ignore[no-any-return]
