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
    "iam_unknown_actions": "scanner.engine.checks.iam:unknown_actions",
    "iam_admin_access": "scanner.engine.checks.iam:admin_access",
    "iam_service_wildcard_access": "scanner.engine.checks.iam:service_wildcard_access",
    "iam_access_on_everything": "scanner.engine.checks.iam:access_on_everything",
    "iam_privilege_escalation": "scanner.engine.checks.iam:privilege_escalation",
    "iam_data_exfiltration": "scanner.engine.checks.iam:data_exfiltration",
    "iam_credentials_exposure": "scanner.engine.checks.iam:credentials_exposure",
    "iam_limited_high_risk": "scanner.engine.checks.iam:limited_high_risk",
    "policy_public": "scanner.engine.checks.resource_policies:public_resource_policy",
    "policy_cross_account": "scanner.engine.checks.resource_policies:cross_account_resource_policy",
    "policy_service_without_source": (
        "scanner.engine.checks.resource_policies:service_without_source"
    ),
    "lambda_env_secrets": "scanner.engine.checks.secrets:lambda_env_secrets",
    "s3_tls_only_policy": "scanner.engine.checks.s3:tls_only_policy",
    "s3_audit_object_lock": "scanner.engine.checks.s3:audit_object_lock",
    "s3_lifecycle_expiry": "scanner.engine.checks.s3:lifecycle_expiry",
    "s3_customer_managed_key": "scanner.engine.checks.s3:customer_managed_key",
    "iam_aws_managed_policy": "scanner.engine.checks.identities:aws_managed_policy",
    "lambda_failure_destination": "scanner.engine.checks.delivery:lambda_failure_destination",
    "sqs_dead_letter_queue": "scanner.engine.checks.delivery:sqs_dead_letter_queue",
    "sg_open_ingress": "scanner.engine.checks.network:open_ingress",
    "personal_data_region": "scanner.engine.checks.data:personal_data_region",
    "log_retention_limit": "scanner.engine.checks.data:log_retention_limit",
    "apigw_route_authorization": "scanner.engine.checks.apigw:route_authorization",
    "kms_customer_managed_key": "scanner.engine.checks.keys:customer_managed_key",
}


def get_check(name: str) -> Callable[..., Any]:
    """The check function registered under `name` (KeyError when unknown)."""
    module_name, function = CHECKS[name].split(":")
    return getattr(importlib.import_module(module_name), function)  # type: ignore[no-any-return]
