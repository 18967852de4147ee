"""Turn failed findings covered by a live waiver into waived ones, and say which waivers need
attention: expired ones (they waive nothing; their findings fail again) and stale ones (they
match no failed finding, so the exception they record no longer exists)."""

from __future__ import annotations

from datetime import date

from scanner.model import Finding, Status, WaiverNotice
from scanner.waivers.model import Waiver


def apply_waivers(
    findings: list[Finding], waivers: list[Waiver], today: date
) -> tuple[list[Finding], list[WaiverNotice]]:
    """Findings with waived ones marked, and one notice per expired or stale waiver.

    A waiver is live through its `expires` date. The first live waiver that matches a failed
    finding waives it; passed findings are never waived.
    """
    live = [waiver for waiver in waivers if waiver.entry.expires >= today]
    used: set[str] = set()
    result = []
    for finding in findings:
        waiver = None
        if finding.status == Status.FAILED:
            waiver = next((w for w in live if w.matches(finding)), None)
        if waiver is not None:
            used.add(waiver.source)
            finding = finding.model_copy(
                update={"status": Status.WAIVED, "waiver": waiver.ref(finding)}
            )
        result.append(finding)
    notices = []
    for waiver in waivers:
        if waiver.entry.expires < today:
            failing = sum(1 for f in findings if f.status == Status.FAILED and waiver.matches(f))
            notices.append(_expired(waiver, failing))
        elif waiver.source not in used:
            notices.append(_stale(waiver))
    return result, notices


def _expired(waiver: Waiver, failing: int) -> WaiverNotice:
    entry = waiver.entry
    consequence = (
        f"{failing} finding{'s' if failing != 1 else ''} fail{'s' if failing == 1 else ''} again"
        if failing
        else "it matches no failed finding; remove it"
    )
    return WaiverNotice(
        kind="expired",
        source=waiver.source,
        rule_id=entry.rule_id,
        resource=entry.resource,
        message=(
            f"waiver for {entry.rule_id} on {entry.resource} expired on "
            f"{entry.expires.isoformat()}; {consequence}"
        ),
    )


def _stale(waiver: Waiver) -> WaiverNotice:
    entry = waiver.entry
    return WaiverNotice(
        kind="stale",
        source=waiver.source,
        rule_id=entry.rule_id,
        resource=entry.resource,
        message=(
            f"waiver for {entry.rule_id} on {entry.resource} matches no failed finding; remove it"
        ),
    )
