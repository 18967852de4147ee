"""Find and parse Terraform files; a file that cannot be read or parsed becomes an error entry."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import InputFileError

logger = logging.getLogger(__name__)

# A .tf file past this size is almost certainly generated or hostile; parsing it would stall a
# pre-commit run, so it is reported instead.
MAX_FILE_BYTES = 10 * 1024 * 1024

SKIPPED_DIRS = frozenset({".terraform", "node_modules", "__pycache__"})


@dataclass
class ParsedFile:
    """One parsed `.tf` file: its path, its path relative to the scanned root, its tree."""

    path: Path
    relative: str
    tree: Any


def relative_to(path: Path, root: Path) -> str:
    """`path` relative to the scanned root, with forward slashes, `..` where outside it."""
    return Path(os.path.relpath(path, root)).as_posix()


def find_module_dirs(paths: list[Path]) -> list[Path]:
    """Every directory under `paths` holding `.tf` files, skipping hidden and cache folders."""
    found: set[Path] = set()
    for path in paths:
        if path.is_file():
            found.add(path.parent.resolve())
            continue
        for current, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
            if any(name.endswith(".tf") for name in files):
                found.add(Path(current).resolve())
    return sorted(found)


def tf_files(directory: Path) -> list[Path]:
    """The `.tf` files of one module directory, in name order (Terraform's own order)."""
    return sorted(p for p in directory.iterdir() if p.suffix == ".tf" and p.is_file())


def read_text(path: Path, root: Path) -> str:
    """Read a file as UTF-8, refusing huge files; InputFileError names the file."""
    relative = relative_to(path, root)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputFileError(
                relative, None, f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit"
            )
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputFileError(relative, None, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(relative, None, f"not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise InputFileError(relative, None, f"cannot read file: {exc.strerror}") from exc


def parse_hcl(path: Path, root: Path) -> ParsedFile:
    """Parse one HCL file; InputFileError with file and line when it is malformed."""
    from hcl2 import api
    from lark.exceptions import LarkError, UnexpectedInput

    text = read_text(path, root)
    relative = relative_to(path, root)
    try:
        tree = api.parses(text)
    except UnexpectedInput as exc:
        raise InputFileError(relative, exc.line, _describe(exc)) from exc
    except (LarkError, RuntimeError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(relative, None, f"cannot parse HCL: {message}") from exc
    logger.debug("parsed %s", relative)
    return ParsedFile(path, relative, tree)


def _describe(exc: Any) -> str:
    token = getattr(exc, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        return "cannot parse HCL: the file ends inside an unclosed string, bracket or block"
    if token is not None:
        shown = str(token).strip() or repr(str(token))
        return f"cannot parse HCL: unexpected {shown!r} at column {exc.column}"
    char = getattr(exc, "char", None)
    if char is not None:
        return f"cannot parse HCL: unexpected character {char!r} at column {exc.column}"
    return "cannot parse HCL: unexpected end of input"


def parse_var_file(path: Path, root: Path) -> dict[str, Any]:
    """Variable values from a `.tfvars` (HCL, literal values) or `.tfvars.json` file."""
    if path.name.endswith(".json"):
        relative = relative_to(path, root)
        try:
            data = json.loads(read_text(path, root))
        except json.JSONDecodeError as exc:
            raise InputFileError(relative, exc.lineno, f"invalid JSON: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise InputFileError(relative, 1, "a .tfvars.json file must hold one JSON object")
        return data
    from scanner.loaders.terraform.expressions import Evaluator
    from scanner.loaders.terraform.module import NoReferences

    parsed = parse_hcl(path, root)
    evaluator = Evaluator(NoReferences())
    values: dict[str, Any] = {}
    for child in parsed.tree.body.children:
        identifier = getattr(child, "identifier", None)
        if identifier is not None and hasattr(child, "expression"):
            values[str(identifier.token.value)] = evaluator.safe(child.expression)
    return values
