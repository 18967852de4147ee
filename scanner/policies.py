"""Where the built-in policy pack and templates live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The bundled `policies` or `templates` directory.

    A wheel carries them inside the package (`scanner/_bundled/`); a source checkout or an
    editable install has them beside the package.
    """
    bundled = _PACKAGE / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name


def rules_dir() -> Path:
    """The built-in rules."""
    return data_dir("policies") / "rules"


def frameworks_dir() -> Path:
    """The built-in framework catalogues."""
    return data_dir("policies") / "frameworks"
