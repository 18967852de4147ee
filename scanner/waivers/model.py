"""What a waiver is, which findings it covers, and the checks every waiver must pass."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict, field_validator

from scanner.errors import UsageError
from scanner.model import Finding, WaiverRef

# Tests and reproducible pipelines pin the date waivers are judged against with this variable.
TODAY_ENV = "LEDGERGUARD_TODAY"


class WaiverEntry(BaseModel):
    """The fields a person writes for a waiver, in the waivers file or an inline comment."""

    model_config = ConfigDict(extra="forbid")

    rule_id: str
    resource: str
    reason: str
    owner: str
    approved_by: str
    ticket: str | None = None
    expires: date

    @field_validator("rule_id", "resource", "reason", "owner", "approved_by", mode="before")
    @classmethod
    def _not_blank(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("must not be empty")
        return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True)
class Waiver:
    """A validated waiver and where it is written.

    `source` is `file:line` as reports show it. A file waiver names resources by address or
    glob; an inline waiver is attached to one block, `block` = (file, first line), and covers
    every instance of it.
    """

    entry: WaiverEntry
    source: str
    block: tuple[str, int] | None = None

    def matches(self, finding: Finding) -> bool:
        """Whether this waiver covers `finding` (whatever its status or the date)."""
        if finding.rule_id != self.entry.rule_id:
            return False
        if self.block is not None:
            return (finding.file, finding.line) == self.block
        return address_matches(finding.resource, self.entry.resource)

    def ref(self, finding: Finding) -> WaiverRef:
        """The record of this waiver that a waived finding carries."""
        entry = self.entry
        return WaiverRef(
            rule_id=entry.rule_id,
            resource=finding.resource if self.block is not None else entry.resource,
            reason=entry.reason,
            owner=entry.owner,
            approved_by=entry.approved_by,
            ticket=entry.ticket,
            expires=entry.expires,
            source=self.source,
            inline=self.block is not None,
        )


def address_matches(address: str, pattern: str) -> bool:
    """`pattern` is an address or a glob: `*` matches any run of characters (dots included),
    `?` one character. Brackets are literal, as in `aws_s3_bucket.logs["eu"]`."""
    if address == pattern:
        return True
    return fnmatchcase(address, pattern.replace("[", "[[]"))


def check_rule(entry: WaiverEntry, where: str, rule_ids: set[str]) -> None:
    """UsageError at `where` (`file:line`) when the waiver names a rule that does not exist."""
    if entry.rule_id not in rule_ids:
        raise UsageError(
            f"{where}: unknown rule id {entry.rule_id!r}; `ledgerguard rules` lists them"
        )


def check_lifetime(entry: WaiverEntry, where: str, today: date, max_lifetime_days: int) -> None:
    """UsageError at `where` when the waiver expires further out than the configured maximum."""
    days = (entry.expires - today).days
    if days > max_lifetime_days:
        raise UsageError(
            f"{where}: expires {entry.expires.isoformat()} is {days} days away, beyond the "
            f"maximum of {max_lifetime_days} (waivers.max_lifetime_days)"
        )


def resolve_today(explicit: date | None = None) -> date:
    """The date waivers are judged against: `explicit`, else $LEDGERGUARD_TODAY, else today."""
    if explicit is not None:
        return explicit
    value = os.environ.get(TODAY_ENV, "").strip()
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"{TODAY_ENV}={value!r} is not a date (YYYY-MM-DD)") from exc
