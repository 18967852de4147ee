"""Conversion between plain dicts and DynamoDB attribute maps, integers only.

The handlers use the low-level client (one client per service keeps the IAM trace simple), so
items are converted here. Numbers must be ``int``: the serializer refuses floats, and reading
back refuses any number with a fractional part, which keeps money out of floating point.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Serialize a dict to an attribute map, dropping keys whose value is ``None``."""
    return {key: _serializer.serialize(value) for key, value in values.items() if value is not None}


def to_value(value: Any) -> dict[str, Any]:
    """Serialize one value (for ``ExpressionAttributeValues``)."""
    serialized: dict[str, Any] = _serializer.serialize(value)
    return serialized


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """Deserialize an attribute map; numbers come back as ``int``."""
    return {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}


def _plain(value: Any) -> Any:
    """Turn the Decimals the deserializer returns into ints, recursively."""
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError("non-integer number in a table item")
        return int(value)
    if isinstance(value, list):
        return [_plain(element) for element in value]
    if isinstance(value, set):
        return {_plain(element) for element in value}
    if isinstance(value, dict):
        return {key: _plain(element) for key, element in value.items()}
    return value
