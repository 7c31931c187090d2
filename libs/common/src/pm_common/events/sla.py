"""Events of the SLA monitor (sla → notifier, console, BI): warnings before a deadline, and overdue
escalations (``task.overdue`` v2, additive on v1, which stays in ``history.py``).

``task_id`` names the item the clock runs on: the task for task stages (onsite, resolve, plan,
suggestion_reply, return_visit), the complaint id for complaint stages before or beside a task
(acknowledge, review, invalid_notice, dispatch, reply) — ``item`` says which.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pm_common.events.payloads import _Payload

Stage = Literal[
    "acknowledge",
    "review",
    "invalid_notice",
    "dispatch",
    "onsite",
    "reply",
    "resolve",
    "plan",
    "suggestion_reply",
    "return_visit",
]
STAGES: tuple[str, ...] = Stage.__args__  # type: ignore[attr-defined]
Item = Literal["task", "complaint"]


class TaskSlaWarning(_Payload):
    """A share of a stage's time is used up (default 50 % and 80 %): a reminder to the assignee."""

    task_id: str
    complaint_id: str
    estate_id: str
    actor_id: str = "sla-monitor"
    at: datetime
    item: Item = "task"
    stage: Stage
    deadline: datetime
    fraction: float = Field(gt=0, lt=1)
    recipients: tuple[str, ...] = Field((), description="person ids (from the estate's org.changed snapshot)")
    assignee_person_id: str | None = None


class TaskOverdue(_Payload):
    task_id: str
    complaint_id: str
    estate_id: str
    due_at: datetime
    overdue_at: datetime
    escalation_level: int = Field(ge=1, le=4, description="1 reminder, 2 supervisor, 3 project manager, 4 company")
    escalate_to: Literal["handler", "supervisor", "project_manager", "company"]
    # added in v2: the stage clock, how late, named recipients, the ladder position
    actor_id: str = "sla-monitor"
    at: datetime | None = None
    item: Item = "task"
    stage: Stage | None = None
    deadline: datetime | None = Field(None, description="the stage's deadline (equals due_at)")
    late_seconds: float | None = Field(None, ge=0, description="how late at the level's scheduled time")
    assignee_person_id: str | None = None
    recipients: tuple[str, ...] = Field((), description="person ids to tell (on-duty supervisor, PM, quality)")
    recipient_roles: tuple[str, ...] = Field((), description="the ladder roles behind recipients")
    level: int | None = Field(None, ge=1, description="ladder step (1 = breach); unbounded, unlike escalation_level")
    repeat: int = Field(0, ge=0, description="0 = the step itself, n = the n-th reminder after the last step")
    scheduled_at: datetime | None = Field(None, description="when this level fell due (its real time)")
    caught_up_levels: tuple[int, ...] = Field(
        (), description="levels that fell due while the monitor was down: folded into this one, never sent"
    )
