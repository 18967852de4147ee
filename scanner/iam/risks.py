"""Risky grants in a principal's effective permissions, one function per kind of finding.

Each function looks at the grants whose condition narrows them exactly as far as `level` says:
`Narrowing.NONE` for the finding's own rule, `Narrowing.LIMITING` for LG-IAM-030 (the same
risk behind an MFA, source-IP or region condition only). Grants with a scoping condition
(`aws:ResourceTag`, `kms:ViaService`, ...) are never "on every resource". An action that AWS
lets a policy scope only to `*` (`xray:PutTraceSegments`) is never a finding for being on `*`.
A resource entry nobody can resolve might be `*`: that yields a doubt, not a failure.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.iam.actions import PERMISSIONS, TAGGING, WRITE, ActionDatabase
from scanner.iam.conditions import Narrowing
from scanner.iam.effective import Grant, Permissions

# Reading these on every resource copies out every object, secret, parameter or item the
# account holds (the KMS decrypt unlocks what is encrypted), so they are exfiltration paths.
EXFILTRATION = frozenset(
    {
        "s3:getobject",
        "s3:getobjectversion",
        "secretsmanager:getsecretvalue",
        "ssm:getparameter",
        "ssm:getparameters",
        "ssm:getparametersbypath",
        "kms:decrypt",
        "dynamodb:getitem",
        "dynamodb:batchgetitem",
        "dynamodb:query",
        "dynamodb:scan",
    }
)

# Taken out of policy_sentry's credentials-exposure list, and why:
#   ecr:GetAuthorizationToken - the registry token carries only the caller's own ECR rights;
#   sts:AssumeRole*           - gated by each role's trust policy; on `*` it is LG-IAM-020;
#   sts:GetSessionToken       - returns the caller's own credentials and needs no permission.
NOT_CREDENTIAL_EXPOSURE = frozenset(
    {
        "ecr:getauthorizationtoken",
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:getsessiontoken",
    }
)

LEVEL_WORDS = {WRITE: "write", PERMISSIONS: "manage permissions of", TAGGING: "tag"}


@dataclass(frozen=True)
class Problem:
    """One risky grant, said in a sentence; `certain` is False when it rests on an unknown."""

    message: str
    certain: bool = True


@functools.cache
def credential_actions() -> frozenset[str]:
    """Actions that return or create credentials: policy_sentry's audit list, less exceptions."""
    from policy_sentry.shared.constants import BUNDLED_DATA_DIRECTORY

    path = BUNDLED_DATA_DIRECTORY / "audit" / "credentials-exposure.txt"
    listed = {line.strip().lower() for line in path.read_text().splitlines() if line.strip()}
    return frozenset(listed - NOT_CREDENTIAL_EXPOSURE)


def at_level(permissions: Permissions, level: Narrowing) -> list[Grant]:
    """The grants whose condition narrows them exactly as far as `level`."""
    return [g for g in permissions.grants if g.narrowing == level]


def names(db: ActionDatabase, keys: Iterable[str], limit: int = 3) -> str:
    """`s3:GetObject`, `s3:PutObject` and 4 more: a short list of action names."""
    shown = sorted(db.name(k) for k in keys)
    text = ", ".join(f"`{n}`" for n in shown[:limit])
    return text + (f" and {len(shown) - limit} more" if len(shown) > limit else "")


def limited_by(grant: Grant) -> str:
    """` (only under aws:MultiFactorAuthPresent)` for a grant with a limiting condition."""
    if grant.narrowing != Narrowing.LIMITING:
        return ""
    keys = sorted({key for tests in grant.condition.values() for key in tests})
    return f" (only under {', '.join(keys)})"


def _everything(grant: Grant, db: ActionDatabase) -> bool:
    # Grants hold documented actions only, so the same size means every action.
    return len(grant.actions) == len(db.everything) and grant.unbounded()


def full_admin(permissions: Permissions, db: ActionDatabase, level: Narrowing) -> list[Problem]:
    """Grants of every action on every resource."""
    return [
        Problem(f"has full administrator access (`*` on `*`){limited_by(g)}: {g.origin.where()}")
        for g in at_level(permissions, level)
        if _everything(g, db)
    ]


def service_wildcards(permissions: Permissions, db: ActionDatabase) -> list[Problem]:
    """Wildcard or NotAction grants that cover every action of a service."""
    problems = []
    for grant in permissions.grants:
        if not grant.by_exclusion and not any("*" in entry for entry in grant.entries):
            continue
        everything = len(grant.actions) == len(db.everything)
        counts = Counter() if everything else Counter(k.split(":", 1)[0] for k in grant.actions)
        services = sorted(s for s, n in counts.items() if n == len(db.service(s)))
        if not services and not everything:
            continue
        where = _targets(grant)
        if everything:
            what = "every action of every service"
        elif len(services) > 4:
            listed = ", ".join(f"`{s}`" for s in services[:3])
            what = f"every action of {len(services)} services ({listed} and more)"
        else:
            what = "every action of " + ", ".join(f"`{s}`" for s in services)
        problems.append(Problem(f"is granted {what} on {where}: {grant.origin.where()}"))
    return problems


def wide(grant: Grant) -> str:
    """`every resource (`*`)`: how a grant reaches every resource, for a message."""
    if grant.not_resource:
        return f"every resource except {_targets(grant)}"
    shown = ", ".join(f"`{t.text}`" for t in grant.targets if t.unconstrained)
    return f"every resource ({shown})"


def _targets(grant: Grant) -> str:
    """The resources a grant names: `table `aws_dynamodb_table.ledger``, else as written."""
    shown = ", ".join(
        dict.fromkeys(label for t in grant.targets for label in t.labels or [f"`{t.text}`"])
    )
    shown = shown or "nothing"
    return f"every resource except {shown}" if grant.not_resource else shown


def on_everything(
    permissions: Permissions, db: ActionDatabase, access_level: str, level: Narrowing
) -> list[Problem]:
    """Grants of `access_level` actions (Write, Permissions management, Tagging) on `*`.

    Only actions that support resource-level permissions count: for the others `*` is the
    only resource a policy can name.
    """
    word = LEVEL_WORDS[access_level]
    levelled = db.scoped_by_level.get(access_level, frozenset())
    problems = []
    for grant in at_level(permissions, level):
        hits = grant.everywhere_among(levelled, db)
        if hits:
            what = "every action (`*`)" if _everything(grant, db) else names(db, hits)
            text = f"can {word} {wide(grant)} with {what}{limited_by(grant)}"
            problems.append(Problem(f"{text}: {grant.origin.where()}"))
        elif grant.may_reach_everything(bool(grant.actions & levelled)):
            problems.append(_doubt(grant, word))
    return problems


def _doubt(grant: Grant, word: str) -> Problem:
    return Problem(
        f"may {word} every resource: {grant.origin.where()} uses values that cannot be resolved",
        certain=False,
    )


def exfiltration(permissions: Permissions, db: ActionDatabase, level: Narrowing) -> list[Problem]:
    """Grants that read objects, secrets, parameters, items or decrypt on every resource."""
    problems = []
    for grant in at_level(permissions, level):
        hits = grant.everywhere_among(EXFILTRATION, db)
        if hits:
            text = f"can read data from {wide(grant)} with {names(db, hits)}{limited_by(grant)}"
            problems.append(Problem(f"{text}: {grant.origin.where()}"))
        elif grant.may_reach_everything(bool(grant.actions & EXFILTRATION)):
            problems.append(_doubt(grant, "read data from"))
    return problems


def credentials(permissions: Permissions, db: ActionDatabase, level: Narrowing) -> list[Problem]:
    """Grants that create or return credentials for other identities."""
    problems = []
    exposing = credential_actions()
    for grant in at_level(permissions, level):
        hits = [
            key
            for key in grant.actions & exposing
            if not db.by_key[key].resource_level or grant.everywhere_for(db.by_key[key])
        ]
        if hits:
            text = f"can obtain credentials with {names(db, hits)}{limited_by(grant)}"
            problems.append(Problem(f"{text}: {grant.origin.where()}"))
        elif grant.may_reach_everything(bool(grant.actions & exposing)):
            problems.append(_doubt(grant, "obtain credentials for"))
    return problems
