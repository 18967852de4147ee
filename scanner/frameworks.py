"""Framework catalogues: `policies/frameworks/<id>.yaml`, each control with its evidence.

A control lists the rules that evidence it, or says `manual` with the evidence a person
must supply because IaC cannot show it.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scanner.engine.rules import read_yaml
from scanner.errors import PolicyError
from scanner.model import ControlRef

FRAMEWORK_IDS = ("pci-dss-4.0", "soc2", "gdpr")


class Control(BaseModel):
    """One control (requirement, criterion, article) as the standard numbers it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    rules: list[str] = Field(default_factory=list)
    manual: str | None = None

    @model_validator(mode="after")
    def _rules_or_manual(self) -> Control:
        if not self.rules and not self.manual:
            raise ValueError(f"control {self.id} needs `rules` or `manual`")
        return self


class Framework(BaseModel):
    """A framework catalogue."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    version: str
    source: str
    controls: list[Control]

    @model_validator(mode="after")
    def _unique_controls(self) -> Framework:
        seen: set[str] = set()
        for control in self.controls:
            if control.id in seen:
                raise ValueError(f"control {control.id} appears twice")
            seen.add(control.id)
        return self


def load_frameworks(directory: Path) -> dict[str, Framework]:
    """Every catalogue in `directory`, by id; the id must equal the file name."""
    frameworks: dict[str, Framework] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            framework = Framework.model_validate(read_yaml(path))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            raise PolicyError(f"{path}: {where}: {error['msg']}") from exc
        if framework.id != path.stem:
            raise PolicyError(f"{path}: framework id {framework.id!r} differs from the file name")
        frameworks[framework.id] = framework
    return frameworks


def catalogue_problems(frameworks: dict[str, Framework], rule_ids: set[str]) -> list[str]:
    """What is wrong between catalogues and rules: unknown rule ids, rules no control uses."""
    problems = []
    for framework_id in sorted(frameworks):
        for control in frameworks[framework_id].controls:
            problems += [
                f"{framework_id} {control.id}: unknown rule {rule_id}"
                for rule_id in control.rules
                if rule_id not in rule_ids
            ]
    mapped = control_index(frameworks)
    problems += [f"{rule_id}: evidences no control" for rule_id in sorted(rule_ids - set(mapped))]
    return problems


def control_index(frameworks: dict[str, Framework]) -> dict[str, list[ControlRef]]:
    """For each rule id, the controls it evidences, in catalogue order."""
    index: dict[str, list[ControlRef]] = defaultdict(list)
    for framework_id in sorted(frameworks):
        for control in frameworks[framework_id].controls:
            for rule_id in control.rules:
                index[rule_id].append(ControlRef(framework=framework_id, id=control.id))
    return dict(index)
