"""The events a step emits are exactly what their payload models write (strict writer), read back by
the tolerant reader as the current version, with deterministic ids and the clock's cause."""

from __future__ import annotations

from datetime import timedelta

import pytest
from facts_kit import CAL, assigned, local, task_clocks

from pm_common import topics
from pm_common.events import Envelope, TaskOverdue, TaskSlaWarning, parse_payload
from pm_common.sla import SlaPolicy
from pm_sla_monitor.domain.steps import StepPlan
from pm_sla_monitor.service_layer.emit import step_event

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("index", "model"), [(0, TaskSlaWarning), (3, TaskOverdue), (9, TaskOverdue)])
def test_step_events_round_trip_through_their_models(index: int, model: type) -> None:
    plan = StepPlan(SlaPolicy(), CAL)
    clock = task_clocks(assigned(local(2026, 12, 2, 0, 0), urgency="general", person_id="h-1"))["resolve"]
    step = plan.step(clock, index)
    now = step.at + timedelta(minutes=1)
    firing = step_event(clock, step, [1], plan, None, now)
    envelope = Envelope.read(firing.value)
    payload = parse_payload(envelope)
    assert isinstance(payload, model) and payload.model_dump(mode="json") == envelope.data
    assert model.model_validate(envelope.data).model_dump(mode="json") == envelope.data
    assert envelope.id == firing.event_id and envelope.subject == "T-1" and envelope.causationid == clock.cause_id
    assert firing.topic == (topics.TASK_SLA_WARNING if index == 0 else topics.TASK_OVERDUE)
    again = step_event(clock, step, [1], plan, None, now)
    assert again.event_id == firing.event_id and again.key == firing.key  # every retry carries the same id
