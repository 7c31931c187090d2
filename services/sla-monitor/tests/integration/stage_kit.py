"""Events as dispatch (v2 fields per PLAN.md), triage, intake and dispatch-org would publish them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sla_harness import Driver

from pm_common import topics
from pm_common.events import ComplaintReceived, ComplaintTriaged, Deadlines, Envelope, TaskAssigned, new_event
from pm_common.events import task_lifecycle as lc
from pm_common.events.org import OrgChanged
from pm_common.events.payloads import TriageProposal
from pm_common.org import DutyRule, OrgPerson
from pm_common.testing import poll_until
from pm_sla_monitor.adapters.config_store import ORG

SH = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


async def org(driver: Driver, at: datetime, version: int = 1) -> None:
    snapshot = OrgChanged(
        estate_id="SUNNY",
        version=version,
        updated_at=at,
        people=[
            OrgPerson(person_id="h-1", name="王师傅", roles=["handler"]),
            OrgPerson(person_id="day-sup", name="白班主管", roles=["supervisor"]),
            OrgPerson(person_id="night-sup", name="夜班主管", roles=["supervisor"]),
            OrgPerson(person_id="pm-sun", name="孙经理", roles=["project_manager"]),
            OrgPerson(person_id="qa-li", name="品质部李", roles=["quality"]),
        ],
        duty_rules=[
            DutyRule(person_id="day-sup", role="supervisor", days="all", start="08:00", end="20:00"),
            DutyRule(person_id="night-sup", role="supervisor", days="all", start="20:00", end="08:00"),
        ],
    )
    await driver.publisher.publish(topics.ORG_CHANGED, new_event(snapshot, source="pm/dispatch", estate_id="SUNNY"))

    async def stored() -> bool:  # org.changed is its own topic: on a loaded machine it can trail the task events
        doc = await driver.mongo.collection(ORG).find_one({"_id": "SUNNY"}, {"version": 1})
        return doc is not None and doc.get("version", 0) >= version

    await poll_until(stored, what=f"org snapshot v{version} stored")


async def assign_v2(
    driver: Driver,
    task_id: str,
    at: datetime,
    due_at: datetime,
    *,
    urgency: str = "general",
    person: str = "h-1",
    grade: str | None = None,
    category: str = "engineering",
) -> Envelope:
    v1 = TaskAssigned(
        task_id=task_id,
        complaint_id="c-" + task_id,
        estate_id="SUNNY",
        department="engineering",
        handler_id=person,
        category=category,
        urgency=urgency,
        due_at=due_at,
        assigned_at=at,  # type: ignore[arg-type]
    )
    event = new_event(v1, source="pm/dispatch", estate_id="SUNNY", now=at)
    extra: dict[str, Any] = {
        "assignee": {"kind": "person", "department": "engineering", "person_id": person, "name": "王师傅"},
        "grade": grade,
        "reassigned": False,
        "actor_id": "sup-1",
        "at": at.isoformat(),
        "deadlines": {"onsite_by": due_at.isoformat()} if urgency == "urgent" else {"resolve_by": due_at.isoformat()},
    }
    event = event.model_copy(update={"data": {**event.data, **extra}, "schemaversion": 2})
    await driver.publisher.publish(topics.TASK_ASSIGNED, event)
    return event


async def lifecycle(
    driver: Driver, topic: str, model: type[Any], task_id: str, at: datetime, **fields: Any
) -> Envelope:
    payload = model(task_id=task_id, complaint_id="c-" + task_id, estate_id="SUNNY", actor_id="h-1", at=at, **fields)
    event = new_event(payload, source="pm/dispatch", estate_id="SUNNY", now=at)
    await driver.publisher.publish(topic, event)
    return event


async def received_and_triaged(driver: Driver, cid: str, at: datetime, grade: str) -> None:
    received = ComplaintReceived(
        complaint_id=cid,
        reference_no="SUNNY-1",
        estate_id="SUNNY",
        channel="phone",
        content="物业态度恶劣",
        urgency_reported="general",
        raised_at=at,
        received_at=at,
    )
    await driver.publisher.publish(
        topics.COMPLAINT_RECEIVED, new_event(received, source="pm/intake", estate_id="SUNNY")
    )
    triaged = ComplaintTriaged(
        complaint_id=cid,
        estate_id="SUNNY",
        decision="accepted",
        category="customer_service",
        urgency="general",
        scope="unit",
        confidence=0.9,
        triaged_at=at,
        received_at=at,
        deadlines=Deadlines(dispatch_by=at + timedelta(days=1), resolve_by=at + timedelta(days=3)),
        proposal=TriageProposal(grade=grade),  # type: ignore[arg-type]
    )
    await driver.publisher.publish(topics.COMPLAINT_TRIAGED, new_event(triaged, source="pm/triage", estate_id="SUNNY"))


__all__ = ["lc", "local"]
