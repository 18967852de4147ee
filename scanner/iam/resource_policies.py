"""Resource policies: who outside the stack a bucket, queue, topic, key, secret, event bus or
function lets in.

Each Allow statement's principals are sorted into: anyone (`*`, or `NotPrincipal`), an AWS
account or identity, a service, or a federated identity. An account is this stack's own when
the principal is written with `data.aws_caller_identity` or names a resource of the scanned
configuration; a literal account id cannot be told apart from a foreign one offline, so it is
"cannot verify" rather than a pass or a failure. A statement counts as narrowed when its
condition names the principal-narrowing keys listed in `scanner.iam.conditions`.

`aws_lambda_permission` has no policy document; its `principal`, `source_arn`,
`source_account` and `principal_org_id` attributes say the same things.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.iam.conditions import principal_narrowing
from scanner.iam.documents import NotAPolicy, parse_policy
from scanner.model import PolicyDocument, Resource, Statement
from scanner.values import Template, Unknown

# Resource types that hold a resource policy, and the attribute that holds it.
POLICY_HOLDERS = {
    "aws_s3_bucket_policy": "policy",
    "aws_s3_bucket": "policy",
    "aws_sqs_queue_policy": "policy",
    "aws_sqs_queue": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_sns_topic": "policy",
    "aws_kms_key": "policy",
    "aws_secretsmanager_secret_policy": "policy",
    "aws_secretsmanager_secret": "policy",
    "aws_cloudwatch_event_bus_policy": "policy",
}
LAMBDA_PERMISSION = "aws_lambda_permission"
ACCOUNT = re.compile(r"^(?:arn:aws[\w-]*:iam::)?(\d{12})(?::|$)")
CALLER_IDENTITY = "aws_caller_identity"


@dataclass(frozen=True)
class Principal:
    """One principal a statement admits: `kind` is public, own, account, service, unknown or
    federated; `text` is as written."""

    kind: str
    text: str
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Admission:
    """An Allow statement of a resource policy, with its principals sorted out."""

    label: str
    statement: Statement
    principals: tuple[Principal, ...]
    narrowed_by: tuple[str, ...]
    holes: dict[str, Unknown] = field(default_factory=dict)

    def actions(self) -> str:
        """The statement's actions, for a message."""
        shown = self.statement.action or [f"all but {a}" for a in self.statement.not_action]
        return ", ".join(f"`{a}`" for a in shown) or "nothing"


@dataclass
class ResourcePolicy:
    """The Allow statements of one resource's policy, or why it cannot be read."""

    admissions: list[Admission] = field(default_factory=list)
    unknown: str | None = None
    present: bool = True


def read(resource: Resource) -> ResourcePolicy:
    """The resource policy `resource` holds (absent, unreadable, or its Allow statements)."""
    if resource.type == LAMBDA_PERMISSION:
        return ResourcePolicy([_lambda_permission(resource)])
    value = resource.attributes.get(POLICY_HOLDERS.get(resource.type, ""))
    try:
        document = parse_policy(value)
    except NotAPolicy as exc:
        return ResourcePolicy(unknown=str(exc))
    if document is None:
        return ResourcePolicy(present=False)
    if isinstance(document, Unknown):
        return ResourcePolicy(unknown=f"policy `{document.expr}` cannot be resolved")
    holes = dict(value.holes) if isinstance(value, Template) else {}
    return ResourcePolicy(list(_admissions(document, holes)))


def _admissions(document: PolicyDocument, holes: dict[str, Unknown]) -> Iterator[Admission]:
    for number, statement in enumerate(document.statements, start=1):
        if statement.effect != "Allow":
            continue
        label = f'statement "{statement.sid}"' if statement.sid else f"statement {number}"
        principals = [
            classify(kind, text, holes)
            for kind, texts in statement.principal.items()
            for text in texts
        ]
        if statement.not_principal:
            principals.append(Principal("public", "NotPrincipal"))
        narrowed = tuple(principal_narrowing(statement.condition))
        yield Admission(label, statement, tuple(principals), narrowed, holes)


def classify(kind: str, text: str, holes: dict[str, Unknown]) -> Principal:
    """Sort one principal entry (`kind` is the Principal map key: AWS, Service, ...)."""
    if text == "*" and kind in ("*", "AWS"):
        return Principal("public", text)
    if kind == "Service":
        return Principal("service", text)
    if kind == "Federated":
        return Principal("federated", text)
    inner = [hole for placeholder, hole in holes.items() if placeholder in text]
    if inner:
        if any(not hole.concrete for hole in inner):
            return Principal("unknown", text)
        refs = tuple(sorted({ref for hole in inner for ref in hole.refs}))
        own = [r for r in refs if CALLER_IDENTITY in r or not r.startswith("data.")]
        return Principal("own", text, refs) if own else Principal("unknown", text)
    if ACCOUNT.match(text):
        return Principal("account", text)
    return Principal("unknown", text)


def _lambda_permission(resource: Resource) -> Admission:
    attrs = resource.attributes
    principal: Any = attrs.get("principal")
    holes: dict[str, Unknown] = {}
    if isinstance(principal, Unknown):
        holes = {principal.placeholder(): principal}
        text = principal.placeholder()
    else:
        text = str(principal)
    if text == "*":
        entry = classify("*", text, holes)
    elif text.endswith(".amazonaws.com"):
        entry = Principal("service", text)
    else:
        entry = classify("AWS", text, holes)
    narrowed = tuple(
        key
        for key, attribute in (
            ("aws:SourceArn", "source_arn"),
            ("aws:SourceAccount", "source_account"),
            ("aws:PrincipalOrgID", "principal_org_id"),
        )
        if attrs.get(attribute) not in (None, "")
    )
    action = attrs.get("action")
    statement = Statement(action=[action] if isinstance(action, str) else [])
    return Admission("the permission", statement, (entry,), narrowed, holes)
