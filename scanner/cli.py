"""The `ledgerguard` command line. Errors become one line on stderr and exit code 2 here."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from scanner.cli_gate import WaiversOption, baseline_app, pre_commit
from scanner.errors import LedgerguardError
from scanner.evidence.cli import evidence_app, history_app
from scanner.gate import ExitCode, Threshold
from scanner.iam.cli import app as iam_app
from scanner.outputs import OutputFormat

app = typer.Typer(
    name="ledgerguard",
    help="PCI-DSS 4.0, SOC 2 and GDPR policy-as-code for serverless payment infrastructure.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="List the built-in rules and the controls they evidence.")
app.add_typer(rules_app, name="rules")
app.add_typer(baseline_app, name="baseline")
app.add_typer(evidence_app, name="evidence")
app.add_typer(history_app, name="history")
app.add_typer(iam_app, name="iam")
app.command("pre-commit")(pre_commit)

logger = logging.getLogger("scanner")


@app.callback()
def _configure(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="ledgerguard: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )


@app.command()
def scan(
    paths: Annotated[list[Path], typer.Argument(help="Terraform files or directories.")],
    fmt: Annotated[
        list[OutputFormat] | None,
        typer.Option("--format", "-f", help="Report format (repeatable, with --output-dir)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here.")
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option("--output-dir", help="Write each format to DIR/ledgerguard.<ext>."),
    ] = None,
    waivers: WaiversOption = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Fail only on findings not in this file.")
    ] = None,
    fail_on: Annotated[
        Threshold | None,
        typer.Option(help="Lowest severity that fails the gate [default: config's, else low]."),
    ] = None,
    framework: Annotated[
        list[str] | None,
        typer.Option("--framework", help="Only rules evidencing this framework (repeatable)."),
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", help="Project configuration [default: ./.ledgerguard.yaml]."),
    ] = None,
    policies: Annotated[
        list[Path] | None, typer.Option("--policies", help="Extra rule directory (repeatable).")
    ] = None,
    var_file: Annotated[
        list[Path] | None, typer.Option("--var-file", help="Terraform variable file (repeatable).")
    ] = None,
    ignore_parse_errors: Annotated[
        bool, typer.Option(help="Do not exit 2 when an input file cannot be parsed.")
    ] = False,
) -> None:
    """Scan IaC and gate on the findings: exit 0 passed, 1 failed, 2 usage or input error."""
    from scanner.cli_gate import check_destinations, deliver, waivers_file
    from scanner.config import load_config
    from scanner.scan import ScanOptions, run_scan

    settings = load_config(config_file, Path.cwd())

    formats = fmt or [OutputFormat.CONSOLE]
    check_destinations(formats, output, output_dir)

    options = ScanOptions(
        paths=paths,
        var_files=var_file or [],
        policy_dirs=policies or [],
        frameworks=framework or [],
        waivers=waivers_file(waivers),
        baseline=baseline,
        config=settings,
    )
    result = run_scan(options)
    threshold = fail_on or settings.fail_on or Threshold.LOW
    code = deliver(result, formats, output, output_dir, threshold, ignore_parse_errors)
    raise typer.Exit(int(code))


@rules_app.callback(invoke_without_command=True)
def rules_list(
    ctx: typer.Context,
    framework: Annotated[
        str | None,
        typer.Option("--framework", help="Print this framework's control coverage instead."),
    ] = None,
) -> None:
    """List every rule with its severity and controls, or one framework's coverage table."""
    if ctx.invoked_subcommand is not None:
        return
    from scanner.frameworks import control_index
    from scanner.scan import load_pack

    pack = load_pack()
    if framework is not None and framework not in pack.frameworks:
        raise LedgerguardError(f"unknown framework {framework!r}")
    if framework is not None:
        from scanner.docs import coverage_text

        sys.stdout.write(coverage_text(pack.frameworks[framework]))
        return
    index = control_index(pack.frameworks)
    for rule in pack.rules:
        controls = index.get(rule.id, [])
        shown = ", ".join(f"{c.framework} {c.id}" for c in controls) or "-"
        print(f"{rule.id:<16} {rule.severity.value:<8} {rule.title}  [{shown}]")


@rules_app.command("show")
def rules_show(rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. LG-S3-001.")]) -> None:
    """Show one rule in full."""
    from scanner.errors import UsageError
    from scanner.frameworks import control_index
    from scanner.scan import load_pack

    pack = load_pack()
    rule = next((r for r in pack.rules if r.id == rule_id), None)
    if rule is None:
        raise UsageError(f"unknown rule id {rule_id!r}; `ledgerguard rules` lists them")
    controls = control_index(pack.frameworks).get(rule.id, [])
    print(f"{rule.id}: {rule.title}")
    print(f"severity: {rule.severity.value}")
    print(f"resource types: {', '.join(rule.resource_types)}")
    if rule.scope != "any":
        print(f"scope: {rule.scope} data only")
    print(f"controls: {', '.join(f'{c.framework} {c.id}' for c in controls) or '-'}")
    print(f"\n{rule.description.strip()}\n\nremediation: {rule.remediation.strip()}\n")
    for reference in rule.references:
        print(f"reference: {reference}")


def main() -> None:
    """Console-script entry point: run the app, turning errors into one line and exit 2."""
    try:
        app(standalone_mode=True)
    except LedgerguardError as exc:
        print(f"ledgerguard: error: {exc}", file=sys.stderr)
        sys.exit(int(ExitCode.ERROR))
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the CLI edge: a bug must still not dump a traceback on users
        if os.environ.get("LEDGERGUARD_DEBUG"):
            raise
        logger.debug("internal error", exc_info=True)
        print(
            f"ledgerguard: internal error: {type(exc).__name__}: {exc} "
            "(set LEDGERGUARD_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        sys.exit(int(ExitCode.ERROR))
