"""The seeded, known data set: 40 complaints (30 SUNNY, 10 JADE) and their lifecycle, as the producers
publish them. The figures these events must give are stated by hand in test_statistics.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from pm_common import topics
from pm_common.events import Envelope, new_event
from pm_common.events.notify import ReturnVisitRecorded
from pm_common.events.payloads import (
    ComplaintReceived,
    ComplaintTriaged,
    Deadlines,
    Location,
    SurveyAnswered,
    TaskAssigned,
    TaskAssignee,
)
from pm_common.events.sla import TaskOverdue
from pm_common.events.task_lifecycle import TaskOnSite, TaskReopened, TaskResolved, TaskReturned

SH = ZoneInfo("Asia/Shanghai")
Published = list[tuple[str, Envelope]]
SOURCES = {"complaint": "pm/intake", "task": "pm/dispatch", "survey": "pm/notifier", "return_visit": "pm/notifier"}


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def _event(topic: str, payload: BaseModel, at: datetime) -> tuple[str, Envelope]:
    source = "pm/triage" if topic == topics.COMPLAINT_TRIAGED else SOURCES[topic.split(".")[0]]
    if topic == topics.TASK_OVERDUE:
        source = "pm/sla-monitor"
    estate = str(payload.estate_id)  # type: ignore[attr-defined]
    return topic, new_event(payload, source=source, estate_id=estate, now=at)


def _received(cid: str, estate: str, channel: str, at: datetime, location: Location, **kw: object) -> ComplaintReceived:
    return ComplaintReceived(
        complaint_id=cid, reference_no=f"{estate}-{cid}", estate_id=estate, channel=channel,  # type: ignore[arg-type]
        content="测试", location=location, raised_at=at, received_at=at, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _triaged(cid: str, estate: str, category: str, at: datetime, revision: int = 1) -> ComplaintTriaged:
    return ComplaintTriaged(
        complaint_id=cid, estate_id=estate, decision="accepted", category=category,  # type: ignore[arg-type]
        urgency="general", scope="unit", confidence=0.9, triaged_at=at, revision=revision,
        deadlines=Deadlines(dispatch_by=at + timedelta(hours=2), resolve_by=at + timedelta(days=3)),
    )  # fmt: skip


def _assigned(
    cid: str, estate: str, category: str, person: str, at: datetime, reassigned: bool = False
) -> TaskAssigned:
    return TaskAssigned(
        task_id="t-" + cid, complaint_id=cid, estate_id=estate, department="dept-" + person,
        category=category, urgency="general", due_at=at + timedelta(days=3), assigned_at=at,  # type: ignore[arg-type]
        assignee=TaskAssignee(kind="person", department="dept-" + person, person_id=person), reassigned=reassigned,
    )  # fmt: skip


def sunny_nature(i: int) -> str:
    if i < 14:
        return "engineering"
    if i < 22:
        return "cleaning_greening"
    return "customer_service" if i < 27 else "security_order"


def data_set() -> Published:
    out: Published = []
    s = "SUNNY"
    for i in range(30):
        cid = f"s{i:02d}"
        day = 2 if i < 10 else (3 if i < 20 else 10)
        at = local(day, 0, 30) + timedelta(minutes=i)  # 00:30 local: the UTC day before, on purpose
        channel = "phone" if i < 10 else ("wechat" if i < 20 else "front_desk")
        if i in (0, 1):
            place = Location(building="3", unit="1", room="502")  # two complaints from one household
        elif i >= 27:
            place = Location(building="9")  # no room: no household
        else:
            place = Location(building="5", unit="2", room=str(100 + i))
        out.append(_event(topics.COMPLAINT_RECEIVED, _received(cid, s, channel, at, place,
                                                               resolved_at_intake=(i == 29)), at))  # fmt: skip
        nature = sunny_nature(i)
        t = at + timedelta(minutes=5)
        if i == 14:  # re-triaged by a supervisor: revision 2 is the one that counts, whatever the order
            out.append(_event(topics.COMPLAINT_TRIAGED, _triaged(cid, s, nature, t + timedelta(minutes=9), 2), t))
            out.append(_event(topics.COMPLAINT_TRIAGED, _triaged(cid, s, "other", t), t))
        else:
            out.append(_event(topics.COMPLAINT_TRIAGED, _triaged(cid, s, nature, t), t))
        if i >= 27:
            if i == 27:
                out.append(_overdue(cid, s, "dispatch", at + timedelta(hours=3), item="complaint"))
            continue
        person = "p-wang" if i < 14 else ("p-zhao" if i < 22 else "p-chen")
        t = at + timedelta(minutes=20)
        out.append(_event(topics.TASK_ASSIGNED, _assigned(cid, s, nature, person, t), t))
        task = {"task_id": "t-" + cid, "complaint_id": cid, "estate_id": s, "actor_id": person}
        if i == 6:  # returned and reassigned: no first-contact resolution
            r = t + timedelta(minutes=10)
            out.append(_event(topics.TASK_RETURNED, TaskReturned(**task, at=r, reason_code="wrong_department"), r))
            r2 = r + timedelta(minutes=5)
            out.append(_event(topics.TASK_ASSIGNED, _assigned(cid, s, nature, person, r2, reassigned=True), r2))
        if i < 10:
            o = t + timedelta(hours=1)
            out.append(_event(topics.TASK_ON_SITE, TaskOnSite(**task, at=o, checked_in_at=o), o))
        if i < 4 or i in (20, 21):
            out.append(_overdue(cid, s, "resolve", at + timedelta(days=3, hours=1)))
        if i < 20:
            d = at + timedelta(days=1 if i >= 4 else 4)
            out.append(_event(topics.TASK_RESOLVED, TaskResolved(**task, at=d, handling_mode="rectification",
                                                                  result_summary="已处理"), d))  # fmt: skip
        if i < 5:
            v = at + timedelta(days=5)
            outcome = "dissatisfied" if i == 4 else "satisfied"
            visit = ReturnVisitRecorded(complaint_id=cid, estate_id=s, task_id="t-" + cid, outcome=outcome, at=v)
            out.append(_event(topics.RETURN_VISIT_RECORDED, visit, v))
        for n in range({4: 1, 5: 2}.get(i, 0)):
            ro = at + timedelta(days=6, hours=n)
            out.append(_event(topics.TASK_REOPENED, TaskReopened(**task, at=ro, reason="业主不满意"), ro))
        if i < 10:
            a = at + timedelta(days=2)
            score = {8: 2, 9: 3}.get(i, 5)
            if i == 8:  # an earlier answer, superseded by the later one (delivered after it below)
                first = SurveyAnswered(complaint_id=cid, estate_id=s, score=1, satisfied=False, answered_at=a)
                later = SurveyAnswered(
                    complaint_id=cid, estate_id=s, score=2, satisfied=False, answered_at=a + timedelta(hours=1)
                )
                out.append(_event(topics.SURVEY_ANSWERED, later, a + timedelta(hours=1)))
                out.append(_event(topics.SURVEY_ANSWERED, first, a))
                continue
            answer = SurveyAnswered(complaint_id=cid, estate_id=s, score=score, satisfied=score >= 4, answered_at=a)
            out.append(_event(topics.SURVEY_ANSWERED, answer, a))
    for i in range(10):
        cid, at = f"j{i}", local(4, 15) + timedelta(minutes=i)
        out.append(_event(topics.COMPLAINT_RECEIVED, _received(cid, "JADE", "app", at, Location(building="1")), at))
        nature = "engineering" if i < 5 else "cleaning_greening"
        out.append(_event(topics.COMPLAINT_TRIAGED, _triaged(cid, "JADE", nature, at + timedelta(minutes=1)), at))
    return out


def _overdue(cid: str, estate: str, stage: str, at: datetime, item: str = "task") -> tuple[str, Envelope]:
    task_id = ("t-" + cid) if item == "task" else cid
    payload = TaskOverdue(
        task_id=task_id, complaint_id=cid, estate_id=estate, due_at=at - timedelta(hours=1), overdue_at=at,
        escalation_level=1, escalate_to="handler", item=item, stage=stage,  # type: ignore[arg-type]
    )  # fmt: skip
    return _event(topics.TASK_OVERDUE, payload, at)
