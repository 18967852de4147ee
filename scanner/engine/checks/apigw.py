"""Checks on API Gateway that depend on the API a route belongs to."""

from __future__ import annotations

import re
from typing import Any

from scanner.engine.conditions import Outcome
from scanner.engine.graph import Graph
from scanner.model import Resource
from scanner.values import Unknown

AUTHORIZED = ("AWS_IAM", "CUSTOM", "JWT")
HTTP_ROUTE = re.compile(r"^[A-Z]+ /")


def route_authorization(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Pass when the route has an authorizer, or cannot carry one.

    HTTP API routes need one except CORS preflight (`OPTIONS ...`); WebSocket APIs need one on
    `$connect` only, since their other routes cannot have an authorizer. The protocol comes from
    the `aws_apigatewayv2_api` the route's `api_id` references, or from the route key's shape.
    """
    key = resource.attributes.get("route_key")
    if isinstance(key, Unknown) or not isinstance(key, str):
        return Outcome(None, "`route_key` cannot be resolved")
    protocol = _protocol(resource, graph, key)
    if key.startswith("OPTIONS ") or (protocol == "WEBSOCKET" and key != "$connect"):
        return Outcome(True, f"route `{key}` needs no authorizer")
    if protocol is None and key != "$connect":
        return Outcome(None, f"the API of route `{key}` cannot be resolved to HTTP or WebSocket")
    kind = resource.attributes.get("authorization_type", "NONE")
    if isinstance(kind, Unknown):
        return Outcome(None, f"`authorization_type` is `{kind.expr}`, which cannot be resolved")
    if kind in AUTHORIZED:
        return Outcome(True, f"route `{key}` uses {kind} authorization")
    return Outcome(False, f"route `{key}` has authorization type {kind}")


def _protocol(route: Resource, graph: Graph, key: str) -> str | None:
    api_id = route.attributes.get("api_id")
    refs = api_id.refs if isinstance(api_id, Unknown) else ()
    for address in refs:
        api = graph.by_address.get(address)
        if api is not None and api.type == "aws_apigatewayv2_api":
            protocol = api.attributes.get("protocol_type")
            return protocol if isinstance(protocol, str) else None
    if HTTP_ROUTE.match(key):
        return "HTTP"
    return "WEBSOCKET" if key == "$disconnect" else None
