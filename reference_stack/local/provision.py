"""Create, in moto, the resources the Terraform declares, with the names it resolves to.

Tables get the keys, indexes, TTL and CMK of ``data.tf``; buckets their default encryption,
versioning and object lock; queues and topics their CMK; secrets their CMK, tags and a first
generated key; roles their inline policies (which moto checks are valid IAM JSON); functions
exist in moto's Lambda (without Docker) so that Secrets Manager can call the rotation
function; log groups and KMS keys exist so that their ARNs are real. Each created resource's
computed attributes go into the ``Resolver``, which then fills in the ``${...}`` references of
everything else, policies included. The VPC, API Gateway, alarms and code signing have no
local counterpart: the run calls the handlers the way those services would.
"""

from __future__ import annotations

import base64
import io
import ipaddress
import secrets
import zipfile
from dataclasses import dataclass, field
from typing import Any

import boto3

from reference_stack.local.stack import (
    Resolver,
    Stack,
    StackError,
    address_and_attribute,
    policy_json,
)

ACCOUNT_ID = "123456789012"  # moto's default account


@dataclass
class Deployment:
    """What was created: resolved values plus the lookups the trace's ARN mapping needs."""

    stack: Stack
    region: str
    resolver: Resolver
    table_keys: dict[str, str | None] = field(default_factory=dict)
    bucket_keys: dict[str, str | None] = field(default_factory=dict)
    topic_keys: dict[str, str | None] = field(default_factory=dict)
    queue_keys: dict[str, str | None] = field(default_factory=dict)
    queue_arns: dict[str, str] = field(default_factory=dict)
    secret_arns: dict[str, str] = field(default_factory=dict)
    secret_keys: dict[str, str | None] = field(default_factory=dict)
    function_arns: dict[str, str] = field(default_factory=dict)
    network: Network = field(default_factory=lambda: Network())

    @property
    def account(self) -> str:
        """The account every ARN is in."""
        return ACCOUNT_ID

    def value(self, address: str, attribute: str) -> str:
        """A computed attribute of a created resource."""
        return str(self.resolver.values[f"{address}.{attribute}"])

    def secret_arn(self, secret_id: str) -> str:
        """The ARN of a secret named by ARN or name."""
        return self.secret_arns.get(secret_id, secret_id)


@dataclass
class Network:
    """The VPC the functions run in, as created: what Lambda's interface management names."""

    vpc_arn: str = ""


def provision(stack: Stack, session: boto3.session.Session) -> Deployment:
    """Create every supported resource of ``stack`` in the active moto mock."""
    resolver = Resolver({"data.aws_caller_identity.current.account_id": ACCOUNT_ID})
    deployment = Deployment(stack=stack, region=stack.region, resolver=resolver)
    for step in (
        _network,
        _kms_keys,
        _log_groups,
        _roles,
        _queues,
        _topics,
        _tables,
        _buckets,
        _buses,
        _secrets,
        _functions,
        _role_policies,
    ):
        step(deployment, session)
    return deployment


def _client(session: boto3.session.Session, service: str) -> Any:
    return session.client(service)


def _optional(deployment: Deployment, value: Any) -> str | None:
    return None if value is None else str(deployment.resolver.resolve(value))


def _network(deployment: Deployment, session: boto3.session.Session) -> None:
    """The VPC, its subnets and security groups, in moto's EC2."""
    ec2 = _client(session, "ec2")
    prefix = f"arn:aws:ec2:{deployment.region}:{deployment.account}"
    for vpc in deployment.stack.of_type("aws_vpc"):
        cidr = ipaddress.ip_network(str(vpc.attributes["cidr_block"]))
        vpc_id = ec2.create_vpc(CidrBlock=str(cidr))["Vpc"]["VpcId"]
        arn = f"{prefix}:vpc/{vpc_id}"
        deployment.resolver.set(vpc.address, arn=arn, id=vpc_id)
        deployment.network.vpc_arn = arn
        # Subnet CIDRs come from cidrsubnet(), which the loader leaves unevaluated; carve
        # /24s in order instead, which is all moto needs.
        blocks = cidr.subnets(new_prefix=24)
        for subnet in deployment.stack.of_type("aws_subnet"):
            created = ec2.create_subnet(VpcId=vpc_id, CidrBlock=str(next(blocks)))["Subnet"]
            subnet_arn = f"{prefix}:subnet/{created['SubnetId']}"
            deployment.resolver.set(subnet.address, arn=subnet_arn, id=created["SubnetId"])
        for group in deployment.stack.of_type("aws_security_group"):
            name = str(group.attributes.get("name", group.name))
            group_id = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)[
                "GroupId"
            ]
            group_arn = f"{prefix}:security-group/{group_id}"
            deployment.resolver.set(group.address, arn=group_arn, id=group_id)


def _kms_keys(deployment: Deployment, session: boto3.session.Session) -> None:
    kms = _client(session, "kms")
    for key in deployment.stack.of_type("aws_kms_key"):
        metadata = kms.create_key(Description=str(key.attributes.get("description", "")))
        arn, key_id = metadata["KeyMetadata"]["Arn"], metadata["KeyMetadata"]["KeyId"]
        deployment.resolver.set(key.address, arn=arn, key_id=key_id, id=key_id)


def _log_groups(deployment: Deployment, session: boto3.session.Session) -> None:
    logs = _client(session, "logs")
    for group in deployment.stack.of_type("aws_cloudwatch_log_group"):
        name = str(group.attributes["name"])
        logs.create_log_group(logGroupName=name)
        (found,) = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][:1]
        deployment.resolver.set(group.address, arn=found["logGroupArn"], name=name, id=name)


def _roles(deployment: Deployment, session: boto3.session.Session) -> None:
    iam = _client(session, "iam")
    for role in deployment.stack.of_type("aws_iam_role"):
        name = str(role.attributes["name"])
        trust = deployment.resolver.resolve(role.attributes["assume_role_policy"])
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        deployment.resolver.set(role.address, arn=arn, name=name, id=name)


def _role_policies(deployment: Deployment, session: boto3.session.Session) -> None:
    iam = _client(session, "iam")
    for policy in deployment.stack.of_type("aws_iam_role_policy"):
        document = deployment.resolver.policy(policy.attributes["policy"])
        iam.put_role_policy(
            RoleName=deployment.resolver.resolve(policy.attributes["role"]),
            PolicyName=str(policy.attributes["name"]),
            PolicyDocument=policy_json(document),
        )


def _queues(deployment: Deployment, session: boto3.session.Session) -> None:
    sqs = _client(session, "sqs")
    for queue in deployment.stack.of_type("aws_sqs_queue"):
        name = str(queue.attributes["name"])
        key = _optional(deployment, queue.attributes.get("kms_master_key_id"))
        attributes = {"KmsMasterKeyId": key} if key else {}
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = f"arn:aws:sqs:{deployment.region}:{deployment.account}:{name}"
        deployment.resolver.set(queue.address, arn=arn, id=url, url=url, name=name)
        deployment.queue_keys[arn] = key
        deployment.queue_arns[url] = arn


def _topics(deployment: Deployment, session: boto3.session.Session) -> None:
    sns = _client(session, "sns")
    for topic in deployment.stack.of_type("aws_sns_topic"):
        key = _optional(deployment, topic.attributes.get("kms_master_key_id"))
        attributes = {"KmsMasterKeyId": key} if key else {}
        arn = sns.create_topic(Name=str(topic.attributes["name"]), Attributes=attributes)
        deployment.resolver.set(topic.address, arn=arn["TopicArn"], id=arn["TopicArn"])
        deployment.topic_keys[arn["TopicArn"]] = key


def _tables(deployment: Deployment, session: boto3.session.Session) -> None:
    dynamodb = _client(session, "dynamodb")
    for table in deployment.stack.of_type("aws_dynamodb_table"):
        attributes = table.attributes
        name = str(attributes["name"])
        request: dict[str, Any] = {
            "TableName": name,
            "BillingMode": str(attributes.get("billing_mode", "PAY_PER_REQUEST")),
            "AttributeDefinitions": [
                {"AttributeName": a["name"], "AttributeType": a["type"]}
                for a in attributes.get("attribute", [])
            ],
            "KeySchema": _key_schema(attributes),
        }
        indexes = [_index(index) for index in attributes.get("global_secondary_index", [])]
        if indexes:
            request["GlobalSecondaryIndexes"] = indexes
        encryption = (attributes.get("server_side_encryption") or [{}])[0]
        key = _optional(deployment, encryption.get("kms_key_arn"))
        if encryption.get("enabled"):
            request["SSESpecification"] = {"Enabled": True, "SSEType": "KMS"}
            if key:
                request["SSESpecification"]["KMSMasterKeyId"] = key
        arn = dynamodb.create_table(**request)["TableDescription"]["TableArn"]
        for ttl in attributes.get("ttl", []):
            if ttl.get("enabled"):
                dynamodb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={
                        "Enabled": True,
                        "AttributeName": ttl["attribute_name"],
                    },
                )
        deployment.resolver.set(table.address, arn=arn, name=name, id=name)
        deployment.table_keys[name] = key if encryption.get("enabled") else None


def _key_schema(block: dict[str, Any]) -> list[dict[str, str]]:
    schema = [{"AttributeName": str(block["hash_key"]), "KeyType": "HASH"}]
    if block.get("range_key"):
        schema.append({"AttributeName": str(block["range_key"]), "KeyType": "RANGE"})
    return schema


def _index(block: dict[str, Any]) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": str(block.get("projection_type", "ALL"))}
    if block.get("non_key_attributes"):
        projection["NonKeyAttributes"] = list(block["non_key_attributes"])
    return {"IndexName": block["name"], "KeySchema": _key_schema(block), "Projection": projection}


def _buckets(deployment: Deployment, session: boto3.session.Session) -> None:
    s3 = _client(session, "s3")
    names: dict[str, str] = {}
    for bucket in deployment.stack.of_type("aws_s3_bucket"):
        name = str(deployment.resolver.resolve(bucket.attributes["bucket"]))
        s3.create_bucket(
            Bucket=name,
            CreateBucketConfiguration={"LocationConstraint": deployment.region},
            ObjectLockEnabledForBucket=bool(bucket.attributes.get("object_lock_enabled")),
        )
        deployment.resolver.set(bucket.address, arn=f"arn:aws:s3:::{name}", id=name, bucket=name)
        deployment.bucket_keys[name] = None
        names[bucket.address] = name
    for config in deployment.stack.of_type("aws_s3_bucket_server_side_encryption_configuration"):
        name = names[deployment.stack.referenced(config.attributes["bucket"]).address]
        rule = config.attributes["rule"][0]
        default = rule["apply_server_side_encryption_by_default"][0]
        key = _optional(deployment, default.get("kms_master_key_id"))
        applied: dict[str, Any] = {"SSEAlgorithm": default["sse_algorithm"]}
        if key:
            applied["KMSMasterKeyID"] = key
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": applied,
                        "BucketKeyEnabled": bool(rule.get("bucket_key_enabled")),
                    }
                ]
            },
        )
        deployment.bucket_keys[name] = key if default["sse_algorithm"] == "aws:kms" else None
    for versioning in deployment.stack.of_type("aws_s3_bucket_versioning"):
        name = names[deployment.stack.referenced(versioning.attributes["bucket"]).address]
        status = versioning.attributes["versioning_configuration"][0]["status"]
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    for lock in deployment.stack.of_type("aws_s3_bucket_object_lock_configuration"):
        name = names[deployment.stack.referenced(lock.attributes["bucket"]).address]
        retention = lock.attributes["rule"][0]["default_retention"][0]
        s3.put_object_lock_configuration(
            Bucket=name,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {
                    "DefaultRetention": {"Mode": retention["mode"], "Days": retention["days"]}
                },
            },
        )


def _buses(deployment: Deployment, session: boto3.session.Session) -> None:
    events = _client(session, "events")
    for bus in deployment.stack.of_type("aws_cloudwatch_event_bus"):
        name = str(bus.attributes["name"])
        arn = events.create_event_bus(Name=name)["EventBusArn"]
        deployment.resolver.set(bus.address, arn=arn, name=name, id=name)


def _secrets(deployment: Deployment, session: boto3.session.Session) -> None:
    """Secrets with a first key: 32 random bytes, base64, as an operator or rotation puts it."""
    client = _client(session, "secretsmanager")
    for secret in deployment.stack.of_type("aws_secretsmanager_secret"):
        name = str(secret.attributes["name"])
        key = _optional(deployment, secret.attributes.get("kms_key_id"))
        tags = [{"Key": k, "Value": str(v)} for k, v in secret.attributes.get("tags", {}).items()]
        request: dict[str, Any] = {
            "Name": name,
            "SecretString": base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
            "Tags": tags,
        }
        if key:
            request["KmsKeyId"] = key
        arn = client.create_secret(**request)["ARN"]
        deployment.resolver.set(secret.address, arn=arn, id=arn, name=name)
        deployment.secret_arns[name] = arn
        deployment.secret_keys[arn] = key


def _functions(deployment: Deployment, session: boto3.session.Session) -> None:
    """Functions in moto's Lambda, so that services invoking them by ARN find them."""
    lam = _client(session, "lambda")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("README.txt", "handlers run in-process in the local run")
    for spec in deployment.stack.functions().values():
        resource = deployment.stack.get(spec.address)
        environment = deployment.resolver.resolve(spec.environment)
        created = lam.create_function(
            FunctionName=spec.name,
            Runtime=str(resource.attributes.get("runtime", "python3.12")),
            Role=deployment.resolver.resolve(resource.attributes["role"]),
            Handler=spec.handler,
            Code={"ZipFile": archive.getvalue()},
            Environment={"Variables": {k: str(v) for k, v in environment.items()}},
        )
        arn = created["FunctionArn"]
        deployment.resolver.set(
            spec.address, arn=arn, function_name=spec.name, invoke_arn=arn, id=spec.name
        )
        deployment.function_arns[arn] = spec.key


def function_for_target(deployment: Deployment, target_arn: Any) -> str:
    """The function key a target's ``arn = aws_lambda_function.X.arn`` points at."""
    address, attribute = address_and_attribute(target_arn)
    resolved = deployment.resolver.resolve(target_arn)
    if attribute != "arn" or resolved not in deployment.function_arns:
        raise StackError(f"target {address}.{attribute} is not a Lambda function")
    return deployment.function_arns[resolved]
