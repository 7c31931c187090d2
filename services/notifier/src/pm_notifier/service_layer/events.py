"""The notifier's consumer: every event it subscribes to, turned into deliveries, pages and follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pm_common.events import ComplaintTriaged, Envelope, TaskAssigned, TaskCompleted
from pm_common.events.org import OrgChanged
from pm_common.events.task_lifecycle import TaskReopened, TaskResolved, TaskVerified
from pm_common.org import OrgSnapshot
from pm_notifier.domain.planner import PlanContext, plan
from pm_notifier.service_layer import cadence, followup, paging, revisit
from pm_notifier.service_layer.context import NotifierPorts, send_intent


async def snapshot_for(ports: NotifierPorts, estate_id: str) -> OrgSnapshot | None:
    return await ports.rosters.get(estate_id)


async def handle(envelope: Envelope, payload: Any, ports: NotifierPorts, now: datetime) -> None:
    """Idempotent and order-tolerant: every record it writes has a key derived from the event."""
    if isinstance(payload, OrgChanged):
        await ports.rosters.keep_latest(OrgSnapshot.model_validate(payload.model_dump()))
        return
    if isinstance(payload, TaskAssigned):
        facts = {"complaint_id": payload.complaint_id, "category": payload.category, "handler_id": payload.handler_id}
        await ports.tasks.put(payload.task_id, {"estate_id": payload.estate_id, **facts})
    snapshot = await snapshot_for(ports, envelope.estateid)
    task_id = getattr(payload, "task_id", None)
    task = (await ports.tasks.get(task_id) or {}) if isinstance(task_id, str) else {}
    ctx = PlanContext(snapshot, now, dict(envelope.data), envelope.causationid, task)
    for planned in plan(payload, ctx):
        complaint = getattr(payload, "complaint_id", None) or (
            planned.intent.recipient.ref if planned.intent.recipient.kind == "owner" else None
        )
        if complaint is None and hasattr(payload, "complaint_ids"):
            complaint = payload.complaint_ids[0]
        await send_intent(
            ports,
            planned.intent,
            cause_id=planned.cause_id or envelope.id,
            cause_type=envelope.type,
            slot=planned.slot,
            complaint_id=complaint,
            estate_id=envelope.estateid,
            correlation_id=envelope.correlationid,
            now=now,
            caused_by=envelope.id,
        )
    await cadence.on_event(envelope, payload, ports, now)
    if isinstance(payload, ComplaintTriaged) and payload.decision == "accepted" and payload.urgency == "urgent":
        await paging.start(envelope, payload, snapshot, ports, now)
    if isinstance(payload, TaskReopened):
        await revisit.on_reopened(envelope, payload, ports, now)
    if isinstance(payload, TaskVerified):
        await followup.start(envelope, payload.complaint_id, payload.task_id, ports, now)
    if isinstance(payload, (TaskResolved, TaskCompleted)):  # task.completed: releases before task.resolved
        estate = await ports.delivery.estates.get(payload.estate_id) or {}
        if estate.get("skip_verification"):
            await followup.start(envelope, payload.complaint_id, payload.task_id, ports, now)
