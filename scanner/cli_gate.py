"""The command-line pieces that put ledgerguard into pipelines.

`deliver` writes a scan's reports (one format to stdout or `--output`, several to
`--output-dir`), warns about input errors and waivers on stderr and returns the gate's exit
code; `scan` (in `scanner.cli`) and `pre-commit` share it. `baseline create` records today's
failures. Registered on the app by `scanner.cli`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from scanner.errors import LedgerguardError, UsageError
from scanner.gate import ExitCode, Threshold
from scanner.model import ScanResult
from scanner.outputs import OutputFormat

baseline_app = typer.Typer(help="Record today's failures so that only new ones fail the gate.")

TERRAFORM_SUFFIXES = (".tf", ".tfvars", ".tfvars.json")

WaiversOption = Annotated[
    Path | None,
    typer.Option(
        "--waivers",
        help="Waivers file (default: .ledgerguard-waivers.yaml in the current directory).",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Configuration file (default: .ledgerguard.yaml here)."),
]
FrameworkOption = Annotated[
    list[str] | None,
    typer.Option("--framework", help="Only rules evidencing this framework (repeatable)."),
]
PoliciesOption = Annotated[
    list[Path] | None, typer.Option("--policies", help="Extra rule directory (repeatable).")
]


def waivers_file(option: Path | None) -> Path | None:
    """`--waivers` when given, else `.ledgerguard-waivers.yaml` in the current directory when
    it exists, else no waivers file."""
    from scanner.waivers.file import WAIVERS_FILE

    if option is not None:
        return option
    default = Path(WAIVERS_FILE)
    return default if default.is_file() else None


def check_destinations(
    formats: list[OutputFormat], output: Path | None, output_dir: Path | None
) -> None:
    """UsageError for a combination of formats and destinations that cannot be honoured."""
    if output is not None and output_dir is not None:
        raise UsageError("give --output or --output-dir, not both")
    if len(formats) > 1 and output_dir is None:
        raise UsageError("several --format values need --output-dir")
    if len(set(formats)) != len(formats):
        raise UsageError("each --format may be given once")


def deliver(
    result: ScanResult,
    formats: list[OutputFormat],
    output: Path | None,
    output_dir: Path | None,
    fail_on: Threshold,
    ignore_parse_errors: bool,
) -> ExitCode:
    """Gate `result`, write its reports, warn on stderr, and return the exit code."""
    from scanner.gate import decide
    from scanner.outputs import render

    code = decide(result, fail_on, ignore_parse_errors)
    for fmt in formats:
        if output_dir is not None:
            write_report(output_dir / fmt.file_name, render(result, fmt))
        elif output is not None:
            write_report(output, render(result, fmt))
        else:
            color = fmt == OutputFormat.CONSOLE and sys.stdout.isatty()
            sys.stdout.write(render(result, fmt, color=color))
    warn(result)
    return code


def warn(result: ScanResult) -> None:
    """Input errors and waiver notices, one line each on stderr."""
    for error in result.errors:
        where = f"{error.file}:{error.line}" if error.line else error.file
        print(f"ledgerguard: error: {where}: {error.message}", file=sys.stderr)
    for notice in result.waiver_notices:
        print(f"ledgerguard: warning: {notice.source}: {notice.message}", file=sys.stderr)


def write_report(path: Path, text: str) -> None:
    """Write a report, creating its folder; LedgerguardError when that is impossible."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise LedgerguardError(f"{path}: cannot write report: {exc.strerror}") from exc


def module_dirs(files: list[Path]) -> list[Path]:
    """The Terraform module directories that hold `files` (the ones pre-commit passes):
    Terraform and variable files only, skipping `.terraform/` and folders without `.tf`."""
    dirs = set()
    for file in files:
        if not file.name.endswith(TERRAFORM_SUFFIXES) or ".terraform" in file.parts:
            continue
        directory = file.parent
        if directory.is_dir() and any(directory.glob("*.tf")):
            dirs.add(directory)
    return sorted(dirs)


@baseline_app.command("create")
def baseline_create(
    paths: Annotated[list[Path], typer.Argument(help="Terraform files or directories.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The baseline file to write.")],
    framework: FrameworkOption = None,
    policies: PoliciesOption = None,
    var_file: Annotated[
        list[Path] | None, typer.Option("--var-file", help="Terraform variable file (repeatable).")
    ] = None,
    waivers: WaiversOption = None,
    config: ConfigOption = None,
) -> None:
    """Record the fingerprints of today's failed findings (waived ones excluded) in a file
    that `scan --baseline` reads. Input errors exit 2 and write nothing."""
    from scanner.baseline import render_baseline
    from scanner.config import load_config
    from scanner.scan import ScanOptions, run_scan

    options = ScanOptions(
        paths=paths,
        var_files=var_file or [],
        policy_dirs=policies or [],
        frameworks=framework or [],
        config=load_config(config, Path.cwd()),
        waivers=waivers_file(waivers),
    )
    result = run_scan(options)
    warn(result)
    if result.errors:
        raise typer.Exit(int(ExitCode.ERROR))
    write_report(output, render_baseline(result.findings))
    print(f"ledgerguard: recorded {result.summary.failed} failed findings in {output}")


def pre_commit(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Changed files; pre-commit passes them.")
    ] = None,
    fail_on: Annotated[
        Threshold | None,
        typer.Option(help="Lowest severity that fails the gate (default: config, else low)."),
    ] = None,
    framework: FrameworkOption = None,
    policies: PoliciesOption = None,
    waivers: WaiversOption = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Fail only on findings not in it.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Scan the Terraform modules that hold FILES and gate the commit on them."""
    from scanner.config import load_config
    from scanner.scan import ScanOptions, run_scan

    directories = module_dirs(files or [])
    if not directories:
        raise typer.Exit(int(ExitCode.PASSED))
    settings = load_config(config, Path.cwd())
    options = ScanOptions(
        paths=directories,
        policy_dirs=policies or [],
        frameworks=framework or [],
        config=settings,
        waivers=waivers_file(waivers),
        baseline=baseline,
    )
    result = run_scan(options)
    threshold = fail_on or settings.fail_on or Threshold.LOW
    code = deliver(result, [OutputFormat.CONSOLE], None, None, threshold, False)
    raise typer.Exit(int(code))
