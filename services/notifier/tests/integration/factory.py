"""Realistic events for the notifier's tests (the shapes the other services publish)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pm_common.events import ComplaintReceived, ComplaintTriaged, Deadlines, TaskAssigned, TaskOverdue
from pm_common.events.org import OrgChanged
from pm_common.events.payloads import GroupIncidentDeclared, GroupIncidentResolved
from pm_common.events.sla import TaskSlaWarning
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.events.task_lifecycle import (
    TaskAppointmentSet,
    TaskExtensionApproved,
    TaskPaused,
    TaskProgressNoted,
    TaskResolved,
    TaskVerified,
)
from pm_common.org.model import DutyRule, OrgPerson
from pm_common.testing import unique_name

ESTATE = "SUNNY"
VISIT = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai


def cid() -> str:
    return unique_name("c")


def now() -> datetime:
    return datetime.now(UTC)


def task_of(complaint_id: str) -> str:
    return f"T-{complaint_id}"


def _t(complaint_id: str) -> dict[str, object]:
    return {
        "task_id": task_of(complaint_id),
        "complaint_id": complaint_id,
        "estate_id": ESTATE,
        "actor_id": "h-wang",
        "at": now(),
    }


def received(c: str) -> ComplaintReceived:
    return ComplaintReceived(
        complaint_id=c,
        reference_no=f"SUNNY-20261201-{c[-4:]}",
        estate_id=ESTATE,
        channel="phone",
        content="楼道灯坏了",
        raised_at=now(),
        received_at=now(),
    )


def triaged(c: str, decision: str = "accepted", urgency: str = "general", **kw: object) -> ComplaintTriaged:
    return ComplaintTriaged(
        complaint_id=c,
        estate_id=ESTATE,
        decision=decision,  # type: ignore[arg-type]
        category="engineering",
        urgency=urgency,  # type: ignore[arg-type]
        scope="building",
        confidence=0.9,
        deadlines=Deadlines(dispatch_by=now() + timedelta(hours=1), resolve_by=now() + timedelta(days=1)),
        triaged_at=now(),
        **kw,  # type: ignore[arg-type]
    )


def assigned(c: str, handler: str = "h-wang", urgency: str = "general") -> TaskAssigned:
    return TaskAssigned(
        task_id=task_of(c),
        complaint_id=c,
        estate_id=ESTATE,
        department="engineering",
        handler_id=handler,
        category="engineering",
        urgency=urgency,  # type: ignore[arg-type]
        due_at=now() + timedelta(hours=4),
        assigned_at=now(),
    )


def appointment(c: str) -> TaskAppointmentSet:
    return TaskAppointmentSet(**_t(c), visit_at=VISIT)  # type: ignore[arg-type]


def progress(c: str) -> TaskProgressNoted:
    return TaskProgressNoted(**_t(c), note_zh="配件已到，明早更换", note_en="Parts arrived")  # type: ignore[arg-type]


def extension(c: str) -> TaskExtensionApproved:
    return TaskExtensionApproved(**_t(c), reason="需厂家供货", new_resolve_by=VISIT)  # type: ignore[arg-type]


def paused(c: str) -> TaskPaused:
    return TaskPaused(**_t(c), reason="parts", note="门机板需从厂家调货")  # type: ignore[arg-type]


def resolved(c: str) -> TaskResolved:
    return TaskResolved(**_t(c), handling_mode="rectification", result_summary="已更换灯具")  # type: ignore[arg-type]


def subjects_changed(c: str, revision: int, *staff: str) -> ComplaintSubjectsChanged:
    return ComplaintSubjectsChanged(
        complaint_id=c, estate_id="SUNNY", subject_staff_ids=staff, revision=revision, changed_at=datetime.now(UTC)
    )


def verified(c: str) -> TaskVerified:
    return TaskVerified(**_t(c))  # type: ignore[arg-type]


def warning(c: str, person: str) -> TaskSlaWarning:
    return TaskSlaWarning(
        **_t(c),  # type: ignore[arg-type]
        stage="resolve",
        deadline=VISIT,
        fraction=0.8,
        recipients=(person,),
    )


def overdue(c: str) -> TaskOverdue:
    return TaskOverdue(
        task_id=task_of(c),
        complaint_id=c,
        estate_id=ESTATE,
        due_at=VISIT,
        overdue_at=VISIT,
        escalation_level=2,
        escalate_to="supervisor",
    )


def incident_declared(cids: list[str]) -> GroupIncidentDeclared:
    return GroupIncidentDeclared(
        incident_id=unique_name("INC-"),
        estate_id=ESTATE,
        fault_key="SUNNY|3号楼/电梯|engineering",
        place="3号楼/电梯",
        category="engineering",
        window_start=now(),
        window_end=now(),
        threshold=3,
        complaint_ids=tuple(cids),
        declared_at=now(),
    )


def incident_resolved(incident_id: str, cids: list[str]) -> GroupIncidentResolved:
    return GroupIncidentResolved(
        incident_id=incident_id,
        estate_id=ESTATE,
        complaint_ids=tuple(cids),
        answer_zh="电梯主板已更换",
        answer_en="Board replaced",
        resolved_by="sup-li",
        resolved_at=now(),
    )


def roster(version: int = 1, **people: list[str]) -> OrgChanged:
    """``roster(handler=["h-a", "h-b"], duty_manager=["m-1"])``: everyone on duty around the clock."""
    persons = {}
    rules = []
    for role, ids in people.items():
        for pid in ids:
            roles = [*persons[pid].roles, role] if pid in persons else [role]
            persons[pid] = OrgPerson(person_id=pid, name=pid, roles=roles, channels=["pager", "sms"])  # type: ignore[list-item]
            rules.append(DutyRule(person_id=pid, role=role, days="all", start="00:00", end="00:00"))  # type: ignore[arg-type]
    return OrgChanged(
        estate_id=ESTATE, version=version, people=list(persons.values()), duty_rules=rules, updated_at=now()
    )
