"""The rule schema and loading of rule files (`policies/rules/<ID>.yaml`, one rule per file)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scanner.config import RulesConfig
from scanner.errors import PolicyError
from scanner.model import Severity

RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


class Leaf(BaseModel):
    """A test on one attribute path of the resource (`a.b.c`, lists are searched through)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    attribute: str
    exists: bool | None = None
    equals: Any = None
    not_equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    matches: str | None = None
    not_matches: str | None = None
    greater_or_equal: float | None = None
    less_or_equal: float | None = None
    match: Literal["all", "any"] = "all"
    missing: Literal["fail", "pass"] = "fail"

    @model_validator(mode="after")
    def _one_operator(self) -> Leaf:
        chosen = [name for name in OPERATORS if name in self.model_fields_set]
        if len(chosen) != 1:
            raise ValueError(f"give exactly one operator of {', '.join(OPERATORS)}")
        for name in ("matches", "not_matches"):
            pattern = getattr(self, name)
            if pattern is not None:
                re.compile(pattern)
        return self

    @property
    def operator(self) -> str:
        """The single operator this leaf uses."""
        return next(name for name in OPERATORS if name in self.model_fields_set)


OPERATORS = (
    "exists",
    "equals",
    "not_equals",
    "in_",
    "not_in",
    "matches",
    "not_matches",
    "greater_or_equal",
    "less_or_equal",
)


class Related(BaseModel):
    """Another resource that points at this one (`aws_s3_bucket_versioning.bucket`)."""

    model_config = ConfigDict(extra="forbid")

    types: list[str]
    via: str
    target_attribute: str | None = None
    condition: Condition | None = None


class Condition(BaseModel):
    """A node of a rule's condition: a leaf test, `related`, or `all` / `any` / `not`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")
    related: Related | None = None
    leaf: Leaf | None = None

    @model_validator(mode="before")
    @classmethod
    def _wrap_leaf(cls, data: Any) -> Any:
        if isinstance(data, dict) and "attribute" in data:
            return {"leaf": data}
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        kinds = [
            k for k in ("all", "any", "not_", "related", "leaf") if getattr(self, k) is not None
        ]
        if len(kinds) != 1:
            raise ValueError("a condition is one of: attribute test, all, any, not, related")
        return self


Scope = Literal["any", "cardholder", "personal", "classified"]


class Rule(BaseModel):
    """One rule: metadata, the resource types it applies to, and a condition or a check.

    The condition (or check) describes the compliant state; a resource that does not meet
    it fails. `check` names a Python check for logic YAML cannot express. `scope` limits the
    rule to resources holding (or processing) cardholder data, personal data, or either
    (`classified`); see `scanner.engine.scope`.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    severity: Severity
    description: str
    remediation: str
    references: list[str] = Field(min_length=1)
    resource_types: list[str] = Field(min_length=1)
    condition: Condition | None = None
    check: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    scope: Scope = "any"

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise ValueError("rule ids look like LG-S3-001")
        return value

    @model_validator(mode="after")
    def _condition_or_check(self) -> Rule:
        if (self.condition is None) == (self.check is None):
            raise ValueError("a rule has either `condition` or `check`, not both or neither")
        if self.check is not None:
            from scanner.engine.checks import CHECKS

            if self.check not in CHECKS:
                raise ValueError(f"unknown check {self.check!r}")
        return self


def configure_rules(rules: list[Rule], config: RulesConfig) -> list[Rule]:
    """The rules a project's configuration selects, with its severity overrides applied.

    A non-empty `enable` runs only the rules it names; `disable` removes rules. A rule id that
    no loaded rule has is a UsageError naming it, so a typo never silently runs everything.
    """
    from scanner.errors import UsageError

    known = {rule.id for rule in rules}
    for section, ids in (
        ("enable", config.enable),
        ("disable", config.disable),
        ("severity", list(config.severity)),
    ):
        for rule_id in ids:
            if rule_id not in known:
                raise UsageError(f"configuration rules.{section}: unknown rule id {rule_id!r}")
    chosen = [
        rule
        for rule in rules
        if (not config.enable or rule.id in config.enable) and rule.id not in config.disable
    ]
    return [
        rule.model_copy(update={"severity": config.severity[rule.id]})
        if rule.id in config.severity
        else rule
        for rule in chosen
    ]


def load_rule(path: Path) -> Rule:
    """Load and validate one rule file; its id must equal its file name."""
    data = read_yaml(path)
    try:
        rule = Rule.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(f"{path}: {_first_error(exc)}") from exc
    if rule.id != path.stem:
        raise PolicyError(f"{path}: rule id {rule.id!r} differs from the file name {path.stem!r}")
    return rule


def load_rules(directories: list[Path]) -> list[Rule]:
    """All rules from `directories`, sorted by id; a duplicate id is an error."""
    rules: dict[str, Rule] = {}
    for directory in directories:
        if not directory.is_dir():
            raise PolicyError(f"{directory}: policy directory not found")
        for path in sorted(directory.glob("*.yaml")):
            rule = load_rule(path)
            if rule.id in rules:
                raise PolicyError(f"{path}: duplicate rule id {rule.id}")
            rules[rule.id] = rule
    return [rules[key] for key in sorted(rules)]


def read_yaml(path: Path) -> Any:
    """Read a YAML file with the C loader when available; PolicyError names file and line."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise PolicyError(f"{path}{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror}") from exc


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    return f"{where}: {error['msg']}"


Related.model_rebuild()
Condition.model_rebuild()
