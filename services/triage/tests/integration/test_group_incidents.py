"""Same-fault linking and group incidents (群诉) on the real engines: the faust stream declares the
incident when N complaints hit one fault in the window; dispatch and the notifier act on it; the
supervisor resolves it with one broadcast answer. The window survives a restart (changelog)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from pm_common import topics
from pm_common.kafka.security import KafkaAuth
from pm_common.mongo import Mongo
from pm_common.runtime import ServiceRuntime
from pm_common.testing import free_port, poll_until, unique_name
from pm_dispatch.bootstrap import build_runtime as dispatch_runtime
from pm_dispatch.config import DispatchSettings
from pm_notifier.bootstrap import build_runtime as notifier_runtime
from pm_notifier.config import NotifierSettings
from pm_notifier.localsink.directory import running_directory
from pm_notifier.localsink.runner import running_sink

pytestmark = pytest.mark.integration
LIFT = "3号楼的电梯又坏了，停在半中间不动，爬楼太累"


@asynccontextmanager
async def running(runtime: ServiceRuntime) -> AsyncIterator[ServiceRuntime]:
    await runtime.start()
    try:
        await poll_until(lambda: _ready(runtime), timeout=60, what=f"{runtime.settings.service_name} ready")
        yield runtime
    finally:
        await runtime.mongo.drop_database()
        await runtime.stop()


async def _ready(runtime: ServiceRuntime) -> bool:
    return runtime.ready and runtime.consumer is not None


async def test_group_incident_declared_escalated_and_resolved_with_one_broadcast(triage) -> None:  # type: ignore[no-untyped-def]
    common = {
        "mongo_url": triage.settings.mongo_url,
        "kafka_bootstrap": triage.settings.kafka_bootstrap,
        "topic_prefix": triage.settings.topic_prefix,
        "env": "test",
    }
    dispatch = dispatch_runtime(DispatchSettings(**common, mongo_db=unique_name("test_dispatch_")))
    # the notifier really delivers: to the local sink, with owners' contacts from a stand-in directory
    async with running_sink() as sink, running_directory(triage.settings.auth_secret) as directory:
        directory.default_owner = {"estate_id": "SUNNY", "anonymous": False, "contact": {"sms": "13800000000"}}
        providers = {f"{c}_url": sink.http_url for c in ("sms", "wechat", "pager")}
        notifier = notifier_runtime(
            NotifierSettings(
                **common,
                auth_secret=triage.settings.auth_secret,
                mongo_db=unique_name("test_notifier_"),
                intake_url=directory.url,
                dispatch_url=directory.url,
                smtp_port=sink.smtp_port,
                **providers,
            )
        )
        async with running(dispatch), running(notifier):
            await _incident_flow(triage, dispatch, notifier)


async def _incident_flow(triage, dispatch: ServiceRuntime, notifier: ServiceRuntime) -> None:  # type: ignore[no-untyped-def]
    same_household = await triage.complain(LIFT, building="3", unit="1", room="101")
    duplicate = await triage.complain(LIFT + "！", building="3", unit="1", room="101")
    first = (await triage.triaged(same_household.subject))[0].data
    assert (await triage.triaged(duplicate.subject))[0].data["duplicate_of"] == same_household.subject
    neighbours = [await triage.complain("电梯坏了，按钮没反应", building="3", unit="2", room=f"50{i}") for i in (1, 2)]
    for n in neighbours:
        data = (await triage.triaged(n.subject))[0].data
        assert data["related_to"] == same_household.subject and data["fault_key"] == first["fault_key"]

    declared = (await triage.probe.wait_for(topics.INCIDENT_DECLARED, timeout=30))[0]
    children = [same_household.subject, *(n.subject for n in neighbours)]
    assert sorted(declared.data["complaint_ids"]) == sorted(children)  # the household's duplicate is not counted
    assert declared.data["place"] == "3号楼/电梯" and declared.data["threshold"] == 3
    incident_id = declared.data["incident_id"]
    late = await triage.complain("3号楼电梯还是坏的", building="3", unit="3", room="601")
    late_data = (await triage.triaged(late.subject))[0].data
    assert late_data["incident_id"] == incident_id

    async def escalated() -> list[dict] | None:
        notes = notifier.mongo.collection("notifications")
        found = [d async for d in notes.find({"incident_id": incident_id, "recipient_role": {"$ne": "owner"}})]
        return found if len(found) == 2 else None

    escalations = await poll_until(escalated, what="escalation")
    assert sorted(d["recipient_role"] for d in escalations) == ["company", "project_manager"]
    assert all(d["complaint_id"] in children for d in escalations)  # a complaint id, never the incident's
    parent = await poll_until(lambda: dispatch.mongo.collection("tasks").find_one({"_id": f"T-{incident_id}"}))
    assert parent["kind"] == "incident" and "project_manager, company" in parent["requirements"]
    await triage.probe.wait_for(topics.TASK_ASSIGNED, lambda e: e.complaintid in (*children, late.subject), count=4)

    async with triage.client() as client:
        detail = await poll_until(lambda: _incident(client, incident_id, 4), what="late complaint linked")
        assert detail["status"] == "open" and late.subject in detail["children"]
        confirm = await client.post(
            f"/v1/incidents/{incident_id}/review", json={"action": "confirm", "note": "同一台电梯"}
        )
        assert confirm.status_code == 200
        answer = {
            "answer": "3号楼电梯主板已更换，经检测运行正常",
            "answer_en": "The lift's main board was replaced.",
        }
        resolved = await client.post(f"/v1/incidents/{incident_id}/resolve", json=answer)
        assert resolved.status_code == 200, resolved.text
        again = await client.post(f"/v1/incidents/{incident_id}/resolve", json=answer)
        assert again.status_code == 409 and again.json()["error"]["code"] == "incident_closed"
    event = (await triage.probe.wait_for(topics.INCIDENT_RESOLVED))[0]
    assert sorted(event.data["complaint_ids"]) == sorted([*children, late.subject])

    parent_id = f"T-{incident_id}"  # dispatch resolves the parent task, which resolves each child
    closed = await triage.probe.wait_for(
        topics.TASK_RESOLVED, lambda e: e.data.get("resolved_with_task_id") == parent_id, count=4
    )
    assert {e.complaintid for e in closed} == {*children, late.subject}
    assert {e.subject for e in closed} == {f"T-{c}" for c in (*children, late.subject)}  # the task ids

    answer_of = {"recipient_role": "owner", "cause_event_id": event.id}  # the broadcast and the closing result

    async def broadcasts() -> list[dict] | None:
        notes = notifier.mongo.collection("notifications")
        owners = [d async for d in notes.find({**answer_of, "status": {"$ne": "queued"}})]
        return owners if len(owners) >= 4 else None

    owners = await poll_until(broadcasts, what="one broadcast per linked owner")
    await triage.probe.wait_for(
        topics.FEEDBACK_SENT, lambda e: e.data["template"] in ("incident_broadcast", "result"), count=4
    )
    owners = [d async for d in notifier.mongo.collection("notifications").find(answer_of)]
    assert sorted(d["complaint_id"] for d in owners) == sorted([*children, late.subject])  # exactly one each
    assert all("主板已更换" in d["message_zh"] for d in owners)
    await poll_until(lambda: _answers(triage.mongo, 4), what="triage records the answers")


async def _incident(client, incident_id: str, children: int):  # type: ignore[no-untyped-def]
    detail = (await client.get(f"/v1/incidents/{incident_id}")).json()
    return detail if len(detail["children"]) >= children else None


async def _answers(mongo: Mongo, count: int) -> bool:
    return await mongo.collection("answers").count_documents({}) >= count


async def test_incident_window_survives_a_restart_of_the_stream(triage_settings, mongo, serve_triage) -> None:  # type: ignore[no-untyped-def]
    settings = triage_settings()
    async with serve_triage(settings, mongo) as triage:
        first = [await triage.complain("整个小区停水了，什么时候恢复供水", building=str(b), room="101") for b in (1, 2)]
        for item in first:
            assert (await triage.triaged(item.subject))[0].data["fault_key"] == "SUNNY|供水|engineering"
        changelog = f"{settings.topic_prefix}triage-incidents-fault_reports-changelog"
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap, group_id=None, **KafkaAuth.from_env().client_kwargs()
        )
        await consumer.start()
        try:
            await poll_until(
                lambda: _at_least(_changelog_records(consumer, changelog, settings.incident_partitions), 2),
                what="window in changelog",
            )
        finally:
            await consumer.stop()
    async with serve_triage(triage_settings(port=free_port()), mongo) as triage:
        third = await triage.complain("我们这栋楼又没水了，水龙头一滴水都没有", building="7", room="101")
        await triage.triaged(third.subject)
        declared = (await triage.probe.wait_for(topics.INCIDENT_DECLARED, timeout=30))[0]
        assert sorted(declared.data["complaint_ids"]) == sorted([*(i.subject for i in first), third.subject])
        assert declared.data["place"] == "供水"


async def _at_least(count: Awaitable[int], minimum: int) -> bool:
    return await count >= minimum


async def _changelog_records(consumer: AIOKafkaConsumer, name: str, partitions: int) -> int:
    """Records in faust's changelog topic (the table's durable state)."""
    try:
        return sum((await consumer.end_offsets([TopicPartition(name, p) for p in range(partitions)])).values())
    except KafkaError:  # not created yet
        return 0
