"""Inline waivers: a comment in the Terraform, inside a resource block or directly above it.

```hcl
# ledgerguard:ignore LG-S3-001 reason="Public website assets" expires=2025-06-30 ticket=WEB-7
resource "aws_s3_bucket" "site" {
```
The rule id comes first, then `key=value` pairs (quote values with spaces). `reason` and
`expires` are required; `owner`, `approved_by` and `ticket` are optional and `owner` and
`approved_by` default to `inline`: the approval of an inline waiver is the review of the
commit that adds it. "Directly above" means only comment lines lie between the waiver and the
block's first line. The waiver covers every instance of the block (`count`, `for_each`,
module instances). The same checks as for the waivers file apply, at the comment's line.
"""

from __future__ import annotations

import re
import shlex
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from scanner.errors import UsageError
from scanner.loaders.terraform.files import read_text
from scanner.located import Located, error_location
from scanner.model import Resource
from scanner.waivers.model import Waiver, WaiverEntry, check_lifetime, check_rule

MARKER = re.compile(r"(?:#|//)\s*ledgerguard:ignore(?=\s|$)(?P<rest>.*)$")
INLINE_KEYS = frozenset({"reason", "expires", "owner", "approved_by", "ticket"})
INLINE_DEFAULT = "inline"
SYNTAX = '# ledgerguard:ignore RULE_ID reason="..." expires=YYYY-MM-DD'

# A resource block in one file: first line, last line, address of its first instance.
Block = tuple[int, int, str]


def find_inline_waivers(
    root: Path,
    files: list[str],
    resources: list[Resource],
    rule_ids: set[str],
    today: date,
    max_lifetime_days: int,
) -> list[Waiver]:
    """Every inline waiver in `files` (relative to `root`), in file and line order."""
    blocks = _blocks(resources)
    waivers = []
    for relative in sorted(files):
        lines = read_text(root / relative, root).split("\n")
        for number, text in enumerate(lines, start=1):
            found = MARKER.search(text)
            if found is None:
                continue
            where = f"{relative}:{number}"
            block = _attach(number, lines, blocks.get(relative, []))
            if block is None:
                raise UsageError(
                    f"{where}: inline waiver is not inside or directly above a resource block"
                )
            entry = _entry(found.group("rest"), block[2], where)
            check_rule(entry, where, rule_ids)
            check_lifetime(entry, where, today, max_lifetime_days)
            waivers.append(Waiver(entry, where, (relative, block[0])))
    return waivers


def _blocks(resources: list[Resource]) -> dict[str, list[Block]]:
    by_file: dict[str, dict[int, Block]] = {}
    for resource in resources:
        location = resource.location
        end = location.end_line or location.line
        by_file.setdefault(location.file, {}).setdefault(
            location.line, (location.line, end, resource.address)
        )
    return {file: sorted(blocks.values()) for file, blocks in by_file.items()}


def _attach(number: int, lines: list[str], blocks: list[Block]) -> Block | None:
    for block in blocks:
        if block[0] <= number <= block[1]:
            return block
    following = number + 1
    while following <= len(lines) and lines[following - 1].lstrip().startswith(("#", "//")):
        following += 1
    return next((block for block in blocks if block[0] == following), None)


def _entry(rest: str, address: str, where: str) -> WaiverEntry:
    try:
        tokens = shlex.split(rest)
    except ValueError as exc:
        raise UsageError(f"{where}: inline waiver: {exc}; write {SYNTAX}") from exc
    if not tokens or "=" in tokens[0]:
        raise UsageError(f"{where}: inline waiver needs a rule id first; write {SYNTAX}")
    fields = {"owner": INLINE_DEFAULT, "approved_by": INLINE_DEFAULT}
    for token in tokens[1:]:
        key, equals, value = token.partition("=")
        if not equals:
            raise UsageError(f"{where}: inline waiver: expected key=value, got {token!r}")
        if key not in INLINE_KEYS:
            known = ", ".join(sorted(INLINE_KEYS))
            raise UsageError(f"{where}: inline waiver: unknown key `{key}` (known: {known})")
        fields[key] = value
    try:
        return WaiverEntry.model_validate({"rule_id": tokens[0], "resource": address, **fields})
    except ValidationError as exc:
        _, problem = error_location(exc, Located(None))
        raise UsageError(f"{where}: inline waiver: {problem}") from exc
