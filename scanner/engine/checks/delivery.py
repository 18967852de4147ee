"""Checks that failed events are kept somewhere instead of being dropped.

They need the graph: whether a function is invoked asynchronously, or a queue is already some
other resource's dead-letter queue, depends on resources that point at it.
"""

from __future__ import annotations

from typing import Any

from scanner.engine.conditions import Outcome, lookup
from scanner.engine.graph import Graph
from scanner.model import Resource
from scanner.values import Unknown

# Resources that invoke a Lambda function asynchronously, and the attribute holding its ARN.
ASYNC_INVOKERS: dict[str, str] = {
    "aws_cloudwatch_event_target": "arn",
    "aws_sns_topic_subscription": "endpoint",
    "aws_s3_bucket_notification": "lambda_function.lambda_function_arn",
    "aws_scheduler_schedule": "target.arn",
    "aws_cloudwatch_log_subscription_filter": "destination_arn",
}

# Resources that use a queue as a dead-letter queue or failure destination, and where.
DLQ_USERS: dict[str, str] = {
    "aws_sqs_queue": "redrive_policy",
    "aws_sqs_queue_redrive_policy": "redrive_policy",
    "aws_sqs_queue_redrive_allow_policy": "queue_url",
    "aws_lambda_function": "dead_letter_config.target_arn",
    "aws_lambda_function_event_invoke_config": "destination_config.on_failure.destination",
    "aws_lambda_event_source_mapping": "destination_config.on_failure.destination_arn",
    "aws_cloudwatch_event_target": "dead_letter_config.arn",
    "aws_sns_topic_subscription": "redrive_policy",
}


def _users(resource: Resource, graph: Graph, table: dict[str, str]) -> list[Resource]:
    return [
        user
        for kind, path in table.items()
        for user in graph.related(resource, [kind], path, None)
        if user.address != resource.address
    ]


def lambda_failure_destination(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Pass unless the function is invoked asynchronously and failed events have nowhere to go.

    A dead-letter queue (`dead_letter_config`) or an `on_failure` destination of an
    `aws_lambda_function_event_invoke_config` both keep failed events.
    """
    invokers = _users(resource, graph, ASYNC_INVOKERS)
    if not invokers:
        return Outcome(True, "no resource in this configuration invokes it asynchronously")
    if lookup(resource.attributes, "dead_letter_config.target_arn"):
        return Outcome(True, "`dead_letter_config.target_arn` is set")
    configs = graph.related(
        resource, ["aws_lambda_function_event_invoke_config"], "function_name", "function_name"
    )
    for config in configs:
        if lookup(config.attributes, "destination_config.on_failure.destination"):
            return Outcome(True, f"{config.address} sets an on-failure destination")
    if isinstance(resource.attributes.get("dead_letter_config"), Unknown):
        return Outcome(None, "the dead-letter queue cannot be resolved")
    return Outcome(
        False,
        f"{invokers[0].address} invokes it asynchronously, but it has neither a dead-letter "
        "queue nor an on-failure destination",
    )


def sqs_dead_letter_queue(resource: Resource, graph: Graph, params: dict[str, Any]) -> Outcome:
    """Pass when the queue redrives to a dead-letter queue, or is itself a dead-letter queue."""
    if lookup(resource.attributes, "redrive_policy"):
        return Outcome(True, "`redrive_policy` is set")
    policies = graph.related(resource, ["aws_sqs_queue_redrive_policy"], "queue_url", "url")
    if policies:
        return Outcome(True, f"{policies[0].address} sets its redrive policy")
    users = _users(resource, graph, DLQ_USERS)
    if users:
        return Outcome(True, f"it is the dead-letter queue of {users[0].address}")
    return Outcome(False, "no redrive policy sends failed messages to a dead-letter queue")
