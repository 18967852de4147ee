"""Speed-ups of moto for the local run that leave every call's result unchanged.

* ``cheaper_transactions``: a cheaper rollback snapshot for DynamoDB ``TransactWriteItems``.
* ``cached_jsonpath``: moto's EventBridge re-parses the same eight JSONPath expressions of the
  default input template for every event and target; parsed expressions are cached.
* ``visible_messages``: how many messages an SQS queue holds, read in-process, so that the
  dispatcher polls (with ``ReceiveMessage``) only the queues that have something.

Transactions: before it applies a transaction, moto deep-copies every table the transaction
writes, so that it can put the copies back if an action fails. A day of payments posts every
payment to the ledger in a transaction, so the copies grow with the table and the run becomes
quadratic (minutes for 500 payments). While ``cheaper_transactions`` is active, the copy moto
takes is a new table object that shares the partitions the transaction does not write and
holds deep copies of those it writes. A transaction only changes those partitions, so putting
the snapshot back after a failure gives the same table as before: every call's result is
unchanged, only the cost of the copy drops.
"""

from __future__ import annotations

import copy
import functools
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from jsonpath_ng import ext as jsonpath_ext
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.sqs.models import sqs_backends


def _written_partitions(
    backend: DynamoDBBackend, actions: list[dict[str, Any]]
) -> dict[str, set[DynamoType]]:
    """Hash keys written per table name by a transaction's actions."""
    written: dict[str, set[DynamoType]] = defaultdict(set)
    for action in actions:
        for kind, body in action.items():
            name = body.get("TableName")
            if name not in backend.tables:
                continue
            table = backend.tables[name]
            source = body["Item"] if kind == "Put" else body.get("Key", {})
            if table.hash_key_attr in source:
                written[name].add(DynamoType(source[table.hash_key_attr]))
    return written


def _snapshot(table: Table, partitions: set[DynamoType]) -> Table:
    """A table sharing unwritten partitions with ``table`` and copying written ones."""
    snapshot = copy.copy(table)
    items: defaultdict[Any, Any] = defaultdict(dict, table.items)
    for hash_key in partitions & items.keys():
        items[hash_key] = copy.deepcopy(items[hash_key])
    snapshot.items = items
    return snapshot


@contextmanager
def cheaper_transactions() -> Iterator[None]:
    """Install the cheaper snapshot for the duration of the block."""
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        written = _written_partitions(self, transact_items)

        def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
            if isinstance(value, Table):
                return _snapshot(value, written.get(value.name, set()))
            return copy.deepcopy(value, memo)

        setattr(dynamodb_models, "copy", SimpleNamespace(deepcopy=deepcopy))  # noqa: B010
        try:
            original(self, transact_items)
        finally:
            setattr(dynamodb_models, "copy", copy)  # noqa: B010

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign]


@contextmanager
def cached_jsonpath() -> Iterator[None]:
    """Cache ``jsonpath_ng.ext.parse`` (expressions are immutable once parsed)."""
    original = getattr(jsonpath_ext, "parse")  # noqa: B009
    setattr(jsonpath_ext, "parse", functools.lru_cache(maxsize=256)(original))  # noqa: B010
    try:
        yield
    finally:
        setattr(jsonpath_ext, "parse", original)  # noqa: B010


def visible_messages(account: str, region: str, queue_name: str) -> int:
    """Messages of a queue that a ``ReceiveMessage`` would return now."""
    queue = sqs_backends[account][region].get_queue(queue_name)
    return int(queue.approximate_number_of_messages)
