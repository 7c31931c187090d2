"""Example of the SLA monitor's warning (see ``examples.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from pm_common import topics
from pm_common.events.sla import TaskSlaWarning


def sla_examples(tid: str, cid: str, estate: str, t0: datetime) -> dict[str, BaseModel]:
    return {
        topics.TASK_SLA_WARNING: TaskSlaWarning(
            task_id=tid,
            complaint_id=cid,
            estate_id=estate,
            at=t0 + timedelta(minutes=96),
            stage="onsite",
            deadline=t0 + timedelta(minutes=120),
            fraction=0.8,
            recipients=("p-wang",),
            assignee_person_id="p-wang",
        ),
    }
