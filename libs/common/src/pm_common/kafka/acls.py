"""Who may do what on the bus: the broker's ACLs, derived from the topic registry.

Each service is one broker principal (``User:intake``, ``User:triage``, ...; SASL/SCRAM-SHA-512).
The broker denies everything no ACL allows (``allow.everyone.if.no.acl.found=false``); ``admin`` is
the one super user (setup, tools, tests). These bindings allow, per topic namespace (prefix):

- the producer of a topic (``TOPICS[...].producer``) to write, create and configure it — nobody else
  may write it, so a ``complaint.received`` can only come from intake;
- a subscriber (``SUBSCRIPTIONS``) to read the topic and to write, create and configure its
  dead-letter topic, and to use its consumer groups (``<prefix><service>...``);
- triage's faust app to own its internal topics and group (``<prefix>triage-incidents...``);
- an external, read-only subscriber (``EXTERNAL_READERS``: ``bi`` for BI and the 12345 bridges) to
  read the **external** topics only — those whose every field is public or masked in
  ``pm_common.events.classification`` (``external_topics()``) — and use its groups ``<prefix>bi...``;
  it writes nothing (not even dead letters) and reads no topic with internal fields.

``python -m pm_common.kafka.acls apply [--prefix P]`` creates the topics and the ACLs (as ``admin``:
``KAFKA_USERNAME``/``KAFKA_PASSWORD`` or ``KAFKA_CREDENTIALS_FILE``); ``show`` prints them; ``remove``
deletes a namespace's. The local setup runs ``apply`` at every start; tests run it per namespace.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.protocol.admin import CreateAclsRequest, DeleteAclsRequest, DescribeAclsRequest

from pm_common.kafka.security import KafkaAuth
from pm_common.topics import TOPICS, dlq, producer_service

# Kafka protocol enums (org.apache.kafka.common.acl / resource)
TOPIC, GROUP = 2, 3
ANY, LITERAL, PREFIXED = 1, 3, 4
ALL, READ, WRITE, CREATE, ALTER_CONFIGS = 2, 3, 4, 5, 11
ALLOW = 3
_OPS = {ALL: "ALL", READ: "READ", WRITE: "WRITE", CREATE: "CREATE", ALTER_CONFIGS: "ALTER_CONFIGS"}

SERVICES = ("intake", "triage", "dispatch", "sla-monitor", "notifier", "insights")
TASK_LIFECYCLE = (
    "task.accepted", "task.returned", "task.appointment_set", "task.on_site", "task.progress_noted",
    "task.extension_requested", "task.extension_approved", "task.extension_rejected", "task.paused",
    "task.resumed", "task.plan_submitted", "task.plan_approved", "task.resolved", "task.verified",
    "task.closed", "task.reopened",
)  # fmt: skip
# What each service consumes. Names not (yet) in the topic registry are ignored, so the events
# planned in PLAN.md get their ACLs the moment their topic is registered. A test checks that every
# topic a service's runtime subscribes to is listed here (services/*/tests or tests/security).
SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    "intake": (
        "complaint.triaged", "task.assigned", "task.completed", "task.cancelled", "feedback.sent",
        "survey.answered", "return_visit.recorded", *TASK_LIFECYCLE,
    ),
    "triage": (
        "complaint.received", "task.completed", "task.resolved", "complaint.triaged", "complaint.withdrawn",
        "complaint.subjects_changed",
    ),
    "dispatch": (
        "complaint.received", "complaint.triaged", "complaint.withdrawn", "complaint.supplemented", "task.resolved",
        "incident.declared",
        "incident.resolved", "return_visit.recorded", "survey.answered", "org.changed",
        "task.closed", "task.cancelled",  # its own: a group incident's parent closes with its children
        "complaint.subjects_changed",
    ),
    "sla-monitor": (
        "complaint.received", "complaint.triaged", "complaint.withdrawn", "feedback.sent", "task.assigned",
        "task.completed", "task.cancelled", "org.changed", *TASK_LIFECYCLE, "complaint.subjects_changed",
    ),
    "notifier": (
        "complaint.received", "task.overdue", "task.sla_warning", "complaint.triaged", "task.assigned",
        "task.completed",
        "task.cancelled", "incident.declared", "incident.resolved", "org.changed", *TASK_LIFECYCLE,
        "complaint.subjects_changed",
    ),
    "insights": (  # the statistics read model (services/insights)
        "complaint.received", "complaint.triaged", "complaint.withdrawn", "task.assigned", "task.completed",
        "task.cancelled", "task.overdue", "survey.answered", "return_visit.recorded", *TASK_LIFECYCLE,
        "complaint.subjects_changed",
    ),
}  # fmt: skip
# Principals outside the platform: READ on the external topics and their own groups, nothing else.
EXTERNAL_READERS = ("bi",)


def external_topics() -> tuple[str, ...]:
    """Registered topics an external subscriber may read as is: every field of the current event
    version is public or masked (a topic gains an internal field: external readers lose it)."""
    from pm_common.events.classification import classification_table, external_safe
    from pm_common.events.registry import EVENT_TYPES

    table = classification_table({t: model for t, (_version, model) in EVENT_TYPES.items()})
    return tuple(sorted(t for t in TOPICS if t in table and external_safe(table[t])))


# Kafka-native apps that create their own topics/groups under a name (faust: ``<prefix><app id>-...``)
STREAM_APPS: dict[str, tuple[str, ...]] = {"triage": ("triage-incidents",)}


@dataclass(frozen=True, order=True)
class Acl:
    resource_type: int
    name: str
    pattern: int
    principal: str
    operation: int
    host: str = "*"
    permission: int = ALLOW

    def row(self) -> tuple[int, str, int, str, str, int, int]:
        return (self.resource_type, self.name, self.pattern, self.principal, self.host, self.operation, self.permission)

    def describe(self) -> str:
        kind = {TOPIC: "topic", GROUP: "group"}.get(self.resource_type, str(self.resource_type))
        how = {LITERAL: "", PREFIXED: "*"}.get(self.pattern, "?")
        return f"{self.principal} {_OPS.get(self.operation, self.operation)} {kind} {self.name}{how}"


def _own(service: str, topic: str) -> list[Acl]:
    user = f"User:{service}"
    return [Acl(TOPIC, topic, LITERAL, user, op) for op in (WRITE, CREATE, ALTER_CONFIGS)]


def bindings(prefix: str = "") -> list[Acl]:
    """Every ACL of one topic namespace."""
    acls: list[Acl] = []
    for spec in TOPICS.values():
        service = producer_service(spec)
        if service in SERVICES:
            acls += _own(service, prefix + spec.name)
    for service, consumed in SUBSCRIPTIONS.items():
        user = f"User:{service}"
        for topic in consumed:
            if topic in TOPICS:
                acls.append(Acl(TOPIC, prefix + topic, LITERAL, user, READ))
                acls += _own(service, prefix + dlq(topic))
        acls.append(Acl(GROUP, prefix + service, PREFIXED, user, READ))
    for reader in EXTERNAL_READERS:
        user = f"User:{reader}"
        acls += [Acl(TOPIC, prefix + topic, LITERAL, user, READ) for topic in external_topics()]
        acls.append(Acl(GROUP, prefix + reader, PREFIXED, user, READ))
    for service, apps in STREAM_APPS.items():
        for app in apps:
            acls.append(Acl(TOPIC, prefix + app, PREFIXED, f"User:{service}", ALL))
            acls.append(Acl(GROUP, prefix + app, PREFIXED, f"User:{service}", READ))
    return sorted(set(acls))


class _CreateAcls(CreateAclsRequest):  # type: ignore[misc]
    """aiokafka's request carries one ACL; this one carries many (CreateAcls v1)."""

    def __init__(self, acls: list[Acl]) -> None:
        self.acls = acls

    def build(self, request_struct_class: Any) -> Any:
        return request_struct_class([a.row() for a in self.acls])


class _DeleteAcls(DeleteAclsRequest):  # type: ignore[misc]
    def __init__(self, acls: list[Acl]) -> None:
        self.acls = acls

    def build(self, request_struct_class: Any) -> Any:
        return request_struct_class([a.row() for a in self.acls])


async def _send(admin: AIOKafkaAdminClient, request: Any) -> Any:
    return await admin._send_request(request)


async def create_acls(admin: AIOKafkaAdminClient, acls: list[Acl]) -> None:
    for start in range(0, len(acls), 200):
        response = await _send(admin, _CreateAcls(acls[start : start + 200]))
        errors = [(code, message) for code, message in response.creation_responses if code]
        if errors:
            raise KafkaError(f"could not create ACLs: {errors[:3]}")


async def delete_acls(admin: AIOKafkaAdminClient, acls: list[Acl]) -> None:
    for start in range(0, len(acls), 200):
        response = await _send(admin, _DeleteAcls(acls[start : start + 200]))
        errors = [(r[0], r[1]) for r in response.filter_responses if r[0]]
        if errors:
            raise KafkaError(f"could not delete ACLs: {errors[:3]}")


async def describe_acls(admin: AIOKafkaAdminClient) -> list[Acl]:
    request = DescribeAclsRequest(ANY, None, ANY, None, None, 1, ANY)
    response = await _send(admin, request)
    if response.error_code:
        raise KafkaError(f"could not describe ACLs: {response.error_code} {response.error_message}")
    found = []
    for resource_type, name, pattern, entries in response.resources:
        for principal, host, operation, permission in entries:
            found.append(Acl(resource_type, name, pattern, principal, operation, host, permission))
    return sorted(found)


async def apply(bootstrap: str, prefix: str = "", auth: KafkaAuth | None = None, *, topics: bool = True) -> int:
    """Create the namespace's topics (with their configs) and ACLs; idempotent. Returns the ACL count."""
    from pm_common.kafka.admin import admin_client, ensure_topics

    if topics:
        await ensure_topics(bootstrap, prefix, auth=auth)
    admin = admin_client(bootstrap, auth)
    await admin.start()
    try:
        acls = bindings(prefix)
        await create_acls(admin, acls)
        await _until_visible(admin, acls)
        return len(acls)
    finally:
        await admin.close()


async def _until_visible(admin: AIOKafkaAdminClient, acls: list[Acl], timeout: float = 30.0) -> None:
    """Wait until the broker's authorizer has loaded the ACLs (they pass through the controller)."""
    wanted = set(acls)
    end = asyncio.get_running_loop().time() + timeout
    while not wanted <= set(await describe_acls(admin)):
        if asyncio.get_running_loop().time() > end:
            raise KafkaError(f"the broker did not show the new ACLs within {timeout}s")
        await asyncio.sleep(0.1)


async def remove(bootstrap: str, prefix: str, auth: KafkaAuth | None = None) -> None:
    from pm_common.kafka.admin import admin_client

    admin = admin_client(bootstrap, auth)
    await admin.start()
    try:
        await delete_acls(admin, bindings(prefix))
    finally:
        await admin.close()


async def _show(bootstrap: str) -> list[Acl]:
    from pm_common.kafka.admin import admin_client

    admin = admin_client(bootstrap)
    await admin.start()
    try:
        return await describe_acls(admin)
    finally:
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["apply", "show", "remove", "plan"])
    parser.add_argument("--prefix", default=os.environ.get("KAFKA_TOPIC_PREFIX", ""))
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    args = parser.parse_args(argv)
    if args.command == "plan":  # what apply would create, without a broker
        for acl in bindings(args.prefix):
            print(acl.describe())
    elif args.command == "apply":
        count = asyncio.run(apply(args.bootstrap, args.prefix))
        print(json.dumps({"applied_acls": count, "prefix": args.prefix}))
    elif args.command == "remove":
        asyncio.run(remove(args.bootstrap, args.prefix))
    else:
        for acl in asyncio.run(_show(args.bootstrap)):
            print(acl.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
