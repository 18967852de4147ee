"""Privilege-escalation paths, evaluated over a principal's effective permissions.

A path is a set of steps; each step is one of a few actions, granted on the resources the step
needs. Steps may come from different policies: a role that gets `iam:PassRole` from one policy
and `lambda:CreateFunction` plus `lambda:InvokeFunction` from another can still run code as
any role it can pass. The paths follow Rhino Security Labs' research on AWS escalation, which
policy_sentry's audit data also follows.

What a step needs of its resources:

* `ANY`: any resource (creating a function is harmless until a privileged role is passed);
* `WIDE`: every resource of the service (`iam:PassRole` on `*` passes the admin role too;
  on named roles the passed roles' own permissions are what they are, analysed on their own);
* `SELF`: every resource, or the principal itself or a policy attached to it (a role that can
  `iam:PutRolePolicy` on itself, or `iam:CreatePolicyVersion` of its own policy, is admin).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from scanner.iam.actions import database
from scanner.iam.conditions import Narrowing
from scanner.iam.effective import Grant, Permissions
from scanner.iam.risks import Problem, limited_by


class Reach(Enum):
    """What resources a step must be granted on for the path to work."""

    ANY = "any"
    WIDE = "wide"
    SELF = "self"


@dataclass(frozen=True)
class Step:
    """One step of a path: any of `actions`, granted on what `reach` says."""

    actions: tuple[str, ...]
    reach: Reach = Reach.ANY


@dataclass(frozen=True)
class Path:
    """A known escalation path: a short name and the steps that together make it."""

    name: str
    steps: tuple[Step, ...]


PASS_ROLE = Step(("iam:PassRole",), Reach.WIDE)


def _alone(action: str, reach: Reach) -> Path:
    return Path(action, (Step((action,), reach),))


PATHS: tuple[Path, ...] = (
    _alone("iam:CreatePolicyVersion", Reach.SELF),
    _alone("iam:SetDefaultPolicyVersion", Reach.SELF),
    _alone("iam:AttachUserPolicy", Reach.SELF),
    _alone("iam:AttachGroupPolicy", Reach.SELF),
    _alone("iam:AttachRolePolicy", Reach.SELF),
    _alone("iam:PutUserPolicy", Reach.SELF),
    _alone("iam:PutGroupPolicy", Reach.SELF),
    _alone("iam:PutRolePolicy", Reach.SELF),
    _alone("iam:AddUserToGroup", Reach.WIDE),
    _alone("iam:CreateAccessKey", Reach.WIDE),
    _alone("iam:CreateLoginProfile", Reach.WIDE),
    _alone("iam:UpdateLoginProfile", Reach.WIDE),
    _alone("iam:UpdateAssumeRolePolicy", Reach.WIDE),
    _alone("sts:AssumeRole", Reach.WIDE),
    _alone("lambda:UpdateFunctionCode", Reach.WIDE),
    _alone("glue:UpdateDevEndpoint", Reach.WIDE),
    Path(
        "passing a role to a new Lambda function",
        (
            PASS_ROLE,
            Step(("lambda:CreateFunction",)),
            Step(("lambda:InvokeFunction", "lambda:CreateEventSourceMapping")),
        ),
    ),
    Path("passing a role to a new EC2 instance", (PASS_ROLE, Step(("ec2:RunInstances",)))),
    Path(
        "passing a role to a new Glue development endpoint",
        (PASS_ROLE, Step(("glue:CreateDevEndpoint",))),
    ),
    Path(
        "passing a role to a new CloudFormation stack",
        (PASS_ROLE, Step(("cloudformation:CreateStack",))),
    ),
    Path(
        "passing a role to a new Data Pipeline",
        (
            PASS_ROLE,
            Step(("datapipeline:CreatePipeline",)),
            Step(("datapipeline:PutPipelineDefinition",)),
        ),
    ),
    Path(
        "passing a role to a new SageMaker notebook",
        (
            PASS_ROLE,
            Step(("sagemaker:CreateNotebookInstance",)),
            Step(("sagemaker:CreatePresignedNotebookInstanceUrl",)),
        ),
    ),
    Path(
        "passing a role to a new CodeBuild project",
        (PASS_ROLE, Step(("codebuild:CreateProject",)), Step(("codebuild:StartBuild",))),
    ),
    Path(
        "passing a role to a new ECS task",
        (
            PASS_ROLE,
            Step(("ecs:RegisterTaskDefinition",)),
            Step(("ecs:RunTask", "ecs:StartTask", "ecs:CreateService")),
        ),
    ),
)


@dataclass(frozen=True)
class Found:
    """A path the principal can take, the grant behind each step, and whether it is certain."""

    path: Path
    grants: tuple[tuple[str, Grant], ...]
    certain: bool

    @property
    def narrowing(self) -> Narrowing:
        """The most a condition narrows any step: LIMITING when any step is behind MFA etc."""
        return max((g.narrowing for _, g in self.grants), default=Narrowing.NONE)

    def describe(self) -> str:
        """The path and the statement behind each step, for a message."""
        steps = "; ".join(
            f"`{action}`{limited_by(grant)} from {grant.origin.where()}"
            for action, grant in self.grants
        )
        how = f"with {steps}" if len(self.path.steps) == 1 else f"by {self.path.name}: {steps}"
        if self.certain:
            return f"can escalate privileges {how}"
        return f"may escalate privileges {how} (it uses values that cannot be resolved)"


def _covers(grant: Grant, action: str, reach: Reach, permissions: Permissions) -> bool | None:
    """True when `grant` gives `action` as `reach` needs, None when it may (unresolved)."""
    if action.lower() not in grant.actions:
        # An Action entry nobody can resolve might be this action.
        return None if grant.unresolved_actions else False
    if reach is Reach.ANY or grant.everywhere_for(database().by_key[action.lower()]):
        return True
    if reach is Reach.SELF and not grant.not_resource:
        mine = {permissions.principal.address} | permissions.attached
        if any(mine & set(t.addresses) for t in grant.targets):
            return True
    return None if grant.maybe_everywhere() else False


def find_paths(permissions: Permissions, most: Narrowing) -> list[Found]:
    """Every path open to the principal using grants narrowed at most as far as `most`."""
    grants = [g for g in permissions.grants if g.narrowing <= most]
    found = []
    for path in PATHS:
        chosen: list[tuple[str, Grant]] = []
        certain = True
        for step in path.steps:
            pick = _pick(step, grants, permissions)
            if pick is None:
                break
            action, grant, sure = pick
            chosen.append((action, grant))
            certain = certain and sure
        else:
            found.append(Found(path, tuple(chosen), certain))
    return found


def _pick(
    step: Step, grants: list[Grant], permissions: Permissions
) -> tuple[str, Grant, bool] | None:
    """The least-narrowed grant that gives one of the step's actions (a sure one first)."""
    maybe = None
    for grant in sorted(grants, key=lambda g: g.narrowing):
        for action in step.actions:
            covered = _covers(grant, action, step.reach, permissions)
            if covered:
                return action, grant, True
            if covered is None and maybe is None:
                maybe = (action, grant, False)
    return maybe


def escalation(permissions: Permissions, level: Narrowing) -> list[Problem]:
    """Paths open at exactly `level`: for LIMITING, those that need a limited grant."""
    paths = find_paths(permissions, level)
    if level is Narrowing.LIMITING:
        open_anyway = {f.path.name for f in find_paths(permissions, Narrowing.NONE)}
        paths = [f for f in paths if f.path.name not in open_anyway]
    # Paths that one statement opens on its own (an admin grant opens them all) are said once.
    alone: dict[tuple[int, bool], tuple[Grant, list[Found]]] = {}
    problems = []
    for found in paths:
        grants = {id(grant): grant for _, grant in found.grants}
        if len(grants) == 1:
            key, grant = grants.popitem()
            alone.setdefault((key, found.certain), (grant, []))[1].append(found)
        else:
            problems.append(Problem(found.describe(), found.certain))
    for grant, group in alone.values():
        certain = group[0].certain
        if len(group) == 1:
            problems.append(Problem(group[0].describe(), certain))
            continue
        shown = ", ".join(f.path.name for f in group[:3])
        more = f" and {len(group) - 3} more" if len(group) > 3 else ""
        text = f"escalate privileges in {len(group)} ways ({shown}{more}){limited_by(grant)}"
        if certain:
            problems.append(Problem(f"can {text}: all from {grant.origin.where()}"))
        else:
            where = f"{grant.origin.where()}, which uses values that cannot be resolved"
            problems.append(Problem(f"may {text}: all from {where}", certain=False))
    return problems
