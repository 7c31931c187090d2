"""A dissatisfied owner (回访不满意): dispatch reopens the task; here the item is escalated to the
supervisor on duty and a supervisor's visit in person is scheduled (DOMAIN §9: "still dissatisfied →
continue handling, a supervisor visits in person").

On ``task.reopened`` of a complaint that has a follow-up round: the round, if still open (a sampled
round whose survey said "dissatisfied" before customer service called), is recorded ``dissatisfied``;
the visit (``supervisor_visit``: who, due when) is stored in the same write, then the supervisor gets
``supervisor_visit``. A redelivered event finds the visit stored (in whichever round) and re-sends under
the same delivery id, so the supervisor is told once; a late copy never touches a later round. The
next ``task.verified`` starts the next round (survey again)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pm_common import topics
from pm_common.calendar import add_working_days
from pm_common.events import Envelope
from pm_common.events.task_lifecycle import TaskReopened
from pm_common.org import on_duty
from pm_notifier.domain.model import Intent, Recipient
from pm_notifier.service_layer.context import NotifierPorts, send_intent
from pm_notifier.service_layer.followup import visit_event

SUPERVISOR = "supervisor"


async def on_reopened(envelope: Envelope, reopened: TaskReopened, ports: NotifierPorts, now: datetime) -> None:
    doc = await ports.followups.get(reopened.complaint_id)
    if doc is None or not doc.get("rounds"):  # reopened before any survey: nothing was asked of the owner
        return
    rounds = list(doc["rounds"])
    rnd = dict(rounds[-1])
    mine = [
        r["supervisor_visit"] for r in rounds if (r.get("supervisor_visit") or {}).get("cause_event_id") == envelope.id
    ]
    visit = mine[0] if mine else rnd.get("supervisor_visit")
    if visit is None and envelope.time < rnd["started_at"]:  # a late copy of a reopen before this round
        return
    if visit is None:
        visit = await _schedule(doc, envelope, reopened, ports, now)
        events: list[Envelope] = []
        if rnd.get("outcome") is None:
            rnd.update(outcome="dissatisfied", note=reopened.reason, recorded_by="reopened", recorded_at=now)
            events.append(visit_event(doc, rnd, now))
        rnd["supervisor_visit"] = visit
        rounds[-1] = rnd
        await ports.followups.put(doc["_id"], {"rounds": rounds}, *events)
        if events:
            await ports.delivery.timers.clear("no_response", doc["_id"])
    elif visit["cause_event_id"] != envelope.id:  # a later reopen of the same round: already escalated
        return
    params = {
        "estate": doc["estate_id"],
        "reference": doc["_id"][:12],
        "reason": reopened.reason,
        "due_at": visit["due_at"].isoformat(),
    }
    intent = Intent(Recipient("staff", visit["person_id"], SUPERVISOR), "supervisor_visit", params, urgent=True)
    await send_intent(
        ports,
        intent,
        cause_id=envelope.id,
        cause_type=topics.TASK_REOPENED,
        slot="supervisor_visit",
        complaint_id=doc["_id"],
        estate_id=doc["estate_id"],
        correlation_id=doc.get("correlation_id") or envelope.correlationid,
        now=now,
        caused_by=envelope.id,
    )


async def _schedule(
    doc: dict[str, Any], envelope: Envelope, reopened: TaskReopened, ports: NotifierPorts, now: datetime
) -> dict[str, Any]:
    """The supervisor on duty (else the supervisors' work queue), due within the estate's working days."""
    estate = await ports.delivery.estates.get(doc["estate_id"]) or {}
    tz = str(estate.get("timezone") or ports.delivery.default_tz)
    days = int((estate.get("followup") or {}).get("supervisor_visit_working_days", 1))
    snapshot = await ports.rosters.get(doc["estate_id"])
    people = [p.person_id for p in on_duty(snapshot, SUPERVISOR, now)] if snapshot else []
    return {
        "person_id": people[0] if people else f"role:{SUPERVISOR}",
        "due_at": add_working_days(now, days, tz).due,
        "scheduled_at": now,
        "reason": reopened.reason,
        "task_id": reopened.task_id,
        "cause_event_id": envelope.id,
    }
