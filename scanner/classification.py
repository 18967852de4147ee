"""Data classification: which resources hold cardholder data or personal data.

Resources tagged with the configured key (default `data_classification`) and a cardholder or
personal value form the cardholder-data environment and the personal-data scope.
"""

from __future__ import annotations

from typing import Literal

from scanner.config import ClassificationConfig
from scanner.model import Resource

Classification = Literal["cardholder", "personal"]


def classify(resource: Resource, config: ClassificationConfig) -> Classification | None:
    """The resource's data class, from its effective tags (provider default tags included)."""
    value = resource.tags.get(config.tag_key)
    if not isinstance(value, str):
        return None
    normalized = value.strip().lower()
    if normalized in (v.lower() for v in config.cardholder_values):
        return "cardholder"
    if normalized in (v.lower() for v in config.personal_values):
        return "personal"
    return None
