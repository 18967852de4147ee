"""Output formats behind one small interface: `render(result, fmt) -> str`, one module each."""

from __future__ import annotations

import importlib
from enum import StrEnum

from scanner.model import ScanResult


class OutputFormat(StrEnum):
    """The formats `ledgerguard scan --format` accepts."""

    CONSOLE = "console"
    JSON = "json"


def render(result: ScanResult, fmt: OutputFormat, *, color: bool = False) -> str:
    """Render `result` in `fmt`; each format lives in `scanner.outputs.<fmt>`."""
    module = importlib.import_module(f"scanner.outputs.{fmt.value}_format")
    text: str = module.render(result, color=color)
    return text
