"""Event routing exactly as the Terraform wires it, evaluated by moto's EventBridge.

Each ``aws_cloudwatch_event_rule`` is created on its bus with its parsed ``event_pattern``
(or ``schedule_expression``), and each ``aws_cloudwatch_event_target`` gets an SQS queue of
its own as the rule's target. A published event therefore reaches a queue only if moto matched
it against the pattern from the Terraform. ``Router.drain`` then plays Lambda's asynchronous
invocation: it takes each message from a target queue and invokes the function the target's
``arn`` references, retrying a failed invocation as the function's
``aws_lambda_function_event_invoke_config`` says and recording it as dead-lettered after that.
It repeats until every queue is empty (it looks at each queue's message count in-process
first, so that it does not send thousands of empty polls). Schedules do not run in moto:
``fire`` sends the event EventBridge Scheduler would send to a schedule rule's targets, at a
time ``next_fire_time`` computes from the rule's expression.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3

from reference_stack.local.functions import Functions
from reference_stack.local.moto_speed import visible_messages
from reference_stack.local.provision import Deployment, function_for_target
from reference_stack.local.stack import StackError

EVENT_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ledgerguard:reference-stack:events")
DEFAULT_RETRIES = 2  # Lambda's retries of a failed asynchronous invocation
_CRON = re.compile(r"^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


@dataclass(frozen=True)
class Route:
    """One rule target: the rule, the target's function and the queue standing in for it."""

    rule: str
    rule_name: str
    rule_arn: str
    target: str
    function: str
    queue_url: str
    schedule: str | None


@dataclass
class DeadLetter:
    """An event whose invocations all failed."""

    route: Route
    event: dict[str, Any]
    error: str


@dataclass
class Router:
    """Creates the rules and targets of a deployment and delivers what they match."""

    deployment: Deployment
    functions: Functions
    session: boto3.session.Session
    routes: list[Route] = field(default_factory=list)
    delivered: Counter[str] = field(default_factory=Counter)
    results: list[tuple[str, Any]] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sqs = self.session.client("sqs")
        events = self.session.client("events")
        rules: dict[str, dict[str, Any]] = {}
        stack, resolver = self.deployment.stack, self.deployment.resolver
        for resource in stack.of_type("aws_cloudwatch_event_rule"):
            attributes = resource.attributes
            request: dict[str, Any] = {"Name": str(attributes["name"])}
            if attributes.get("event_bus_name"):
                request["EventBusName"] = str(resolver.resolve(attributes["event_bus_name"]))
            if attributes.get("event_pattern"):
                request["EventPattern"] = str(resolver.resolve(attributes["event_pattern"]))
            if attributes.get("schedule_expression"):
                request["ScheduleExpression"] = str(attributes["schedule_expression"])
            arn = events.put_rule(**request)["RuleArn"]
            resolver.set(resource.address, arn=arn, name=request["Name"], id=request["Name"])
            rules[request["Name"]] = {**request, "address": resource.address, "arn": arn}
        for target in stack.of_type("aws_cloudwatch_event_target"):
            rule_name = str(resolver.resolve(target.attributes["rule"]))
            if rule_name not in rules:
                raise StackError(f"{target.address} names unknown rule {rule_name}")
            rule = rules[rule_name]
            function = function_for_target(self.deployment, target.attributes["arn"])
            target_id = str(target.attributes["target_id"])
            queue_name = f"local-target-{rule_name}-{target_id}"[:80]
            url = self._sqs.create_queue(QueueName=queue_name)["QueueUrl"]
            queue_arn = (
                f"arn:aws:sqs:{self.deployment.region}:{self.deployment.account}:{queue_name}"
            )
            put: dict[str, Any] = {
                "Rule": rule_name,
                "Targets": [{"Id": target_id, "Arn": queue_arn}],
            }
            if "EventBusName" in rule:
                put["EventBusName"] = rule["EventBusName"]
            events.put_targets(**put)
            self.routes.append(
                Route(
                    rule=rule["address"],
                    rule_name=rule_name,
                    rule_arn=rule["arn"],
                    target=target.address,
                    function=function,
                    queue_url=url,
                    schedule=rule.get("ScheduleExpression"),
                )
            )
        self.routes.sort(key=lambda route: route.target)

    def schedule_routes(self, function: str) -> list[Route]:
        """The schedule rules whose target is ``function``."""
        return [r for r in self.routes if r.schedule is not None and r.function == function]

    def fire(self, route: Route, at: datetime) -> None:
        """Send the schedule rule's event to its target, as EventBridge Scheduler would."""
        event = {
            "version": "0",
            "id": str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{route.rule}:{at.isoformat()}")),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.deployment.account,
            "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.deployment.region,
            "resources": [route.rule_arn],
            "detail": {},
        }
        self._sqs.send_message(QueueUrl=route.queue_url, MessageBody=json.dumps(event))

    def drain(self) -> int:
        """Deliver every queued event (and what its handlers publish) until all are empty."""
        total = 0
        while True:
            moved = sum(self._deliver(route) for route in self.routes)
            if not moved:
                return total
            total += moved

    def _deliver(self, route: Route) -> int:
        queue_name = route.queue_url.rsplit("/", 1)[1]
        if not visible_messages(self.deployment.account, self.deployment.region, queue_name):
            return 0
        messages = self._sqs.receive_message(QueueUrl=route.queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        for message in messages:
            event = json.loads(message["Body"])
            # moto's SQS target leaves out the envelope's `account`, which EventBridge sends.
            event.setdefault("account", self.deployment.account)
            self._invoke(route, event)
        if messages:
            self._sqs.delete_message_batch(
                QueueUrl=route.queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(messages)
                ],
            )
        return len(messages)

    def _invoke(self, route: Route, event: dict[str, Any]) -> None:
        self.delivered[route.target] += 1
        retries = self._retries(route.function)
        for attempt in range(retries + 1):
            try:
                self.results.append((route.function, self.functions.invoke(route.function, event)))
                return
            # Any exception fails a Lambda invocation; the retry policy decides what follows,
            # and a final failure is kept in dead_letters, which fails the run.
            except Exception as exc:
                if attempt == retries:
                    self.dead_letters.append(
                        DeadLetter(route, event, f"{type(exc).__name__}: {exc}")
                    )

    def _retries(self, function: str) -> int:
        name = self.functions.specs[function].name
        for config in self.deployment.stack.of_type("aws_lambda_function_event_invoke_config"):
            if config.attributes.get("function_name") == name:
                return int(config.attributes.get("maximum_retry_attempts", DEFAULT_RETRIES))
        return DEFAULT_RETRIES


def next_fire_time(expression: str, after: datetime) -> datetime:
    """The first time after ``after`` a schedule expression fires.

    Supported: ``cron(M H * * ? *)`` (daily at H:M UTC) and ``rate(N unit)`` (counted from
    ``after``); any other expression is refused rather than guessed.
    """
    daily = _CRON.match(expression)
    if daily:
        minute, hour = int(daily.group(1)), int(daily.group(2))
        candidate = after.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return candidate if candidate > after else candidate + timedelta(days=1)
    rate = _RATE.match(expression)
    if rate:
        unit = rate.group(2).rstrip("s") + "s"
        return after + timedelta(**{unit: int(rate.group(1))})
    raise StackError(f"schedule expression {expression!r} is not supported locally")
