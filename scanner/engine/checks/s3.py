"""Checks on S3 buckets that need more than one resource or a policy document to decide.

Provider 5 splits a bucket's settings into `aws_s3_bucket_*` resources that point at the bucket
by reference (`bucket = aws_s3_bucket.b.id`) or by its literal name; both count here.
"""

from __future__ import annotations

from typing import Any

from scanner.engine.conditions import Outcome, lookup
from scanner.engine.graph import Graph
from scanner.model import PolicyDocument, Resource, Statement
from scanner.values import Unknown

SECURE_TRANSPORT = "aws:securetransport"
BOOL_OPERATORS = ("bool", "boolifexists")
ALL_S3_ACTIONS = ("*", "s3:*")
SSE_CONFIG = "aws_s3_bucket_server_side_encryption_configuration"
SSE_KEY = "rule.apply_server_side_encryption_by_default.kms_master_key_id"

# Resources that deliver audit logs into a bucket, and the attribute naming the bucket.
# S3 server access logging is left out: S3 does not deliver access logs to a bucket that has
# a default Object Lock retention, so requiring one there would make the logging impossible.
# Such buckets rely on versioning (LG-S3-004) and their bucket policy instead.
AUDIT_WRITERS: dict[str, str] = {
    "aws_cloudtrail": "s3_bucket_name",
    "aws_config_delivery_channel": "s3_bucket_name",
    "aws_flow_log": "log_destination",
}


def _bucket_settings(bucket: Resource, graph: Graph, types: list[str]) -> list[Resource]:
    return graph.related(bucket, types, "bucket", "bucket")


def tls_only_policy(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Pass when a bucket policy denies every S3 action over plain HTTP.

    The deny must cover all principals and `s3:*` (or `*`) under `aws:SecureTransport` false;
    a policy that cannot be resolved makes the result "cannot verify".
    """
    from scanner.iam.documents import NotAPolicy, parse_policy

    policies = [(resource.address, resource.attributes.get("policy"))]
    policies += [
        (p.address, p.attributes.get("policy"))
        for p in _bucket_settings(resource, graph, ["aws_s3_bucket_policy"])
    ]
    unknown: list[str] = []
    for address, value in policies:
        try:
            document = parse_policy(value)
        except NotAPolicy as exc:
            unknown.append(f"{address}: {exc}")
            continue
        if isinstance(document, Unknown):
            unknown.append(f"{address}: policy is `{document.expr}`, which cannot be resolved")
        elif document is not None and _denies_plain_http(document):
            return Outcome(True, f"{address} denies requests without TLS")
    if unknown:
        return Outcome(None, "; ".join(unknown))
    return Outcome(
        False,
        "no bucket policy denies `s3:*` to every principal when `aws:SecureTransport` is false",
    )


def _denies_plain_http(document: PolicyDocument) -> bool:
    return any(_is_tls_deny(statement) for statement in document.statements)


def _is_tls_deny(statement: Statement) -> bool:
    if statement.effect != "Deny" or not set(statement.action) & set(ALL_S3_ACTIONS):
        return False
    principals = [value for values in statement.principal.values() for value in values]
    if "*" not in principals:
        return False
    for operator, pairs in statement.condition.items():
        if operator.lower() not in BOOL_OPERATORS:
            continue
        for key, values in pairs.items():
            if key.lower() == SECURE_TRANSPORT and "false" in (v.lower() for v in values):
                return True
    return False


def audit_object_lock(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Pass unless the bucket receives audit logs and has no Object Lock.

    A bucket receives audit logs when a trail, AWS Config or a VPC flow log delivers into
    it, or when its `purpose` tag is one of `params["purpose_tags"]`.
    """
    writers = [
        w.address
        for kind, via in AUDIT_WRITERS.items()
        for w in graph.related(resource, [kind], via, "bucket")
    ]
    purpose = resource.tags.get("purpose")
    tagged = isinstance(purpose, str) and purpose.lower() in params.get("purpose_tags", [])
    if not writers and not tagged:
        return Outcome(True, "no audit log is delivered to it")
    why = f"{writers[0]} delivers audit logs to it" if writers else f"it is tagged {purpose!r}"
    enabled = lookup(resource.attributes, "object_lock_enabled")
    configs = _bucket_settings(resource, graph, ["aws_s3_bucket_object_lock_configuration"])
    if configs:
        return Outcome(True, f"{configs[0].address} sets Object Lock")
    if any(isinstance(v, Unknown) for v in enabled):
        return Outcome(None, "`object_lock_enabled` cannot be resolved")
    if True in enabled:
        return Outcome(True, "`object_lock_enabled` is true")
    return Outcome(False, f"{why}, but it has no Object Lock")


def customer_managed_key(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Pass when the bucket's default encryption uses a customer managed KMS key."""
    from scanner.engine.checks.keys import key_outcome

    values = lookup(resource.attributes, f"server_side_encryption_configuration.{SSE_KEY}")
    for config in _bucket_settings(resource, graph, [SSE_CONFIG]):
        values += lookup(config.attributes, SSE_KEY)
    return key_outcome(values, "kms_master_key_id", graph)


def lifecycle_expiry(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Pass when an enabled lifecycle rule expires current objects within the retention limit.

    The limit is `classification.personal_data_max_retention_days` from the configuration.
    """
    limit = graph.classification.personal_data_max_retention_days
    configs = _bucket_settings(resource, graph, ["aws_s3_bucket_lifecycle_configuration"])
    rules = [(c.address, rule) for c in configs for rule in lookup(c.attributes, "rule")]
    rules += [(resource.address, rule) for rule in lookup(resource.attributes, "lifecycle_rule")]
    unknown: list[str] = []
    too_long: list[str] = []
    for address, rule in rules:
        if isinstance(rule, Unknown):
            unknown.append(f"{address}: lifecycle rules cannot be resolved")
            continue
        status = rule.get("status", rule.get("enabled"))
        if isinstance(status, Unknown):
            unknown.append(f"{address}: rule status is `{status.expr}`")
            continue
        if status not in ("Enabled", True):
            continue
        for days in lookup(rule, "expiration.days"):
            if isinstance(days, Unknown):
                unknown.append(f"{address}: expiration days are `{days.expr}`")
            elif isinstance(days, int | float) and days <= limit:
                return Outcome(True, f"{address} expires objects after {int(days)} days")
            else:
                too_long.append(f"{address} expires objects after {days} days")
    if unknown:
        return Outcome(None, "; ".join(unknown))
    if too_long:
        return Outcome(False, f"{too_long[0]}, more than the {limit}-day limit")
    return Outcome(False, "no enabled lifecycle rule expires its objects")
