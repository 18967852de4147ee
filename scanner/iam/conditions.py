"""How much a statement's `Condition` narrows what it grants.

Findings about broad grants honour conditions instead of ignoring them. A condition counts only
when every value it tests is specific (no bare `*`) and its operator is a positive match:
`StringEquals`, `StringLike`, `ArnEquals`, `ArnLike`, `IpAddress`, `Bool`, the `ForAnyValue:`
forms, and the numeric and date tests. Negated operators (`StringNotEquals`, `ArnNotLike`,
`NotIpAddress`), `ForAllValues:` (true when the key is absent), `...IfExists` and `Null` narrow
nothing on an Allow statement, so they leave the finding as it is.

Keys, by what they narrow:

* **Scoping** keys tie the grant to particular resources, principals, accounts or networks; a
  grant with one is not "on every resource" and the finding is turned off. Identity policies:
  `aws:ResourceTag/*` and every service's `<service>:ResourceTag/*`, `aws:ResourceAccount`,
  `aws:ResourceOrgID`, `aws:ResourceOrgPaths`, `aws:SourceArn`, `aws:SourceAccount`,
  `aws:SourceVpc`, `aws:SourceVpce`, `kms:ViaService`, `kms:CallerAccount`,
  `kms:EncryptionContext:*`, `iam:PolicyARN`, `iam:PermissionsBoundary`,
  `iam:AssociatedResourceArn`, `dynamodb:LeadingKeys`, `s3:prefix`, `s3:ExistingObjectTag/*`,
  `s3:DataAccessPointArn`, `secretsmanager:SecretId`, `ssm:resourceTag/*`,
  `lambda:FunctionArn`, `ec2:Vpc`, `ec2:Subnet` (resources inside one network).
  `iam:PassedToService` is deliberately not one: the escalation paths
  pass a role to exactly the service the condition names.
* **Limiting** keys restrict the request context but not what can be reached: MFA
  (`aws:MultiFactorAuthPresent`, `aws:MultiFactorAuthAge`), `aws:SourceIp`,
  `aws:RequestedRegion`, `aws:CalledVia*`, `aws:ViaAWSService`, time windows
  (`aws:CurrentTime`, `aws:EpochTime`), `aws:RequestTag/*` and `aws:TagKeys`. A finding on a
  grant limited only this way moves to LG-IAM-030 (medium) instead of its own rule.
* Resource policies narrow the **principal**: `aws:SourceArn`, `aws:SourceAccount`,
  `aws:SourceOwner`, `aws:SourceOrgID`, `aws:SourceOrgPaths`, `aws:PrincipalOrgID`,
  `aws:PrincipalOrgPaths`, `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalServiceName`,
  `aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceIp`, `aws:userid`, `aws:username`,
  `kms:CallerAccount`, `kms:ViaService`, `kms:EncryptionContext:*`, `lambda:FunctionArn`,
  `sns:Endpoint`. A statement open to `*` with one of these is not public.

Any other key narrows nothing as far as ledgerguard can tell.
"""

from __future__ import annotations

from enum import IntEnum

POSITIVE_OPERATORS = frozenset(
    {
        "stringequals",
        "stringequalsignorecase",
        "stringlike",
        "arnequals",
        "arnlike",
        "ipaddress",
        "bool",
        "numericequals",
        "numericlessthan",
        "numericlessthanequals",
        "numericgreaterthan",
        "numericgreaterthanequals",
        "dateequals",
        "datelessthan",
        "datelessthanequals",
        "dategreaterthan",
        "dategreaterthanequals",
        "binaryequals",
    }
)

IDENTITY_SCOPING_KEYS = frozenset(
    {
        "aws:resourceaccount",
        "aws:resourceorgid",
        "aws:resourceorgpaths",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "kms:viaservice",
        "kms:calleraccount",
        "kms:encryptioncontextkeys",
        "iam:policyarn",
        "iam:permissionsboundary",
        "iam:associatedresourcearn",
        "dynamodb:leadingkeys",
        "s3:prefix",
        "s3:dataaccesspointarn",
        "secretsmanager:secretid",
        "lambda:functionarn",
        "ec2:vpc",
        "ec2:subnet",
    }
)
IDENTITY_SCOPING_PREFIXES = ("kms:encryptioncontext:", "s3:existingobjecttag/")

LIMITING_KEYS = frozenset(
    {
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:sourceip",
        "aws:requestedregion",
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
        "aws:viaawsservice",
        "aws:currenttime",
        "aws:epochtime",
        "aws:tagkeys",
    }
)
LIMITING_PREFIXES = ("aws:requesttag/",)

PRINCIPAL_SCOPING_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principalservicename",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:userid",
        "aws:username",
        "kms:calleraccount",
        "kms:viaservice",
        "lambda:functionarn",
        "sns:endpoint",
    }
)
PRINCIPAL_SCOPING_PREFIXES = ("kms:encryptioncontext:",)


class Narrowing(IntEnum):
    """How far a condition narrows a grant: not at all, the request context, or the target."""

    NONE = 0
    LIMITING = 1
    SCOPING = 2


Condition = dict[str, dict[str, list[str]]]


def _effective_tests(condition: Condition) -> list[str]:
    """Keys (lowercase) tested by positive operators with specific values."""
    keys = []
    for operator, tests in condition.items():
        op = operator.lower()
        if op.startswith("forallvalues:") or op.endswith("ifexists"):
            continue
        op = op.removeprefix("foranyvalue:")
        if op not in POSITIVE_OPERATORS:
            continue
        for key, values in tests.items():
            if values and all(v.strip() not in ("*", "") for v in values):
                keys.append(key.lower())
    return keys


def _is_resource_tag(key: str) -> bool:
    return "resourcetag/" in key


def identity_narrowing(condition: Condition) -> Narrowing:
    """How an identity-policy statement's condition narrows its grant."""
    found = Narrowing.NONE
    for key in _effective_tests(condition):
        if (
            key in IDENTITY_SCOPING_KEYS
            or key.startswith(IDENTITY_SCOPING_PREFIXES)
            or _is_resource_tag(key)
        ):
            return Narrowing.SCOPING
        if key in LIMITING_KEYS or key.startswith(LIMITING_PREFIXES):
            found = Narrowing.LIMITING
    return found


def principal_narrowing(condition: Condition) -> list[str]:
    """The keys (as written) that narrow who a resource-policy statement admits."""
    found = []
    for operator, tests in condition.items():
        for key in tests:
            lowered = key.lower()
            scoping = lowered in PRINCIPAL_SCOPING_KEYS or lowered.startswith(
                PRINCIPAL_SCOPING_PREFIXES
            )
            if scoping and lowered in _effective_tests({operator: {key: tests[key]}}):
                found.append(key)
    return sorted(set(found))
