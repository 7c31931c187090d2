"""Payloads of the task lifecycle (dispatch → sla-monitor, notifier, intake, BI). Each is v1.

Every ``task.*`` event carries the task, its complaint and estate, who acted (a person id or a
service name) and when. ``task.assigned`` (v2, in ``payloads.py``) is sent on creation and on every
(re)assignment; ``task.resolved`` replaces ``task.completed`` (still registered for old records).
Internal notes and the statement of a staff member complained about never leave dispatch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pm_common.events.payloads import _Payload

ReturnReason = Literal["wrong_department", "not_ours", "other"]
PauseReason = Literal["owner_access", "parts", "third_party", "judicial", "other"]
HandlingMode = Literal["explanation", "rectification", "coordination", "plan"]
CloseOutcome = Literal["satisfied", "no_response", "closed_by_supervisor"]


class _TaskEvent(_Payload):
    task_id: str
    complaint_id: str
    estate_id: str
    actor_id: str = Field(description="the person who acted, or the service (pm/dispatch) for automatic steps")
    at: datetime


class TaskAccepted(_TaskEvent):
    pass


class TaskReturned(_TaskEvent):
    reason_code: ReturnReason
    note: str | None = None


class TaskAppointmentSet(_TaskEvent):
    visit_at: datetime


class TaskOnSite(_TaskEvent):
    checked_in_at: datetime


class TaskProgressNoted(_TaskEvent):
    """An owner-visible progress note (internal notes are never published)."""

    note_zh: str
    note_en: str | None = None


class TaskExtensionRequested(_TaskEvent):
    reason: str
    requested_resolve_by: datetime


class TaskExtensionApproved(_TaskEvent):
    reason: str = Field(description="the reason the owner is told")
    new_resolve_by: datetime


class TaskExtensionRejected(_TaskEvent):
    note: str | None = None


class TaskPaused(_TaskEvent):
    reason: PauseReason
    note: str | None = None


class TaskResumed(_TaskEvent):
    pass


class TaskPlanSubmitted(_TaskEvent):
    plan_by: datetime = Field(description="when the plan's last step is due")


class TaskPlanApproved(_TaskEvent):
    pass


class TaskResolved(_TaskEvent):
    handling_mode: HandlingMode
    result_summary: str
    evidence_ids: tuple[str, ...] = ()
    owner_confirmation_ref: str | None = None
    resolved_with_task_id: str | None = Field(
        None, description="set when the task was resolved with its parent (group incident) or its sub-tasks"
    )


class TaskVerified(_TaskEvent):
    pass


class TaskClosed(_TaskEvent):
    outcome: CloseOutcome


class TaskReopened(_TaskEvent):
    reason: str
