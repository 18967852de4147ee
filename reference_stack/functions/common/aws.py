"""One lazily created boto3 client per AWS service, shared by the handlers of a sandbox.

Every AWS call in the functions goes through ``client(<service>)`` so that the set of services
a function talks to is visible in one place, and so that tests (moto) can patch the clients:
nothing is created at import time.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

_CLIENT_CONFIG = Config(
    retries={"max_attempts": 3, "mode": "standard"},
    connect_timeout=2,
    read_timeout=5,
)

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    """Return the client for ``service``, creating it on first use in this sandbox.

    The return type is ``Any`` because boto3 builds client classes at run time; the project
    does not ship the mypy-boto3 stubs to keep the Lambda package small.
    """
    with _lock:
        if service not in _clients:
            _clients[service] = boto3.session.Session().client(service, config=_CLIENT_CONFIG)
        return _clients[service]


def reset_clients() -> None:
    """Forget every cached client, so that the next call builds one against the current mock."""
    with _lock:
        _clients.clear()


def error_code(exc: Exception) -> str:
    """Return the AWS error code carried by a botocore ``ClientError`` ('' for other errors)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))
