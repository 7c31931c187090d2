"""Survey and return visit (回访): start a round on verification, record the answer, the visit or
the silence, and announce ``survey.answered`` / ``return_visit.recorded`` in the same write."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pm_common import topics
from pm_common.calendar import add_working_days
from pm_common.events import Envelope, SurveyAnswered, new_event
from pm_common.events.notify import ReturnVisitRecorded
from pm_common.org import on_duty
from pm_notifier.domain import followup as rules
from pm_notifier.domain.model import Intent, Recipient
from pm_notifier.service_layer.context import NotifierPorts, send_intent

SOURCE = "pm/notifier"


def _policy(ports: NotifierPorts, estate: dict[str, Any]) -> rules.SamplingPolicy:
    s = ports.settings
    defaults = rules.SamplingPolicy(s.return_visit_rate, s.return_visit_working_days, s.survey_no_response_days)
    return rules.SamplingPolicy.from_doc(estate.get("followup"), defaults)


async def start(envelope: Envelope, complaint_id: str, task_id: str, ports: NotifierPorts, now: datetime) -> None:
    doc = await ports.followups.get(complaint_id)
    if rules.needs_new_round(doc, envelope.id):
        estate = await ports.delivery.estates.get(envelope.estateid) or {}
        task = await ports.tasks.get(task_id) or {}
        policy = _policy(ports, estate)
        tz = str(estate.get("timezone") or ports.delivery.default_tz)
        rounds = list((doc or {}).get("rounds", []))
        number = len(rounds) + 1
        is_sampled = rules.sampled(complaint_id, number, policy.rate_for(task.get("category")))
        visit_due = add_working_days(now, policy.working_days, tz).due
        rnd = rules.new_round(
            number, envelope.id, task_id, now, is_sampled, visit_due, now + timedelta(days=policy.no_response_days)
        )
        if doc is None:
            base = {"_id": complaint_id, "estate_id": envelope.estateid, "correlation_id": envelope.correlationid}
            if not await ports.followups.insert({**base, "rounds": [rnd]}):
                return await start(envelope, complaint_id, task_id, ports, now)
        else:
            await ports.followups.put(complaint_id, {"rounds": [*rounds, rnd]})
        await ports.delivery.timers.set("no_response", complaint_id, rnd["no_response_at"])
        doc = await ports.followups.get(complaint_id)
    if doc is None:
        return
    rounds: list[dict[str, Any]] = doc.get("rounds", [])
    mine = [r for r in rounds if r["cause_event_id"] == envelope.id]
    if mine and mine[0].get("outcome") is None:
        await _announce(doc, mine[0], ports, now)


async def _announce(doc: dict[str, Any], rnd: dict[str, Any], ports: NotifierPorts, now: datetime) -> None:
    """The survey invitation to the owner and, when sampled, the return-visit task to customer service
    on duty (idempotent: keyed by the round's cause event)."""
    complaint_id, estate_id = doc["_id"], doc["estate_id"]
    expires = int(rnd["no_response_at"].timestamp()) + 86400
    token = ports.links.sign("survey", complaint_id, str(rnd["round"]), expires)
    common = {
        "cause_id": rnd["cause_event_id"],
        "cause_type": topics.TASK_VERIFIED,
        "complaint_id": complaint_id,
        "estate_id": estate_id,
        "correlation_id": doc.get("correlation_id") or complaint_id,
        "now": now,
    }
    params = {"estate": estate_id, "survey_link": f"{ports.settings.public_url}/h5/survey/{token}"}
    await send_intent(
        ports, Intent(Recipient("owner", complaint_id), "survey_invitation", params), slot="survey_invitation", **common
    )
    if rnd.get("sampled"):
        snapshot = await ports.rosters.get(estate_id)
        people = [p.person_id for p in on_duty(snapshot, "customer_service", now)] if snapshot else []
        task_params = {"reference": complaint_id[:12], "due_at": rnd["visit_due_at"].isoformat()}
        for person in people[:1]:
            intent = Intent(Recipient("staff", person, "customer_service"), "return_visit_task", task_params)
            await send_intent(ports, intent, slot="return_visit_task", **common)


def visit_event(doc: dict[str, Any], rnd: dict[str, Any], now: datetime) -> Envelope:
    payload = ReturnVisitRecorded(
        complaint_id=doc["_id"],
        estate_id=doc["estate_id"],
        task_id=rnd.get("task_id"),
        outcome=rnd["outcome"],
        note=rnd.get("note") or "",
        at=now,
    )
    return _event(payload, doc, now)


def _event(payload: Any, doc: dict[str, Any], now: datetime) -> Envelope:
    event = new_event(payload, source=SOURCE, estate_id=doc["estate_id"], now=now)
    return event.model_copy(update={"correlationid": doc.get("correlation_id") or event.correlationid})


async def answer(
    complaint_id: str, round_no: int, score: int, comment: str | None, via: str, ports: NotifierPorts, now: datetime
) -> dict[str, Any]:
    """The owner's survey answer (H5 link or SMS reply): once per round."""
    rules.check_score(score)
    doc = await ports.followups.get(complaint_id)
    if doc is None:
        raise rules.FollowupNotFound()
    rounds = list(doc["rounds"])
    rnd = dict(rounds[-1])
    if rnd["round"] != round_no or rnd.get("survey") is not None:
        raise rules.AlreadyRecorded()
    rnd["survey"] = {"score": score, "comment": comment, "via": via, "at": now}
    answered = SurveyAnswered(
        complaint_id=complaint_id,
        estate_id=doc["estate_id"],
        score=score,
        satisfied=rules.satisfied(score),
        comment=comment,
        answered_at=now,
    )
    events = [_event(answered, doc, now)]
    outcome = rules.outcome_from_survey(rnd, score) if rnd.get("outcome") is None else None
    if outcome is not None:
        rnd.update(outcome=outcome, note=comment or "", recorded_by="survey", recorded_at=now)
        events.append(visit_event(doc, rnd, now))
    rounds[-1] = rnd
    await ports.followups.put(complaint_id, {"rounds": rounds}, *events)
    if outcome is not None:
        await ports.delivery.timers.clear("no_response", complaint_id)
    return rnd


async def record_visit(
    complaint_id: str, outcome: rules.Outcome, note: str, by: str, ports: NotifierPorts, now: datetime
) -> dict[str, Any]:
    """Customer service records the return visit's outcome (once per round)."""
    doc = await ports.followups.get(complaint_id)
    if doc is None:
        raise rules.FollowupNotFound()
    rounds = list(doc["rounds"])
    rnd = dict(rounds[-1])
    rules.check_open(rnd)
    rnd.update(outcome=outcome, note=note, recorded_by=by, recorded_at=now)
    rounds[-1] = rnd
    await ports.followups.put(complaint_id, {"rounds": rounds}, visit_event(doc, rnd, now))
    await ports.delivery.timers.clear("no_response", complaint_id)
    return rnd


async def no_response(complaint_id: str, ports: NotifierPorts, now: datetime) -> bool:
    """The round's no-response deadline passed without an outcome: record ``no_response``."""
    doc = await ports.followups.get(complaint_id)
    if doc is None or not doc.get("rounds"):
        await ports.delivery.timers.clear("no_response", complaint_id)
        return False
    rounds = list(doc["rounds"])
    rnd = dict(rounds[-1])
    if rnd.get("outcome") is not None:
        await ports.delivery.timers.clear("no_response", complaint_id)
        return False
    if now < rnd["no_response_at"]:
        await ports.delivery.timers.set("no_response", complaint_id, rnd["no_response_at"])
        return False
    rnd.update(outcome="no_response", recorded_by="timer", recorded_at=now)
    rounds[-1] = rnd
    await ports.followups.put(complaint_id, {"rounds": rounds}, visit_event(doc, rnd, now))
    await ports.delivery.timers.clear("no_response", complaint_id)
    return True
