"""The human-readable report: failed findings as a table, then errors and a summary line."""

from __future__ import annotations

import io

from scanner.model import ScanResult, Status

_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}


def render(result: ScanResult, *, color: bool = False) -> str:
    """A rich table of failed and waived findings; passed ones are only counted."""
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=120)
    shown = [f for f in result.findings if f.status != Status.PASSED]
    if shown:
        table = Table(show_lines=False, header_style="bold")
        for column in ("severity", "rule", "resource", "location", "message"):
            table.add_column(column, overflow="fold")
        for finding in shown:
            severity = finding.severity.value
            if finding.status == Status.WAIVED:
                severity = f"{severity} (waived)"
            elif finding.baseline == "existing":
                severity = f"{severity} (baseline)"
            table.add_row(
                f"[{_SEVERITY_STYLE[finding.severity.value]}]{severity}[/]",
                finding.rule_id,
                finding.resource,
                f"{finding.file}:{finding.line}",
                f"{finding.title}: {finding.message}",
            )
        console.print(table)
    for error in result.errors:
        where = f"{error.file}:{error.line}" if error.line else error.file
        console.print(f"[red]error[/] {where}: {error.message}", markup=True, highlight=False)
    for module in result.modules_not_scanned:
        console.print(
            f"not scanned: {module.address} (remote source {module.source}) "
            f"at {module.file}:{module.line}",
            highlight=False,
        )
    summary = result.summary
    console.print(
        f"{summary.failed} failed, {summary.passed} passed, {summary.waived} waived "
        f"across {_count(summary.resources, 'resource')} in {_count(summary.files, 'file')}",
        highlight=False,
    )
    return buffer.getvalue()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
