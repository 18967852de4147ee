"""The HTTP API in front of intake, as ``api.tf`` configures it.

``POST /payments`` goes through the route's REQUEST authorizer (payload 2.0, simple
responses), whose result API Gateway caches per identity source (the ``Authorization``
header) for ``authorizer_result_ttl_in_seconds``. An allowed request reaches intake with the
authorizer's context; a denied one gets 403 without reaching it. A function that raises
gives 500, as API Gateway answers when an integration fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reference_stack.local.functions import Functions

INTERNAL_ERROR = {"statusCode": 500, "body": json.dumps({"message": "Internal Server Error"})}
FORBIDDEN = {"statusCode": 403, "body": json.dumps({"message": "Forbidden"})}


@dataclass
class HttpApi:
    """The ``POST /payments`` route of the payments API."""

    functions: Functions
    cache: dict[str, tuple[datetime, dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        stack = self.functions.deployment.stack
        (authorizer,) = stack.of_type("aws_apigatewayv2_authorizer")
        (route,) = stack.of_type("aws_apigatewayv2_route")
        self.route_key = str(route.attributes["route_key"])
        self.ttl_seconds = int(authorizer.attributes.get("authorizer_result_ttl_in_seconds", 0))
        self.authorizer = self.functions.deployment.function_arns[
            str(self.functions.deployment.resolver.resolve(authorizer.attributes["authorizer_uri"]))
        ]
        (integration,) = stack.of_type("aws_apigatewayv2_integration")
        self.integration = self.functions.deployment.function_arns[
            str(
                self.functions.deployment.resolver.resolve(
                    integration.attributes["integration_uri"]
                )
            )
        ]

    def post(self, body: str, headers: dict[str, str], at: datetime) -> dict[str, Any]:
        """Send one request at ``at``; returns the HTTP response (status and body)."""
        method, path = self.route_key.split(" ", 1)
        decision = self._authorize(headers, method, path, at)
        if decision is None:
            return INTERNAL_ERROR
        if not decision.get("isAuthorized"):
            return FORBIDDEN
        event = _request(method, path, headers, at)
        event["requestContext"]["authorizer"] = {"lambda": decision.get("context", {})}
        event["body"] = body
        event["isBase64Encoded"] = False
        try:
            return dict(self.functions.invoke(self.integration, event))
        # An integration error is a 500 for the client whatever it was; the run compares
        # every request's outcome with the expected one, so the failure is not lost.
        except Exception:
            return INTERNAL_ERROR

    def _authorize(
        self, headers: dict[str, str], method: str, path: str, at: datetime
    ) -> dict[str, Any] | None:
        identity = headers.get("authorization", "")
        cached = self.cache.get(identity)
        if identity and cached and (at - cached[0]).total_seconds() < self.ttl_seconds:
            return cached[1]
        event = _request(method, path, headers, at)
        event["type"] = "REQUEST"
        event["routeArn"] = f"arn:aws:execute-api:local:000000000000:api/$default/{method}{path}"
        if identity:
            event["identitySource"] = [identity]
        try:
            decision = dict(self.functions.invoke(self.authorizer, event))
        except Exception:  # see post(): an authorizer error is a 500 for the client
            return None
        if identity:
            self.cache[identity] = (at, decision)
        return decision


def _request(method: str, path: str, headers: dict[str, str], at: datetime) -> dict[str, Any]:
    """An HTTP API payload 2.0 event without body or authorizer context."""
    epoch_ms = int(at.timestamp() * 1000)
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": dict(headers),
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "local.execute-api.localhost",
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.10",
                "userAgent": "reference-stack-local-run",
            },
            "requestId": f"req-{epoch_ms}",
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": epoch_ms,
        },
    }
