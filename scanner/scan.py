"""One scan: load the inputs, run the rules, assemble the ScanResult every output renders."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from scanner import __version__
from scanner.config import Config
from scanner.engine.graph import Graph
from scanner.engine.rules import Rule, configure_rules, load_rules
from scanner.engine.runner import run_rules
from scanner.errors import UsageError
from scanner.frameworks import Framework, control_index, load_frameworks
from scanner.gate import apply_exceptions
from scanner.loaders.terraform import Inventory, TerraformLoader
from scanner.loaders.terraform.files import relative_to
from scanner.model import Finding, RuleInfo, ScanResult, Status, Summary, ToolInfo
from scanner.policies import frameworks_dir, rules_dir
from scanner.redact import redact


@dataclass
class ScanOptions:
    """What to scan and with which policies."""

    paths: list[Path]
    var_files: list[Path] = field(default_factory=list)
    policy_dirs: list[Path] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)
    config: Config = field(default_factory=Config)
    # Exceptions (scanner.gate.apply_exceptions): a waivers file, a baseline, and the date
    # waivers are judged against (None: $LEDGERGUARD_TODAY, else today).
    waivers: Path | None = None
    baseline: Path | None = None
    today: date | None = None


@dataclass
class PolicyPack:
    """Rules and framework catalogues, loaded once per run."""

    rules: list[Rule]
    frameworks: dict[str, Framework]


def load_pack(extra_dirs: list[Path] | None = None) -> PolicyPack:
    """The built-in rules plus any user rule directories, and the framework catalogues."""
    rules = load_rules([rules_dir(), *(extra_dirs or [])])
    return PolicyPack(rules, load_frameworks(frameworks_dir()))


def scan_root(paths: list[Path]) -> Path:
    """The directory every output path is relative to: the common parent of the inputs."""
    resolved = [p.resolve() for p in paths]
    dirs = [p if p.is_dir() else p.parent for p in resolved]
    return Path(os.path.commonpath([str(d) for d in dirs])) if dirs else Path.cwd()


def run_scan(options: ScanOptions, pack: PolicyPack | None = None) -> ScanResult:
    """Scan `options.paths` and return the result (input errors included, never raised)."""
    pack = pack or load_pack(options.policy_dirs)
    chosen = options.frameworks or options.config.frameworks
    unknown = [f for f in chosen if f not in pack.frameworks]
    if unknown:
        known = ", ".join(sorted(pack.frameworks))
        raise UsageError(f"unknown framework {unknown[0]!r}; known frameworks: {known}")
    root = scan_root(options.paths)
    inventory = TerraformLoader(root, options.var_files).load(options.paths)
    frameworks = {k: v for k, v in pack.frameworks.items() if not chosen or k in chosen}
    controls = control_index(frameworks)
    rules = configure_rules(pack.rules, options.config.rules)
    if chosen:
        rules = [rule for rule in rules if rule.id in controls]
    graph = Graph(inventory.resources, options.config.classification)
    findings = run_rules(rules, graph, controls)
    # Waivers and baseline see every finding of the loaded modules (so that stale and fixed
    # are right); apply_exceptions then keeps only these files' findings when files were given.
    only_files = {relative_to(p.resolve(), root) for p in options.paths if p.is_file()}
    rule_ids = {rule.id for rule in pack.rules}
    reviewed = apply_exceptions(findings, options, root, inventory, rule_ids, only_files)
    result = _result(reviewed.findings, inventory)
    result.waiver_notices, result.baseline = reviewed.notices, reviewed.baseline
    result.rules = [RuleInfo.model_validate(rule, from_attributes=True) for rule in rules]
    from scanner.iam.scope import access_table

    result.scope = access_table(graph)
    return result


def _result(findings: list[Finding], inventory: Inventory) -> ScanResult:
    summary = Summary(
        failed=sum(1 for f in findings if f.status == Status.FAILED),
        passed=sum(1 for f in findings if f.status == Status.PASSED),
        waived=sum(1 for f in findings if f.status == Status.WAIVED),
        resources=sum(1 for r in inventory.resources if r.mode == "managed"),
        files=len(inventory.files),
    )
    return ScanResult(
        tool=ToolInfo(version=__version__),
        summary=summary,
        findings=findings,
        errors=[e.model_copy(update={"message": redact(e.message)}) for e in inventory.errors],
        modules_not_scanned=inventory.modules_not_scanned,
    )
