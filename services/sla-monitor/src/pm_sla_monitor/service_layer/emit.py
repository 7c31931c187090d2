"""The events a step emits: ``task.sla_warning`` before the deadline, ``task.overdue`` v2 after it.

Event ids are deterministic (uuid5 of the step key), so every retry of one step carries the same
id; correlation and causation ids come from the event that started or last changed the clock.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL

from pydantic_core import to_json

from pm_common import topics
from pm_common.events.envelope import schema_urn
from pm_common.events.registry import EVENT_TYPES
from pm_common.org import OrgSnapshot
from pm_sla_monitor.domain.clocks import Clock
from pm_sla_monitor.domain.recipients import resolve
from pm_sla_monitor.domain.steps import Firing, Step, StepPlan

SOURCE = "pm/sla-monitor"


_NAMESPACE = NAMESPACE_URL.bytes


def event_id_of(key: str) -> str:
    """``uuid5(NAMESPACE_URL, "urn:pm:sla:<key>").hex``, without building ``UUID`` objects (hot path)."""
    raw = bytearray(hashlib.sha1(_NAMESPACE + f"urn:pm:sla:{key}".encode()).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50
    raw[8] = (raw[8] & 0x3F) | 0x80
    return raw.hex()


def _iso(moment: datetime) -> str:
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


class Stamp:
    """One instant's ISO text, written once for every event of a batch."""

    __slots__ = ("iso", "moment")

    def __init__(self, moment: datetime) -> None:
        self.moment, self.iso = moment, _iso(moment)


_SCHEMAS = {topic: (version, schema_urn(topic, version)) for topic, (version, _) in EVENT_TYPES.items()}


def step_event(
    clock: Clock,
    step: Step,
    folded: list[int],
    plan: StepPlan,
    snapshot: OrgSnapshot | None,
    now: datetime | Stamp,
    memo: dict[Any, list[str]] | None = None,
) -> Firing:
    """The step's event. The payload is built as the JSON its model (``TaskSlaWarning`` /
    ``TaskOverdue`` v2) would serialise — on the hot path of a burst, without a validation round
    trip; ``test_emit.py`` checks it validates and round-trips through the model unchanged."""
    stamp = now if isinstance(now, Stamp) else Stamp(now)
    at, now = stamp.iso, stamp.moment
    key = step.key(clock)
    people = resolve(step.roles, clock.person_id, snapshot, now, plan.calendar, memo)
    data: dict[str, Any] = {"task_id": clock.item_id, "complaint_id": clock.complaint_id, "estate_id": clock.estate_id}
    if step.fraction is not None:
        topic = topics.TASK_SLA_WARNING
        data |= {
            "actor_id": "sla-monitor",
            "at": at,
            "item": clock.item,
            "stage": clock.stage,
            "deadline": _iso(clock.due_at),
            "fraction": step.fraction,
            "recipients": people,
            "assignee_person_id": clock.person_id,
        }
    else:
        topic = topics.TASK_OVERDUE
        due = _iso(clock.due_at)
        data |= {
            "due_at": due,
            "overdue_at": at,
            "escalation_level": min(step.level, 4),
            "escalate_to": plan.ladder(clock).label(step.level),
            "actor_id": "sla-monitor",
            "at": at,
            "item": clock.item,
            "stage": clock.stage,
            "deadline": due,
            "late_seconds": max((now - clock.due_at).total_seconds(), 0.0),
            "assignee_person_id": clock.person_id,
            "recipients": people,
            "recipient_roles": list(step.roles),
            "level": step.level,
            "repeat": step.repeat,
            "scheduled_at": _iso(step.at),
            "caught_up_levels": folded,
        }
    return envelope(topic, data, clock, key, stamp)


def envelope(topic: str, data: dict[str, Any], clock: Clock, key: str, now: datetime | Stamp) -> Firing:
    """The CloudEvent serialised once, as ``Envelope.to_json`` writes it (absent attributes left out)."""
    version, urn = _SCHEMAS[topic]
    event_id = event_id_of(key)
    attributes = {
        "specversion": "1.0",
        "id": event_id,
        "source": SOURCE,
        "type": topic,
        "time": now.iso if isinstance(now, Stamp) else _iso(now),
        "subject": clock.item_id,
        "datacontenttype": "application/json",
        "dataschema": urn,
        "schemaversion": version,
        "correlationid": clock.correlation_id or event_id_of(clock.key),
        "causationid": clock.cause_id,
        "estateid": clock.estate_id,
        "complaintid": clock.complaint_id,
        "data": data,
    }
    value = to_json({k: v for k, v in attributes.items() if v is not None}).decode()
    return Firing(key, topic, event_id, clock.item_id, value)
