"""Least privilege proven by trace: each function's requests against its role's policies.

``function_traces`` turns the recorded calls of each function into the IAM requests they need
(``actions.Mapper``) and adds the requests Lambda makes with the role for it, from the
function's Terraform configuration. ``check`` evaluates them against the role policies of a
stack, both ways (``iam_eval.compare``). The stack may be another copy of the Terraform than
the one the run used (the tests edit a copy): policies are resolved with the run's values, so
only what the copy changed can change the result.
"""

from __future__ import annotations

from dataclasses import dataclass

from reference_stack.local.actions import IamRequest, Mapper, UnmappedCall
from reference_stack.local.iam_eval import Violation, compare, function_statements
from reference_stack.local.provision import Deployment
from reference_stack.local.stack import Resolver, Stack
from reference_stack.local.trace import ApiCall


@dataclass(frozen=True)
class FunctionTrace:
    """What one function was seen doing, as IAM requests."""

    function: str
    calls: int
    code: tuple[IamRequest, ...]
    runtime: tuple[IamRequest, ...]
    unmapped: tuple[str, ...]

    @property
    def requests(self) -> tuple[IamRequest, ...]:
        """Code and runtime requests together."""
        return self.code + self.runtime


def _unique(requests: list[IamRequest]) -> tuple[IamRequest, ...]:
    seen: dict[IamRequest, IamRequest] = {}
    for request in requests:
        seen.setdefault(request, request)
    return tuple(sorted(seen, key=lambda r: (r.action, r.resource, r.context)))


def function_traces(deployment: Deployment, calls: list[ApiCall]) -> dict[str, FunctionTrace]:
    """Every function of the stack with its mapped calls and runtime requests."""
    mapper = Mapper(deployment)
    traces = {}
    for key, spec in sorted(deployment.stack.functions().items()):
        own = [call for call in calls if call.function == key]
        code: list[IamRequest] = []
        unmapped: list[str] = []
        for call in own:
            try:
                code += mapper.requests(call)
            except UnmappedCall as exc:
                unmapped.append(str(exc))
        traces[key] = FunctionTrace(
            function=key,
            calls=len(own),
            code=_unique(code),
            runtime=_unique(mapper.runtime_requests(spec)),
            unmapped=tuple(sorted(set(unmapped))),
        )
    return traces


def check(stack: Stack, resolver: Resolver, traces: dict[str, FunctionTrace]) -> list[Violation]:
    """Violations of every function of ``stack``: unmapped calls, requests not allowed,
    grants not used."""
    violations: list[Violation] = []
    for key, spec in sorted(stack.functions().items()):
        trace = traces.get(key)
        requests = trace.requests if trace is not None else ()
        for problem in trace.unmapped if trace is not None else ():
            violations.append(Violation(key, "unmapped call", problem, "-", "no IAM mapping"))
        violations += compare(key, function_statements(stack, resolver, spec), list(requests))
    return violations


class TerraformNames:
    """Names ARNs by the Terraform resource they were created from, for readable output."""

    def __init__(self, deployment: Deployment) -> None:
        arns = {
            value: key.rsplit(".", 1)[0]
            for key, value in deployment.resolver.values.items()
            if key.endswith(".arn") and value.startswith("arn:")
        }
        self._arns = sorted(arns.items(), key=lambda item: -len(item[0]))

    def name(self, resource: str) -> str:
        """``aws_dynamodb_table.payments/index/by_card_token`` for that index's ARN."""
        for arn, address in self._arns:
            if resource == arn:
                return address
            if resource.startswith((arn + "/", arn + ":")):
                return address + resource[len(arn) :]
        return resource

    def request(self, request: IamRequest) -> str:
        """``action resource [context]`` with the resource named by Terraform address."""
        text = f"{request.action} {self.name(request.resource)}"
        if not request.context:
            return text
        context = " ".join(
            f"{key}={'|'.join(self.name(value) for value in values)}"
            for key, values in request.context
        )
        return f"{text} [{context}]"
