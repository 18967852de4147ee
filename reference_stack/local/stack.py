"""The reference stack as its Terraform declares it, read through ledgerguard's own loader.

Everything the local run creates, routes and checks comes from here: the evaluated resources
of ``reference_stack/terraform`` (names with variables and locals resolved), the functions
with their handler, role, environment and runtime settings, and the role policies. Values
that only exist after apply (ARNs, ids, the account id) stay ``Unknown``/``Template`` until a
``Resolver`` is given the values of the resources created from the same Terraform.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.iam.documents import parse_policy
from scanner.loaders.terraform import TerraformLoader
from scanner.model import PolicyDocument, Resource
from scanner.values import Template, Unknown

TERRAFORM_DIR = Path(__file__).resolve().parents[1] / "terraform"
PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


class StackError(RuntimeError):
    """The Terraform cannot be run locally as declared (parse error, missing piece)."""


class UnresolvedReference(StackError):
    """A reference to a value that no created resource provides."""


def address_and_attribute(value: Unknown) -> tuple[str, str]:
    """The resource address and attribute an Unknown reads (``aws_sqs_queue.q``, ``arn``)."""
    if len(value.refs) != 1:
        raise UnresolvedReference(f"expected one referenced resource in {value.expr}")
    return value.refs[0], value.expr.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class FunctionSpec:
    """One ``aws_lambda_function`` as the local run needs it."""

    key: str
    address: str
    name: str
    handler: str
    role: str
    environment: dict[str, Any]
    log_group: str
    tracing_active: bool
    dead_letter_queue: str | None
    in_vpc: bool


@dataclass
class Stack:
    """The evaluated resources of one Terraform directory."""

    root: Path
    resources: list[Resource]
    by_address: dict[str, Resource] = field(init=False)

    def __post_init__(self) -> None:
        self.by_address = {resource.address: resource for resource in self.resources}

    @property
    def region(self) -> str:
        """Region of the AWS provider the resources use."""
        regions = {r.region for r in self.resources if r.region}
        if len(regions) != 1:
            raise StackError(f"expected one provider region, found {sorted(regions)}")
        return regions.pop()

    def of_type(self, resource_type: str) -> list[Resource]:
        """Managed resources of a type, in address order."""
        found = [r for r in self.resources if r.type == resource_type and r.mode == "managed"]
        return sorted(found, key=lambda resource: resource.address)

    def get(self, address: str) -> Resource:
        """The resource at ``address``."""
        try:
            return self.by_address[address]
        except KeyError as exc:
            raise StackError(f"no resource {address} in {self.root}") from exc

    def referenced(self, value: Any) -> Resource:
        """The resource an Unknown attribute value points at."""
        if not isinstance(value, Unknown):
            raise StackError(f"expected a reference to a resource, found {value!r}")
        return self.get(address_and_attribute(value)[0])

    def functions(self) -> dict[str, FunctionSpec]:
        """Every Lambda function, by its resource name (``intake``)."""
        specs = {}
        for resource in self.of_type("aws_lambda_function"):
            attributes = resource.attributes
            environment = _single_block(attributes.get("environment")).get("variables", {})
            logging_config = _single_block(attributes.get("logging_config"))
            tracing = _single_block(attributes.get("tracing_config"))
            dead_letter = _single_block(attributes.get("dead_letter_config"))
            queue = dead_letter.get("target_arn")
            specs[resource.name] = FunctionSpec(
                key=resource.name,
                address=resource.address,
                name=str(attributes["function_name"]),
                handler=str(attributes["handler"]),
                role=self.referenced(attributes["role"]).address,
                environment=dict(environment),
                log_group=str(logging_config.get("log_group", f"/aws/lambda/{resource.name}")),
                tracing_active=tracing.get("mode") == "Active",
                dead_letter_queue=self.referenced(queue).address if queue is not None else None,
                in_vpc=bool(_single_block(attributes.get("vpc_config"))),
            )
        return specs

    def role_policies(self, role_address: str) -> list[tuple[Resource, Any]]:
        """Inline policies attached to a role, with their raw policy values."""
        attachments = [
            r
            for r in self.of_type("aws_iam_role_policy_attachment")
            if self.referenced(r.attributes.get("role")).address == role_address
        ]
        if attachments:
            names = ", ".join(r.address for r in attachments)
            raise StackError(f"managed policy attachments are not evaluated locally: {names}")
        return [
            (policy, policy.attributes["policy"])
            for policy in self.of_type("aws_iam_role_policy")
            if self.referenced(policy.attributes.get("role")).address == role_address
        ]


def _single_block(value: Any) -> dict[str, Any]:
    """The one block of a nested-block attribute ({} when absent)."""
    if isinstance(value, list):
        return dict(value[0]) if value else {}
    return dict(value) if isinstance(value, dict) else {}


def load_stack(root: Path = TERRAFORM_DIR) -> Stack:
    """Load and evaluate the Terraform in ``root``; parse errors are fatal here."""
    inventory = TerraformLoader(root).load([root])
    if inventory.errors:
        details = "; ".join(f"{e.file}:{e.line}: {e.message}" for e in inventory.errors)
        raise StackError(f"the Terraform in {root} did not load: {details}")
    return Stack(root=root, resources=list(inventory.resources))


class Resolver:
    """Turns references to provider-computed values into the values of created resources.

    ``values`` maps ``<address>.<attribute>`` (``aws_dynamodb_table.payments.arn``,
    ``data.aws_caller_identity.current.account_id``) to what the created resource has.
    """

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = dict(values or {})

    def set(self, address: str, **attributes: str) -> None:
        """Record attributes of a created resource."""
        for name, value in attributes.items():
            self.values[f"{address}.{name}"] = value

    def resolve(self, value: Any) -> Any:
        """``value`` with every reference replaced, recursively through lists and maps."""
        if isinstance(value, Template):
            return self.text(value.text, value.holes)
        if isinstance(value, Unknown):
            address, attribute = address_and_attribute(value)
            key = f"{address}.{attribute}"
            if key not in self.values:
                raise UnresolvedReference(f"nothing created provides {key}")
            return self.values[key]
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        return value

    def text(self, text: str, holes: dict[str, Unknown]) -> str:
        """``text`` with each hole placeholder (longest first) replaced by its value."""
        for placeholder in sorted(holes, key=len, reverse=True):
            if placeholder in text:
                text = text.replace(placeholder, str(self.resolve(holes[placeholder])))
        leftover = PLACEHOLDER.search(text)
        if leftover:
            raise UnresolvedReference(f"cannot resolve {leftover.group(0)}")
        return text

    def policy(self, value: Any) -> PolicyDocument:
        """A policy attribute as a document with every placeholder resolved."""
        document = parse_policy(value)
        if not isinstance(document, PolicyDocument):
            raise StackError(f"not a resolvable policy document: {value!r}")
        holes = value.holes if isinstance(value, Template) else {}
        statements = []
        for statement in document.statements:
            fields = {
                name: self._strings(getattr(statement, name), holes)
                for name in ("action", "not_action", "resource", "not_resource")
            }
            condition = {
                operator: {key: self._strings(values, holes) for key, values in pairs.items()}
                for operator, pairs in statement.condition.items()
            }
            statements.append(statement.model_copy(update={**fields, "condition": condition}))
        return document.model_copy(update={"statements": statements})

    def _strings(self, items: Iterable[str], holes: dict[str, Unknown]) -> list[str]:
        return [self.text(item, holes) for item in items]


def policy_json(document: PolicyDocument) -> str:
    """A resolved document as IAM policy JSON (for moto's IAM, which validates it)."""
    statements = []
    for statement in document.statements:
        entry: dict[str, Any] = {"Effect": statement.effect}
        if statement.sid is not None:
            entry["Sid"] = statement.sid
        for key, values in (
            ("Action", statement.action),
            ("NotAction", statement.not_action),
            ("Resource", statement.resource),
            ("NotResource", statement.not_resource),
        ):
            if values:
                entry[key] = values
        if statement.condition:
            entry["Condition"] = statement.condition
        statements.append(entry)
    return json.dumps({"Version": document.version or "2012-10-17", "Statement": statements})
