"""One realistic example (in Chinese, as the platform's users write) per event type and version.

Built from the payload models, so an example that no longer fits its model fails at import. An
older version's example is the current one reduced to that version's fields.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from pm_common import topics
from pm_common.events.envelope import Envelope, schema_urn
from pm_common.events.examples_sla import sla_examples
from pm_common.events.examples_task import task_examples
from pm_common.events.insights import InsightWarning
from pm_common.events.notify import ReturnVisitRecorded
from pm_common.events.org import OrgChanged
from pm_common.events.payloads import (
    ComplaintReceived,
    ComplaintSupplemented,
    ComplaintTriaged,
    ComplaintWithdrawn,
    Deadlines,
    Evidence,
    FeedbackSent,
    GroupIncidentDeclared,
    GroupIncidentResolved,
    Location,
    SurveyAnswered,
    TaskAssigned,
    TaskAssignee,
    TaskCancelled,
    TaskCompleted,
    TaskDeadlines,
)
from pm_common.events.registry import AGGREGATES, complaint_of, versions
from pm_common.events.sla import TaskOverdue
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.events.tolerant import known_fields
from pm_common.org import Contractor, DutyOverride, DutyRule, OrgPerson, OrgTeam

T0 = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
CID, TID, ESTATE = "9f1c2d3e4b5a46789a0b1c2d3e4f5a6b", "T-9f1c2d3e4b5a46789a0b1c2d3e4f5a6b", "SUNNY"
INCIDENT = "INC-3d4e5f60718293a4"


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


EXAMPLES: dict[str, BaseModel] = {
    topics.COMPLAINT_RECEIVED: ComplaintReceived(
        complaint_id=CID,
        reference_no="SUNNY-20261122-0001",
        estate_id=ESTATE,
        channel="phone",
        content="3号楼1单元电梯困人了，快来人",
        matter="电梯故障",
        location=Location(building="3", unit="1", area="电梯轿厢"),
        urgency_reported="urgent",
        owner_name_masked="张*",
        owner_phone_masked="138****1234",
        recorder_id="desk-01",
        raised_at=T0,
        received_at=_at(1),
        readback_confirmed=True,
    ),
    topics.COMPLAINT_SUPPLEMENTED: ComplaintSupplemented(
        complaint_id=CID,
        reference_no="SUNNY-20261122-0001",
        estate_id=ESTATE,
        text="补充：困在8楼和9楼之间，里面有一位老人",
        evidence_ids=("ev-7c1d",),
        supplemented_at=_at(3),
    ),
    topics.COMPLAINT_WITHDRAWN: ComplaintWithdrawn(
        complaint_id=CID,
        reference_no="SUNNY-20261122-0001",
        estate_id=ESTATE,
        reason="电梯已恢复，人已出来",
        withdrawn_by="owner",
        withdrawn_at=_at(20),
    ),
    topics.COMPLAINT_TRIAGED: ComplaintTriaged(
        complaint_id=CID,
        estate_id=ESTATE,
        decision="accepted",
        category="engineering",
        urgency="urgent",
        scope="building",
        confidence=0.94,
        evidence=(Evidence(feature="keyword", value="电梯困人", weight=3.0),),
        deadlines=Deadlines(acknowledge_by=_at(6), dispatch_by=_at(16), onsite_by=_at(31), resolve_by=_at(241)),
        triaged_at=_at(2),
        fault_key="SUNNY|3号楼/电梯|engineering",
        received_at=_at(1),
    ),
    topics.TASK_ASSIGNED: TaskAssigned(
        task_id=TID,
        complaint_id=CID,
        estate_id=ESTATE,
        department="工程部",
        handler_id="h-wang",
        category="engineering",
        urgency="urgent",
        due_at=_at(241),
        assigned_at=_at(4),
        assignee=TaskAssignee(
            kind="person",
            department="engineering",
            team_id="eng-a",
            person_id="h-wang",
            name="王师傅",
            reason="on duty",
        ),
        grade="important",
        deadlines=TaskDeadlines(dispatch_by=_at(16), onsite_by=_at(31), resolve_by=_at(241), reply_by=_at(120)),
        actor_id="pm/dispatch",
        at=_at(4),
    ),
    topics.TASK_COMPLETED: TaskCompleted(
        task_id=TID,
        complaint_id=CID,
        estate_id=ESTATE,
        result_summary="维保人员已到场解困，更换门机板，电梯运行正常",
        completed_at=_at(55),
    ),
    topics.TASK_CANCELLED: TaskCancelled(
        task_id=TID,
        complaint_id=CID,
        estate_id=ESTATE,
        reason="withdrawn",
        note="业主撤回",
        cancelled_at=_at(21),
        cancel_reason="withdrawn",
        actor_id="owner",
    ),
    topics.TASK_OVERDUE: TaskOverdue(
        task_id=TID,
        complaint_id=CID,
        estate_id=ESTATE,
        due_at=_at(241),
        overdue_at=_at(242),
        escalation_level=2,
        escalate_to="supervisor",
        at=_at(242),
        stage="onsite",
        deadline=_at(241),
        late_seconds=60.0,
        assignee_person_id="p-wang",
        recipients=("p-wang", "p-zhao"),
        recipient_roles=("assignee", "supervisor"),
        level=2,
        scheduled_at=_at(241),
    ),
    topics.FEEDBACK_SENT: FeedbackSent(
        notification_id=f"evt-5a6b:{CID}:owner",
        complaint_id=CID,
        estate_id=ESTATE,
        recipient_role="owner",
        channel="sms",
        template="task_completed",
        message_zh="【阳光花园】您反映的电梯问题已处理完毕：更换门机板，电梯运行正常。",
        message_en="[Sunny Garden] Your lift issue has been resolved: door board replaced.",
        sent_at=_at(56),
    ),
    topics.SURVEY_ANSWERED: SurveyAnswered(
        complaint_id=CID, estate_id=ESTATE, score=5, satisfied=True, comment="师傅来得很快，谢谢", answered_at=_at(600)
    ),
    topics.INCIDENT_DECLARED: GroupIncidentDeclared(
        incident_id=INCIDENT,
        estate_id=ESTATE,
        fault_key="SUNNY|3号楼/电梯|engineering",
        place="3号楼/电梯",
        category="engineering",
        window_start=T0,
        window_end=_at(60),
        threshold=3,
        complaint_ids=(CID, "0a1b2c3d4e5f40718293a4b5c6d7e8f9", "1b2c3d4e5f60718293a4b5c6d7e8f9a0"),
        declared_at=_at(12),
    ),
    topics.INCIDENT_RESOLVED: GroupIncidentResolved(
        incident_id=INCIDENT,
        estate_id=ESTATE,
        complaint_ids=(CID, "0a1b2c3d4e5f40718293a4b5c6d7e8f9", "1b2c3d4e5f60718293a4b5c6d7e8f9a0"),
        answer_zh="3号楼电梯主板已更换，经检测运行正常，给您带来不便深表歉意。",
        answer_en="The lift's main board in building 3 was replaced and tested.",
        resolved_by="sup-li",
        resolved_at=_at(180),
    ),
    **task_examples(),
    topics.ORG_CHANGED: OrgChanged(
        estate_id=ESTATE,
        version=7,
        teams=[
            OrgTeam(team_id="eng", name_zh="工程部维修班", name_en="Engineering", department="engineering"),
            OrgTeam(
                team_id="ctl", name_zh="中控室", name_en="Control room", department="control_room", kind="control_room"
            ),
        ],
        people=[
            OrgPerson(
                person_id="p-wang",
                name="王师傅",
                roles=["handler"],
                team_ids=["eng"],
                skills=["lift"],
                channels=["sms", "wechat"],
            ),
            OrgPerson(person_id="p-zhao", name="赵值班", roles=["control_room"], team_ids=["ctl"], channels=["pager"]),
        ],
        duty_rules=[
            DutyRule(person_id="p-wang", role="handler", team_id="eng", days="working", start="08:30", end="17:30"),
            DutyRule(person_id="p-zhao", role="control_room", team_id="ctl", days="all", start="17:30", end="08:30"),
        ],
        overrides=[DutyOverride(person_id="p-wang", role="handler", day=date(2026, 11, 23), on_duty=False)],
        contractors=[
            Contractor(
                contractor_id="c-lift", name="迅达电梯维保", trades=["lift"], estate_ids=[ESTATE], channels=["sms"]
            ),
        ],
        updated_at=_at(5),
    ),
}
EXAMPLES.update(sla_examples(TID, CID, ESTATE, T0))
EXAMPLES[topics.RETURN_VISIT_RECORDED] = ReturnVisitRecorded(
    complaint_id=CID, estate_id=ESTATE, task_id=TID, outcome="satisfied", note="业主表示满意", at=_at(1500)
)
EXAMPLES[topics.INSIGHT_WARNING] = InsightWarning(
    warning_id="5f0c1e2d3b4a59687766554433221100",
    estate_id=ESTATE,
    rule="location_spike",
    key="3|engineering",
    window_start=date(2026, 11, 22),
    window_end=date(2026, 11, 22),
    observed=6,
    baseline=0.25,
    threshold=3,
    complaint_ids=(CID,),
    raised_at=_at(1600),
)
EXAMPLES[topics.COMPLAINT_SUBJECTS_CHANGED] = ComplaintSubjectsChanged(
    complaint_id=CID, estate_id=ESTATE, subject_staff_ids=("p-sec-3",), revision=1, changed_at=_at(40)
)


def example_payload(event_type: str, version: int) -> dict[str, Any]:
    """The example as JSON data of that version (validated by that version's model)."""
    model = versions(event_type)[version]
    data = known_fields(model, EXAMPLES[event_type].model_dump(mode="json"))
    return model.model_validate(data).model_dump(mode="json")


def example_event(event_type: str, version: int) -> dict[str, Any]:
    """A whole Kafka message value (the CloudEvent) carrying the example, with fixed ids."""
    payload = EXAMPLES[event_type]
    data = example_payload(event_type, version)
    aggregate = str(data[AGGREGATES[event_type]])
    complaint = complaint_of(payload)
    envelope = Envelope(
        id=f"evt-{event_type}-v{version}",
        source=topics.TOPICS[event_type].producer.split(" ")[0],
        type=event_type,
        time=T0,
        subject=aggregate,
        dataschema=schema_urn(event_type, version),
        schemaversion=version,
        correlationid="corr-7d8e9f",
        causationid=None if event_type == topics.COMPLAINT_RECEIVED else "evt-complaint.received-v2",
        estateid=ESTATE,
        complaintid=complaint,
        data=data,
    )
    return envelope.model_dump(mode="json")
