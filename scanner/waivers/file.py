"""The waivers file, `.ledgerguard-waivers.yaml`: a `waivers` list, each entry validated.

```yaml
waivers:
  - rule_id: LG-S3-001
    resource: module.legacy.*
    reason: Public website bucket, no cardholder data
    owner: web-team
    approved_by: security@example.com
    ticket: SEC-1234
    expires: 2025-06-30
```
Any error (malformed YAML, a missing or empty field, a bad date, an unknown rule id, an expiry
beyond the configured maximum) names the file and the line to fix.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scanner.errors import UsageError
from scanner.located import error_location, load_located
from scanner.waivers.model import Waiver, WaiverEntry, check_lifetime, check_rule

WAIVERS_FILE = ".ledgerguard-waivers.yaml"


class WaiversFile(BaseModel):
    """The whole waivers file."""

    model_config = ConfigDict(extra="forbid")

    waivers: list[WaiverEntry] = Field(default_factory=list)


def load_waiver_file(
    path: Path,
    display: str,
    rule_ids: set[str],
    today: date,
    max_lifetime_days: int,
) -> list[Waiver]:
    """The waivers in `path`, in file order; `display` is how reports name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"{display}: waivers file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{display}: cannot read waivers file: {exc}") from exc
    located = load_located(text, display)
    if located.data is None:
        return []
    if not isinstance(located.data, dict):
        raise UsageError(f"{display}:1: expected a mapping with a `waivers` list")
    try:
        parsed = WaiversFile.model_validate(located.data)
    except ValidationError as exc:
        line, problem = error_location(exc, located)
        raise UsageError(f"{display}:{line}: {problem}") from exc
    waivers = []
    for index, entry in enumerate(parsed.waivers):
        check_rule(entry, f"{display}:{located.line_of(('waivers', index, 'rule_id'))}", rule_ids)
        expires_at = f"{display}:{located.line_of(('waivers', index, 'expires'))}"
        check_lifetime(entry, expires_at, today, max_lifetime_days)
        waivers.append(Waiver(entry, f"{display}:{located.line_of(('waivers', index))}"))
    return waivers
