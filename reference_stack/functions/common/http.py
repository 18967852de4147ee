"""HTTP API (payload 2.0) responses with the error body every client of the API relies on."""

from __future__ import annotations

import json
from typing import Any

JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}


def json_response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """A response with a JSON body."""
    return {"statusCode": status, "headers": dict(JSON_HEADERS), "body": json.dumps(body)}


def error_response(status: int, error: str, details: list[dict[str, str]]) -> dict[str, Any]:
    """A 4xx/5xx response with the ``{"error": ..., "details": [...]}`` body.

    ``details`` entries carry a field path and a message; they must never echo request values,
    since a request may contain a card number.
    """
    return json_response(status, {"error": error, "details": details})
