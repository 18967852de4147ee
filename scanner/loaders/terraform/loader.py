"""Load Terraform configurations from disk into normalized `Resource`s.

Every directory with `.tf` files under the scanned paths is a module; a directory that another
scanned module calls with a local `source` is loaded only as that call's child (with its
inputs), the others are root modules. Remote module sources are listed, not fetched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import InputFileError
from scanner.loaders.terraform.expressions import Evaluator
from scanner.loaders.terraform.files import (
    ParsedFile,
    find_module_dirs,
    parse_hcl,
    parse_var_file,
    relative_to,
    tf_files,
)
from scanner.loaders.terraform.functions import jsonencode
from scanner.loaders.terraform.module import (
    Block,
    ModuleInstance,
    ModuleSource,
    NoReferences,
    attributes,
)
from scanner.loaders.terraform.policy_document import render_policy_document
from scanner.model import InputError, Location, Resource, SkippedModule
from scanner.values import Unknown

logger = logging.getLogger(__name__)

LOCAL_SOURCE_PREFIXES = ("./", "../", ".\\", "..\\")


@dataclass
class Inventory:
    """What a loader found: resources in a stable order, input errors, modules not fetched."""

    resources: list[Resource] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    modules_not_scanned: list[SkippedModule] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


class TerraformLoader:
    """Loads every module under a set of paths, relative to one scanned root."""

    def __init__(self, root: Path, var_files: list[Path] | None = None) -> None:
        self.root = root.resolve()
        self.var_files = var_files or []
        self.var_values: dict[str, Any] = {}
        self.inventory = Inventory()
        self._sources: dict[Path, ModuleSource] = {}
        # Region of each AWS provider configuration (`aws`, `aws.<alias>`) by module prefix.
        self._regions: dict[str, dict[str, str | None]] = {}

    # ---- files ------------------------------------------------------------------------------

    def _record(self, error: InputFileError) -> None:
        self.inventory.errors.append(
            InputError(file=error.file, line=error.line, message=error.message)
        )

    def source(self, directory: Path) -> ModuleSource:
        """The parsed blocks of a module directory; files that fail to parse are recorded."""
        directory = directory.resolve()
        if directory not in self._sources:
            parsed: list[ParsedFile] = []
            for path in tf_files(directory) if directory.is_dir() else []:
                try:
                    parsed.append(parse_hcl(path, self.root))
                except InputFileError as error:
                    self._record(error)
                self.inventory.files.append(relative_to(path, self.root))
            self._sources[directory] = ModuleSource.from_files(directory, parsed)
        return self._sources[directory]

    def _load_var_values(self, root_dir: Path) -> dict[str, Any]:
        candidates = [root_dir / "terraform.tfvars", root_dir / "terraform.tfvars.json"]
        candidates += sorted(root_dir.glob("*.auto.tfvars")) + sorted(
            root_dir.glob("*.auto.tfvars.json")
        )
        values: dict[str, Any] = {}
        for path in self.var_files:
            if not path.is_file():
                self._record(InputFileError(str(path), None, "variable file not found"))
        existing = [p for p in self.var_files if p.is_file()]
        for path in [p for p in candidates if p.is_file()] + existing:
            try:
                values.update(parse_var_file(path, self.root))
            except InputFileError as error:
                self._record(error)
        return values

    # ---- modules ----------------------------------------------------------------------------

    def load(self, paths: list[Path]) -> Inventory:
        """Load all modules under `paths` and return the inventory."""
        readable = []
        for path in paths:
            if not path.exists():
                self._record(InputFileError(relative_to(path, self.root), None, "path not found"))
            elif path.is_file() and path.suffix != ".tf":
                # Plan JSON, CloudFormation and CDK output have no loader yet: saying so beats
                # a scan that finds nothing in them and passes.
                message = "not a Terraform .tf file; no loader reads this kind of file yet"
                self._record(InputFileError(relative_to(path, self.root), None, message))
            else:
                readable.append(path)
        directories = find_module_dirs(readable)
        called = set()
        for directory in directories:
            for block in self.source(directory).modules.values():
                target = _local_source(block, directory)
                if target is not None:
                    called.add(target.resolve())
        loaded: set[Path] = set()
        # Directories nobody calls are roots; a directory called only from within a module
        # cycle is loaded as a root afterwards, so that no scanned file is silently skipped.
        ordered = [d for d in directories if d not in called]
        ordered += [d for d in directories if d in called]
        for directory in ordered:
            if directory in loaded:
                continue
            self.var_values = self._load_var_values(directory)
            root_module = ModuleInstance(self.source(directory), self)
            default_tags = _default_tags(root_module)
            self._regions = {"": _provider_regions(root_module)}
            for module in root_module.walk():
                loaded.add(module.source.directory)
                self._collect(module, default_tags)
        self.inventory.files = sorted(set(self.inventory.files))
        return self.inventory

    def instantiate(self, parent: ModuleInstance, name: str) -> dict[Any, ModuleInstance] | None:
        """Instances of module call `name` in `parent`; None (and listed) when remote."""
        block = parent.source.modules[name]
        base = f"{parent.prefix}.module.{name}" if parent.prefix else f"module.{name}"
        target = _local_source(block, parent.source.directory)
        if target is None:
            self._skip(block, base)
            return None
        chain = (*parent.ancestors, parent.source.directory)
        if target in chain:
            message = (
                f"module {name}: {relative_to(target, self.root)} is already loading it (cycle)"
            )
            self._record(InputFileError(block.file.relative, block.line, message))
            return None
        if not target.is_dir():
            self._record(
                InputFileError(block.file.relative, block.line, f"module source {target} not found")
            )
            return None
        child_source = self.source(target)
        children: dict[Any, ModuleInstance] = {}
        for instance in parent.instances(block, base):
            scope = parent.evaluator.bind(**instance.bindings)
            inputs = {
                key: scope.safe(expr)
                for key, expr in attributes(block.body).items()
                if key not in ("source", "version", "count", "for_each", "providers", "depends_on")
            }
            children[instance.key] = ModuleInstance(
                child_source, self, instance.address, inputs, chain
            )
            passed = scope.safe(attributes(block.body).get("providers"))
            parent_regions = self._regions.get(parent.prefix, {})
            self._regions[instance.address] = _child_regions(parent_regions, passed)
        return children

    def _skip(self, block: Block, address: str) -> None:
        source = Evaluator(NoReferences()).safe(attributes(block.body).get("source"))
        if any(m.address == address for m in self.inventory.modules_not_scanned):
            return
        self.inventory.modules_not_scanned.append(
            SkippedModule(
                address=address,
                source=source if isinstance(source, str) else "<unknown>",
                file=block.file.relative,
                line=block.line,
            )
        )

    # ---- resources --------------------------------------------------------------------------

    def render_data(self, data_type: str, values: dict[str, Any]) -> dict[str, Any]:
        """Attributes a data source computes that the loader can work out itself."""
        if data_type == "aws_iam_policy_document":
            document = jsonencode(render_policy_document(values))
            return {"json": document, "minified_json": document}
        return {}

    def _collect(self, module: ModuleInstance, default_tags: dict[str, Any]) -> None:
        for kind, table in (("resource", module.source.resources), ("data", module.source.data)):
            for (rtype, rname), block in table.items():
                key = (kind, rtype, rname)
                region = self._region(module, block)
                for instance in module.instances(block, module.base_address(key)):
                    values = module.evaluated(key, instance, block)
                    resource = _resource(
                        instance.address, rtype, rname, kind, module, values, block, default_tags
                    )
                    resource.region = region
                    self.inventory.resources.append(resource)

    def _region(self, module: ModuleInstance, block: Block) -> str | None:
        """The region of the provider configuration a resource block uses."""
        expression = attributes(block.body).get("provider")
        chosen = module.evaluator.safe(expression) if expression is not None else None
        name = chosen.expr if isinstance(chosen, Unknown) else "aws"
        return self._regions.get(module.prefix, {}).get(name)


def _resource(
    address: str,
    rtype: str,
    rname: str,
    kind: str,
    module: ModuleInstance,
    values: dict[str, Any],
    block: Block,
    default_tags: dict[str, Any],
) -> Resource:
    tags = values.get("tags")
    effective = dict(default_tags)
    if isinstance(tags, dict):
        effective.update(tags)
    return Resource(
        address=address,
        type=rtype,
        name=rname,
        provider=rtype.split("_", 1)[0],
        mode="managed" if kind == "resource" else "data",
        module=module.prefix,
        attributes=values,
        location=Location(file=block.file.relative, line=block.line, end_line=block.end_line),
        tags=effective,
    )


def _local_source(block: Block, directory: Path) -> Path | None:
    source = Evaluator(NoReferences()).safe(attributes(block.body).get("source"))
    if isinstance(source, str) and source.startswith(LOCAL_SOURCE_PREFIXES):
        return (directory / source).resolve()
    return None


def _default_tags(root: ModuleInstance) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    for block in root.source.providers:
        if block.labels[:1] != ["aws"] or "alias" in attributes(block.body):
            continue
        from scanner.loaders.terraform.module import evaluate_body

        body = evaluate_body(block.body, root.evaluator)
        for default in body.get("default_tags", []):
            if isinstance(default, dict) and isinstance(default.get("tags"), dict):
                tags.update(default["tags"])
    return tags


def _provider_regions(root: ModuleInstance) -> dict[str, str | None]:
    """`aws` and `aws.<alias>` to the region their provider block sets (None when unknown)."""
    from scanner.loaders.terraform.module import evaluate_body

    regions: dict[str, str | None] = {}
    for block in root.source.providers:
        if block.labels[:1] != ["aws"]:
            continue
        body = evaluate_body(block.body, root.evaluator)
        alias = body.get("alias")
        region = body.get("region")
        name = f"aws.{alias}" if isinstance(alias, str) else "aws"
        regions[name] = region if isinstance(region, str) else None
    return regions


def _child_regions(parent: dict[str, str | None], passed: Any) -> dict[str, str | None]:
    """A child module's provider regions: inherited, or only those its call's `providers` maps."""
    if not isinstance(passed, dict):
        return dict(parent)
    regions: dict[str, str | None] = {}
    for name, value in passed.items():
        if isinstance(value, Unknown):
            regions[name] = parent.get(value.expr)
    return regions
