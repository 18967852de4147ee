"""Typed errors. The CLI turns each into a one-line message and an exit code in one place."""

from __future__ import annotations


class LedgerguardError(Exception):
    """Base class for errors a user can act on; never shown with a traceback."""


class UsageError(LedgerguardError):
    """Bad command-line usage or configuration (unknown rule id, bad option value)."""


class InputFileError(LedgerguardError):
    """A file that cannot be read or parsed; the scan records it and goes on."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")


class PolicyError(LedgerguardError):
    """A rule or framework file that does not match its schema."""
