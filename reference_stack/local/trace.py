"""Recording of every AWS API call, attributed to the function whose handler makes it.

The recorder adds a handler for botocore's ``before-parameter-build`` event to
``botocore.handlers.BUILTIN_HANDLERS``, the list every botocore session registers when it is
created (moto hooks in the same way). After ``install`` resets the functions' cached clients,
every client built afterwards, by ``common.aws.client``, Powertools or anything else, reports
each call before it is sent, with its service, operation and parameters. Attribution comes
from ``CURRENT_FUNCTION``, which the local runtime sets while a handler runs (nested calls,
such as moto invoking the rotation function inside a ``RotateSecret`` call, stack correctly).
Calls made while no handler runs (the runner creating resources) are recorded with no
function and ignored by the IAM checks.

``FaultInjector`` uses the same list with ``before-call`` to answer chosen calls with a
service error instead of sending them: a simulated outage, used to drive error paths such as
the release of an idempotency record.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from botocore import handlers
from botocore.awsrequest import AWSResponse

from reference_stack.functions.common import aws

CURRENT_FUNCTION: ContextVar[str | None] = ContextVar("current_function", default=None)

# Request parameters that carry key material or payload bytes; they are not needed to map a
# call to IAM and are never kept.
_DROPPED_PARAMETERS = frozenset({"SecretString", "SecretBinary", "Body"})


@contextlib.contextmanager
def acting_as(function: str | None) -> Iterator[None]:
    """Attribute the calls made inside the block to ``function``."""
    token = CURRENT_FUNCTION.set(function)
    try:
        yield
    finally:
        CURRENT_FUNCTION.reset(token)


@dataclass(frozen=True)
class ApiCall:
    """One API call as the SDK was about to send it."""

    function: str | None
    service: str
    operation: str
    params: dict[str, Any]


@dataclass
class CallRecorder:
    """Collects ``ApiCall``s while installed."""

    calls: list[ApiCall] = field(default_factory=list)

    def _on_call(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        kept = {key: value for key, value in params.items() if key not in _DROPPED_PARAMETERS}
        service = str(model.service_model.service_name)
        self.calls.append(ApiCall(CURRENT_FUNCTION.get(), service, str(model.name), kept))

    def install(self) -> None:
        """Start recording calls of clients created from now on (the cached ones are reset)."""
        handlers.BUILTIN_HANDLERS.append(("before-parameter-build", self._on_call))
        aws.reset_clients()

    def uninstall(self) -> None:
        """Stop recording."""
        handlers.BUILTIN_HANDLERS.remove(("before-parameter-build", self._on_call))
        aws.reset_clients()

    def by_function(self) -> dict[str, list[ApiCall]]:
        """The recorded calls of each function, in call order."""
        grouped: dict[str, list[ApiCall]] = {}
        for call in self.calls:
            if call.function is not None:
                grouped.setdefault(call.function, []).append(call)
        return grouped


@dataclass
class _Fault:
    function: str
    service: str
    operation: str
    remaining: int
    code: str


@dataclass
class FaultInjector:
    """Makes chosen calls fail with a service error, as during an outage of that service."""

    faults: list[_Fault] = field(default_factory=list)
    injected: list[tuple[str, str, str]] = field(default_factory=list)

    def fail(self, function: str, service: str, operation: str, times: int = 1) -> None:
        """Fail the next ``times`` calls of ``service.operation`` made by ``function``."""
        self.faults.append(_Fault(function, service, operation, times, "ServiceUnavailable"))

    def _on_call(self, model: Any, **_: Any) -> tuple[Any, dict[str, Any]] | None:
        function = CURRENT_FUNCTION.get()
        service = str(model.service_model.service_name)
        for fault in self.faults:
            if (fault.function, fault.service, fault.operation) != (
                function,
                service,
                str(model.name),
            ):
                continue
            if fault.remaining <= 0:
                continue
            fault.remaining -= 1
            self.injected.append((fault.function, service, fault.operation))
            error = {"Code": fault.code, "Message": "injected by the local run"}
            response = AWSResponse("https://fault.local/", 503, {}, None)
            return response, {"Error": error, "ResponseMetadata": {}}
        return None

    def install(self) -> None:
        """Start answering matching calls of clients created from now on."""
        handlers.BUILTIN_HANDLERS.append(("before-call", self._on_call))
        aws.reset_clients()

    def uninstall(self) -> None:
        """Stop injecting faults."""
        handlers.BUILTIN_HANDLERS.remove(("before-call", self._on_call))
        aws.reset_clients()
