"""The project configuration file, `.ledgerguard.yaml`, validated by pydantic.

An unknown key is an error that names the key, so a typo never silently disables a setting.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scanner.errors import UsageError
from scanner.gate import Threshold
from scanner.model import Severity

CONFIG_NAME = ".ledgerguard.yaml"

EU_REGIONS = (
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
)


class RulesConfig(BaseModel):
    """Which rules run, and severity overrides by rule id."""

    model_config = ConfigDict(extra="forbid")

    enable: list[str] = Field(default_factory=list)
    disable: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)


class ClassificationConfig(BaseModel):
    """How resources are placed in the cardholder-data and personal-data scopes."""

    model_config = ConfigDict(extra="forbid")

    tag_key: str = "data_classification"
    cardholder_values: list[str] = Field(default_factory=lambda: ["cardholder"])
    personal_values: list[str] = Field(default_factory=lambda: ["personal"])
    # Regions where personal data may be stored (GDPR Chapter V). By default the EU regions and
    # London and Zurich, whose countries have an EU adequacy decision.
    personal_data_regions: list[str] = Field(default_factory=lambda: list(EU_REGIONS))
    # The longest a log group of personal data may keep it (GDPR Art. 5 storage limitation).
    personal_data_max_retention_days: int = Field(default=400, gt=0)


class WaiversConfig(BaseModel):
    """Limits on waivers."""

    model_config = ConfigDict(extra="forbid")

    max_lifetime_days: int = Field(default=365, gt=0)


class Config(BaseModel):
    """The whole `.ledgerguard.yaml`."""

    model_config = ConfigDict(extra="forbid")

    frameworks: list[str] = Field(default_factory=list)
    fail_on: Threshold | None = None
    classification: ClassificationConfig = Field(default_factory=ClassificationConfig)
    rules: RulesConfig = Field(default_factory=RulesConfig)
    waivers: WaiversConfig = Field(default_factory=WaiversConfig)


def load_config(path: Path | None, search_from: Path | None = None) -> Config:
    """Load `path`, or `.ledgerguard.yaml` in `search_from` when present, else defaults."""
    if path is None and search_from is not None and (search_from / CONFIG_NAME).is_file():
        path = search_from / CONFIG_NAME
    if path is None:
        return Config()
    if not path.is_file():
        raise UsageError(f"{path}: configuration file not found")
    from scanner.engine.rules import read_yaml
    from scanner.errors import PolicyError

    try:
        data = read_yaml(path)
    except PolicyError as exc:
        raise UsageError(str(exc)) from exc
    try:
        return Config.model_validate(data or {})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            raise UsageError(f"{path}: unknown key {where!r}") from exc
        raise UsageError(f"{path}: {where}: {error['msg']}") from exc
