"""The Lambda runtime, locally: each function's handler called in-process with its environment.

A function runs with exactly the environment its Terraform ``environment`` block resolves to
(other functions' variables are removed first), the variables Lambda itself sets, and a
context object carrying its name, ARN, memory and timeout. Calls it makes are attributed to
it (``trace.acting_as``). Powertools writes each function's JSON log lines to ``log_sink``
instead of stdout. Services that invoke functions by ARN inside moto (Secrets Manager calling
the rotation function) are routed here by replacing moto's Lambda ``invoke``.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from reference_stack.local.provision import Deployment
from reference_stack.local.stack import FunctionSpec, StackError
from reference_stack.local.trace import acting_as

REQUEST_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ledgerguard:reference-stack:local")


@dataclass(frozen=True)
class LambdaContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    timeout_seconds: int

    def get_remaining_time_in_millis(self) -> int:
        """The whole timeout: local invocations do not count down."""
        return self.timeout_seconds * 1000


class Functions:
    """Invokes the stack's functions by key (``intake``) or by ARN."""

    def __init__(self, deployment: Deployment, log_sink: TextIO | None = None) -> None:
        self.deployment = deployment
        self.specs: dict[str, FunctionSpec] = deployment.stack.functions()
        self.arns = {key: arn for arn, key in deployment.function_arns.items()}
        self.log_sink = log_sink if log_sink is not None else io.StringIO()
        self.invocations: Counter[str] = Counter()
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self._streams: list[tuple[Any, Any]] = []
        self._environments = {
            key: {
                name: str(value)
                for name, value in deployment.resolver.resolve(spec.environment).items()
            }
            for key, spec in self.specs.items()
        }
        self._managed = {name for env in self._environments.values() for name in env}

    def handler(self, key: str) -> Callable[[Any, Any], Any]:
        """The function's handler, imported on first use, its logs sent to ``log_sink``."""
        if key not in self._handlers:
            module_name, attribute = self.specs[key].handler.rsplit(".", 1)
            module = importlib.import_module(module_name)
            logger = getattr(module, "logger", None)
            registered = getattr(logger, "registered_handler", None)
            if registered is not None:
                self._streams.append((registered, registered.stream))
                registered.stream = self.log_sink
            self._handlers[key] = getattr(module, attribute)
        return self._handlers[key]

    def restore_logging(self) -> None:
        """Point the handlers' loggers back at the streams they had before the run."""
        for registered, stream in reversed(self._streams):
            registered.stream = stream
        self._streams.clear()

    def invoke(self, key: str, event: Any) -> Any:
        """Run one invocation of function ``key`` with ``event``; returns its result."""
        spec = self.specs[key]
        resource = self.deployment.stack.get(spec.address).attributes
        self.invocations[key] += 1
        number = sum(self.invocations.values())
        context = LambdaContext(
            function_name=spec.name,
            function_version="$LATEST",
            invoked_function_arn=self.arns[key],
            memory_limit_in_mb=int(resource.get("memory_size", 128)),
            aws_request_id=str(uuid.uuid5(REQUEST_ID_NAMESPACE, f"{key}:{number}")),
            log_group_name=spec.log_group,
            timeout_seconds=int(resource.get("timeout", 3)),
        )
        for name in self._managed:
            os.environ.pop(name, None)
        os.environ.update(self._environments[key])
        os.environ["AWS_LAMBDA_FUNCTION_NAME"] = spec.name
        os.environ["AWS_LAMBDA_LOG_GROUP_NAME"] = spec.log_group
        handler = self.handler(key)  # imported in its own environment, as at a cold start
        with acting_as(key):
            return handler(event, context)

    def invoke_from_moto(
        self,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        """Stand-in for moto's Lambda ``invoke``: run the function a service called by ARN."""
        key = self.deployment.function_arns.get(function_name)
        if key is None:
            names = [k for k, spec in self.specs.items() if spec.name == function_name]
            if not names:
                raise StackError(f"a service invoked {function_name}, which the stack lacks")
            key = names[0]
        result = self.invoke(key, json.loads(body) if body else {})
        return json.dumps(result).encode("utf-8")
