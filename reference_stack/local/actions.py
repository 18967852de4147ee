"""What IAM authorizes for each recorded call, and what Lambda does with a function's role.

``IamRequest`` is one authorization IAM makes: an action, a resource ARN and the condition
keys the request carries. ``Mapper.requests`` turns a recorded ``ApiCall`` into those, with
the IAM differences from the API: each item of a DynamoDB ``TransactWriteItems`` is authorized
as its own action on its own table, ``Query`` with an index on the index ARN, S3 object calls
on ``bucket/key`` (``HeadObject`` as ``s3:GetObject``, listing as ``s3:ListBucket`` on the
bucket), one ``PutEvents`` authorization per entry with its ``events:source`` and
``events:detail-type``, and the KMS use a call implies on the CMK its target is encrypted
with, as Terraform configures it, with ``kms:ViaService`` set to the calling service:

=========================================  ==============================================
call on a CMK-encrypted resource           implied KMS action (caller's permissions)
=========================================  ==============================================
any DynamoDB item or query call            kms:Decrypt (DynamoDB decrypts the table key)
s3:GetObject                               kms:Decrypt
s3:PutObject                               kms:GenerateDataKey
secretsmanager:GetSecretValue              kms:Decrypt
secretsmanager:PutSecretValue              kms:GenerateDataKey
sns:Publish, sqs:SendMessage               kms:GenerateDataKey and kms:Decrypt
events:PutEvents                           none: EventBridge uses the key as its service
                                           principal (kms.tf key policy), not the caller's
=========================================  ==============================================

``runtime_requests`` lists what the Lambda service does with the role of a function as
Terraform configures it: log delivery to its log group, X-Ray when tracing is Active, the
dead-letter queue (and its CMK) when set, and the ENI actions of a function in a VPC.
A call the mapper does not know raises ``UnmappedCall``: an unknown call is never assumed
to be allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from reference_stack.local.provision import Deployment
from reference_stack.local.stack import FunctionSpec
from reference_stack.local.trace import ApiCall

# The ENI actions Lambda performs with the execution role of a function in a VPC (the
# actions of the AWS managed AWSLambdaVPCAccessExecutionRole policy, without its logs).
VPC_DESCRIBE_ACTIONS = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
VPC_INTERFACE_ACTIONS = (
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
LOG_STREAM = "2024/01/01/[$LATEST]0123456789abcdef"


class UnmappedCall(ValueError):
    """A recorded call whose IAM action and resource this module does not know."""


@dataclass(frozen=True)
class IamRequest:
    """One authorization: action, resource and condition context (key -> values)."""

    action: str
    resource: str
    context: tuple[tuple[str, tuple[str, ...]], ...] = ()
    origin: str = field(default="", compare=False)

    def context_values(self, key: str) -> tuple[str, ...] | None:
        """The values of a condition key in the request (None when absent)."""
        for name, values in self.context:
            if name.lower() == key.lower():
                return values
        return None

    def context_text(self) -> str:
        """The condition context as ``key=value ...`` (alternatives joined by ``|``)."""
        return " ".join(f"{name}={'|'.join(values)}" for name, values in self.context)


def _via(region: str, service: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return (("kms:ViaService", (f"{service}.{region}.amazonaws.com",)),)


class Mapper:
    """Maps recorded calls to ``IamRequest``s against one deployment."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.region = deployment.region
        self.account = deployment.account
        self._services: dict[str, Callable[[ApiCall], list[IamRequest]]] = {
            "dynamodb": self._dynamodb,
            "s3": self._s3,
            "events": self._events,
            "secretsmanager": self._secretsmanager,
            "sns": self._sns,
            "sqs": self._sqs,
        }

    def requests(self, call: ApiCall) -> list[IamRequest]:
        """The authorizations ``call`` needs."""
        mapper = self._services.get(call.service)
        if mapper is None:
            raise UnmappedCall(f"{call.service}.{call.operation}: service not mapped")
        return mapper(call)

    def _kms(
        self, key: str | None, actions: tuple[str, ...], service: str, why: str
    ) -> list[IamRequest]:
        if key is None:
            return []
        return [
            IamRequest(action, key, _via(self.region, service), f"implied by {why}")
            for action in actions
        ]

    # --- DynamoDB -------------------------------------------------------------------------

    _DYNAMODB_ITEM_CALLS: ClassVar[frozenset[str]] = frozenset(
        {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "DescribeTable"}
    )
    _TRANSACT_ACTIONS: ClassVar[dict[str, str]] = {
        "Put": "dynamodb:PutItem",
        "Update": "dynamodb:UpdateItem",
        "Delete": "dynamodb:DeleteItem",
        "ConditionCheck": "dynamodb:ConditionCheckItem",
    }

    def _table_arn(self, table: str) -> str:
        if table.startswith("arn:"):
            return table
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{table}"

    def _dynamodb(self, call: ApiCall) -> list[IamRequest]:
        origin = f"dynamodb.{call.operation}"
        if call.operation == "TransactWriteItems":
            found: list[IamRequest] = []
            for item in call.params["TransactItems"]:
                ((kind, body),) = item.items()
                table = str(body["TableName"])
                action = self._TRANSACT_ACTIONS[kind]
                found.append(IamRequest(action, self._table_arn(table), (), origin))
                found += self._table_kms(table, origin)
            return found
        if call.operation not in self._DYNAMODB_ITEM_CALLS:
            raise UnmappedCall(f"dynamodb.{call.operation}: operation not mapped")
        table = str(call.params["TableName"])
        resource = self._table_arn(table)
        if call.params.get("IndexName"):
            resource += f"/index/{call.params['IndexName']}"
        request = IamRequest(f"dynamodb:{call.operation}", resource, (), origin)
        kms = [] if call.operation == "DescribeTable" else self._table_kms(table, origin)
        return [request, *kms]

    def _table_kms(self, table: str, origin: str) -> list[IamRequest]:
        key = self.deployment.table_keys.get(table.rsplit("/", 1)[-1])
        return self._kms(key, ("kms:Decrypt",), "dynamodb", origin)

    # --- S3 -------------------------------------------------------------------------------

    def _s3(self, call: ApiCall) -> list[IamRequest]:
        bucket = str(call.params["Bucket"])
        key = self.deployment.bucket_keys.get(bucket)
        origin = f"s3.{call.operation}"
        if call.operation in ("GetObject", "HeadObject"):
            resource = f"arn:aws:s3:::{bucket}/{call.params['Key']}"
            request = IamRequest("s3:GetObject", resource, (), origin)
            implied = ("kms:Decrypt",) if call.operation == "GetObject" else ()
            return [request, *self._kms(key, implied, "s3", origin)]
        if call.operation == "PutObject":
            resource = f"arn:aws:s3:::{bucket}/{call.params['Key']}"
            request = IamRequest("s3:PutObject", resource, (), origin)
            return [request, *self._kms(key, ("kms:GenerateDataKey",), "s3", origin)]
        if call.operation in ("ListObjectsV2", "ListObjects"):
            return [IamRequest("s3:ListBucket", f"arn:aws:s3:::{bucket}", (), origin)]
        raise UnmappedCall(f"s3.{call.operation}: operation not mapped")

    # --- EventBridge ----------------------------------------------------------------------

    def _events(self, call: ApiCall) -> list[IamRequest]:
        if call.operation != "PutEvents":
            raise UnmappedCall(f"events.{call.operation}: operation not mapped")
        found = []
        for entry in call.params["Entries"]:
            bus = str(entry.get("EventBusName", "default"))
            if not bus.startswith("arn:"):
                bus = f"arn:aws:events:{self.region}:{self.account}:event-bus/{bus}"
            context = (
                ("events:detail-type", (str(entry["DetailType"]),)),
                ("events:source", (str(entry["Source"]),)),
            )
            found.append(IamRequest("events:PutEvents", bus, context, "events.PutEvents"))
        return found

    # --- Secrets Manager ------------------------------------------------------------------

    _SECRET_KMS: ClassVar[dict[str, tuple[str, ...]]] = {
        "GetSecretValue": ("kms:Decrypt",),
        "PutSecretValue": ("kms:GenerateDataKey",),
        "DescribeSecret": (),
        "UpdateSecretVersionStage": (),
    }

    def _secretsmanager(self, call: ApiCall) -> list[IamRequest]:
        implied = self._SECRET_KMS.get(call.operation)
        if implied is None:
            raise UnmappedCall(f"secretsmanager.{call.operation}: operation not mapped")
        arn = self.deployment.secret_arn(str(call.params["SecretId"]))
        origin = f"secretsmanager.{call.operation}"
        request = IamRequest(f"secretsmanager:{call.operation}", arn, (), origin)
        key = self.deployment.secret_keys.get(arn)
        return [request, *self._kms(key, implied, "secretsmanager", origin)]

    # --- SNS and SQS ----------------------------------------------------------------------

    def _sns(self, call: ApiCall) -> list[IamRequest]:
        if call.operation != "Publish":
            raise UnmappedCall(f"sns.{call.operation}: operation not mapped")
        topic = str(call.params["TopicArn"])
        key = self.deployment.topic_keys.get(topic)
        kms = self._kms(key, ("kms:GenerateDataKey", "kms:Decrypt"), "sns", "sns.Publish")
        return [IamRequest("sns:Publish", topic, (), "sns.Publish"), *kms]

    def _sqs(self, call: ApiCall) -> list[IamRequest]:
        implied = {
            "SendMessage": ("kms:GenerateDataKey", "kms:Decrypt"),
            "ReceiveMessage": ("kms:Decrypt",),
            "DeleteMessage": (),
        }.get(call.operation)
        if implied is None:
            raise UnmappedCall(f"sqs.{call.operation}: operation not mapped")
        arn = self.deployment.queue_arns[str(call.params["QueueUrl"])]
        origin = f"sqs.{call.operation}"
        request = IamRequest(f"sqs:{call.operation}", arn, (), origin)
        key = self.deployment.queue_keys.get(arn)
        return [request, *self._kms(key, implied, "sqs", origin)]

    # --- the Lambda runtime ---------------------------------------------------------------

    def runtime_requests(self, spec: FunctionSpec) -> list[IamRequest]:
        """What Lambda does with the function's role, from its Terraform configuration."""
        found = []
        groups = [
            group
            for group in self.deployment.stack.of_type("aws_cloudwatch_log_group")
            if group.attributes.get("name") == spec.log_group
        ]
        if len(groups) != 1:
            raise UnmappedCall(f"{spec.key}: no log group named {spec.log_group} in Terraform")
        stream = f"{self.deployment.value(groups[0].address, 'arn')}:log-stream:{LOG_STREAM}"
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            found.append(IamRequest(action, stream, (), "runtime: function logs"))
        if spec.tracing_active:
            for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords"):
                found.append(IamRequest(action, "*", (), "runtime: active tracing"))
        if spec.dead_letter_queue is not None:
            queue = self.deployment.value(spec.dead_letter_queue, "arn")
            why = "runtime: dead-letter queue"
            found.append(IamRequest("sqs:SendMessage", queue, (), why))
            key = self.deployment.queue_keys.get(queue)
            found += self._kms(key, ("kms:GenerateDataKey", "kms:Decrypt"), "sqs", why)
        if spec.in_vpc:
            found += self._network_interfaces(spec)
        return found

    def _network_interfaces(self, spec: FunctionSpec) -> list[IamRequest]:
        """Lambda's interface management for a function in the VPC.

        The interface id is Lambda's choice, so it stands in as `eni-<function>`; creating one
        also authorizes the subnets and security groups it is placed in.
        """
        why = "runtime: VPC network interfaces"
        context = (("ec2:Vpc", (self.deployment.network.vpc_arn,)),)
        prefix = f"arn:aws:ec2:{self.region}:{self.account}"
        interface = f"{prefix}:network-interface/eni-{spec.key}"
        placement = self.deployment.stack.get(spec.address).attributes["vpc_config"][0]
        subnets = self.deployment.resolver.resolve(placement["subnet_ids"])
        groups = self.deployment.resolver.resolve(placement["security_group_ids"])
        placed_in = [f"{prefix}:subnet/{i}" for i in subnets]
        placed_in += [f"{prefix}:security-group/{i}" for i in groups]
        found = [IamRequest(action, "*", (), why) for action in VPC_DESCRIBE_ACTIONS]
        for resource in (interface, *placed_in):
            found.append(IamRequest("ec2:CreateNetworkInterface", resource, context, why))
        for action in VPC_INTERFACE_ACTIONS:
            found.append(IamRequest(action, interface, context, why))
        return found
