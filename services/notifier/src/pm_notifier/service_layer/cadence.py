"""Proactive progress for long items: once a task has been open ``after_hours``, the owner hears from
us every ``every_hours`` until it is resolved, cancelled or closed (settings per estate)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pm_common.events import Envelope, TaskAssigned, TaskCancelled, TaskCompleted
from pm_common.events.task_lifecycle import TaskClosed, TaskResolved
from pm_notifier.domain.model import Intent, Recipient
from pm_notifier.service_layer.context import NotifierPorts, send_intent

STOPS = (TaskResolved, TaskCompleted, TaskCancelled, TaskClosed)


async def _rhythm(ports: NotifierPorts, estate_id: str) -> tuple[float, float]:
    estate = await ports.delivery.estates.get(estate_id) or {}
    own = estate.get("progress") or {}
    s = ports.settings
    return float(own.get("after_hours", s.progress_after_hours)), float(own.get("every_hours", s.progress_every_hours))


async def on_event(envelope: Envelope, payload: Any, ports: NotifierPorts, now: datetime) -> None:
    if isinstance(payload, TaskAssigned):
        task = await ports.tasks.get(payload.task_id) or {}
        if task.get("cadence_started"):  # a redelivery or a reassignment: the rhythm keeps going
            return
        after, every = await _rhythm(ports, payload.estate_id)
        if after > 0 and every > 0:
            data = {"task_id": payload.task_id, "estate_id": payload.estate_id, "n": 0, "opened_at": now.isoformat()}
            await ports.delivery.timers.set("progress", payload.complaint_id, now + timedelta(hours=after), data)
        await ports.tasks.put(payload.task_id, {"cadence_started": True})
    elif isinstance(payload, STOPS):
        await ports.tasks.put(payload.task_id, {"cadence_stopped": True})
        await ports.delivery.timers.clear("progress", payload.complaint_id)


async def fire(complaint_id: str, data: dict[str, Any], ports: NotifierPorts, now: datetime) -> None:
    task = await ports.tasks.get(str(data.get("task_id"))) or {}
    if task.get("cadence_stopped") or not data:
        await ports.delivery.timers.clear("progress", complaint_id)
        return
    n = int(data.get("n", 0)) + 1
    opened = datetime.fromisoformat(str(data["opened_at"]))
    params = {"estate": str(data["estate_id"]), "days_open": str(max(1, round((now - opened).total_seconds() / 86400)))}
    await send_intent(
        ports,
        Intent(Recipient("owner", complaint_id), "progress_cadence", params),
        cause_id=f"progress:{complaint_id}:{n}",
        cause_type="progress_cadence",
        slot="progress_cadence",
        complaint_id=complaint_id,
        estate_id=str(data["estate_id"]),
        correlation_id=f"progress:{complaint_id}",
        now=now,
    )
    _, every = await _rhythm(ports, str(data["estate_id"]))
    await ports.delivery.timers.set("progress", complaint_id, now + timedelta(hours=every), {**data, "n": n})
