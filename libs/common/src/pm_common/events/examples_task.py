"""Examples of the task lifecycle events (dispatch-core), merged into ``examples.EXAMPLES``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from pm_common import topics
from pm_common.events import task_lifecycle as tl

T0 = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
CID, TID, ESTATE = "9f1c2d3e4b5a46789a0b1c2d3e4f5a6b", "T-9f1c2d3e4b5a46789a0b1c2d3e4f5a6b", "SUNNY"
BASE = {"task_id": TID, "complaint_id": CID, "estate_id": ESTATE, "actor_id": "h-wang"}


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def task_examples() -> dict[str, BaseModel]:
    sup = {**BASE, "actor_id": "sup-li"}
    return {
        topics.TASK_ACCEPTED: tl.TaskAccepted(**BASE, at=_at(6)),
        topics.TASK_RETURNED: tl.TaskReturned(
            **BASE, at=_at(7), reason_code="wrong_department", note="属于电梯维保单位负责，非工程部"
        ),
        topics.TASK_APPOINTMENT_SET: tl.TaskAppointmentSet(**BASE, at=_at(8), visit_at=_at(25)),
        topics.TASK_ON_SITE: tl.TaskOnSite(**BASE, at=_at(26), checked_in_at=_at(26)),
        topics.TASK_PROGRESS_NOTED: tl.TaskProgressNoted(
            **BASE,
            at=_at(30),
            note_zh="维修人员已到场，正在检查门机板",
            note_en="The technician is checking the door board",
        ),
        topics.TASK_EXTENSION_REQUESTED: tl.TaskExtensionRequested(
            **BASE, at=_at(40), reason="门机板需向厂家订货，预计两天到货", requested_resolve_by=_at(3000)
        ),
        topics.TASK_EXTENSION_APPROVED: tl.TaskExtensionApproved(
            **sup, at=_at(45), reason="门机板需向厂家订货，预计两天到货", new_resolve_by=_at(3000)
        ),
        topics.TASK_EXTENSION_REJECTED: tl.TaskExtensionRejected(**sup, at=_at(45), note="请先临时修复，保障通行"),
        topics.TASK_PAUSED: tl.TaskPaused(**BASE, at=_at(50), reason="parts", note="等待厂家配件"),
        topics.TASK_RESUMED: tl.TaskResumed(**BASE, at=_at(2900)),
        topics.TASK_PLAN_SUBMITTED: tl.TaskPlanSubmitted(**BASE, at=_at(60), plan_by=_at(7200)),
        topics.TASK_PLAN_APPROVED: tl.TaskPlanApproved(**sup, at=_at(90)),
        topics.TASK_RESOLVED: tl.TaskResolved(
            **BASE,
            at=_at(2950),
            handling_mode="rectification",
            result_summary="已更换门机板，电梯运行正常",
            evidence_ids=("ev-photo-1",),
            owner_confirmation_ref="sign-20261124-001",
        ),
        topics.TASK_VERIFIED: tl.TaskVerified(**{**BASE, "actor_id": "desk-01"}, at=_at(3000)),
        topics.TASK_CLOSED: tl.TaskClosed(**{**BASE, "actor_id": "pm/dispatch"}, at=_at(4000), outcome="satisfied"),
        topics.TASK_REOPENED: tl.TaskReopened(
            **{**BASE, "actor_id": "pm/dispatch"}, at=_at(4000), reason="业主回访不满意"
        ),
    }
