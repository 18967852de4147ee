"""Output formats behind one small interface: `render(result, fmt) -> str`, one module each."""

from __future__ import annotations

import importlib
from enum import StrEnum

from scanner.model import ScanResult


class OutputFormat(StrEnum):
    """The formats `ledgerguard scan --format` accepts."""

    CONSOLE = "console"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    MARKDOWN = "markdown"

    @property
    def file_name(self) -> str:
        """The report's file name under `--output-dir`."""
        return f"ledgerguard{_SUFFIX[self]}"


_SUFFIX = {
    OutputFormat.CONSOLE: ".txt",
    OutputFormat.JSON: ".json",
    OutputFormat.SARIF: ".sarif",
    OutputFormat.JUNIT: ".junit.xml",
    OutputFormat.MARKDOWN: ".md",
}


def render(result: ScanResult, fmt: OutputFormat, *, color: bool = False) -> str:
    """Render `result` in `fmt`; each format lives in `scanner.outputs.<fmt>_format`."""
    module = importlib.import_module(f"scanner.outputs.{fmt.value}_format")
    text: str = module.render(result, color=color)
    return text
