"""Issue #10 "idempotent handling of every redelivered event": each event dispatch consumes, handled a
second time (the same envelope, as at-least-once delivery may), changes no task and emits nothing."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from dispatch_fakes import NOW, FakeRepo, FakeRouter, received, triaged
from test_coordination import declared, survey
from test_sheets import withdrawal

from pm_common.events import EVENT_TYPES, Envelope, new_event
from pm_common.events.notify import ReturnVisitRecorded
from pm_common.events.payloads import GroupIncidentResolved
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.events.task_lifecycle import TaskResolved
from pm_common.kafka.acls import SUBSCRIPTIONS
from pm_dispatch.bootstrap import RETURN_VISIT
from pm_dispatch.service_layer import coordination, feedback, incident_close, sheets, subjects

pytestmark = pytest.mark.unit
Step = Callable[[], Awaitable[Any]]


async def twice(repo: FakeRepo, name: str, step: Step, seen: set[str]) -> None:
    """Run ``step`` (the first delivery), then again (the redelivery): nothing may change."""
    await step()
    docs, events = copy.deepcopy(repo.docs), len(repo.events)
    await step()
    assert repo.docs == docs, f"{name}: a redelivery changed a task"
    assert len(repo.events) == events, f"{name}: a redelivery emitted {repo.types(events)}"
    seen.add(name)


def _last(repo: FakeRepo, topic: str, subject: str) -> Envelope:
    return [e for e in repo.events if e.type == topic and e.subject == subject][-1]


async def test_every_consumed_event_is_idempotent_under_redelivery() -> None:
    repo, router, seen = FakeRepo(), FakeRouter(), set[str]()
    for cid in ("a", "b", "c1"):
        r = received(cid)
        await twice(repo, "complaint.received", lambda r=r: sheets.on_received(*r, repo, NOW), seen)
        t = triaged(cid, category="engineering")
        await twice(repo, "complaint.triaged", lambda t=t: sheets.on_triaged(*t, repo, router, NOW, None), seen)
    inc = declared().model_copy(update={"complaint_ids": ("a", "b")})
    denv = new_event(inc, source="pm/triage", estate_id="SUNNY")
    await twice(
        repo, "incident.declared", lambda: coordination.on_incident_declared(denv, inc, repo, router, NOW), seen
    )
    done = GroupIncidentResolved(
        incident_id="INC-1", estate_id="SUNNY", complaint_ids=("a", "b"), answer_zh="已修复", resolved_by="sup-1",
        resolved_at=NOW,
    )  # fmt: skip
    renv = new_event(done, source="pm/triage", estate_id="SUNNY")
    await twice(repo, "incident.resolved", lambda: coordination.on_incident_resolved(renv, done, repo, NOW), seen)
    own = _last(repo, "task.resolved", "T-a")
    resolved = TaskResolved.model_validate(own.data)
    await twice(repo, "task.resolved", lambda: coordination.on_task_resolved(own, resolved, repo, NOW), seen)
    s = survey("a", True)
    await twice(repo, "survey.answered", lambda: feedback.on_survey(*s, repo, router, NOW), seen)
    satisfied = ReturnVisitRecorded(complaint_id="a", estate_id="SUNNY", outcome="satisfied", at=NOW)
    senv = new_event(satisfied, source="pm/notifier", estate_id="SUNNY")
    await twice(repo, RETURN_VISIT, lambda: feedback.on_return_visit(senv, satisfied, repo, router, NOW), seen)
    closed_a = _last(repo, "task.closed", "T-a")
    await twice(repo, "task.closed", lambda: incident_close.on_child_over(closed_a, "T-a", repo, NOW), seen)
    visit = ReturnVisitRecorded(complaint_id="b", estate_id="SUNNY", outcome="no_response", at=NOW)
    venv = new_event(visit, source="pm/notifier", estate_id="SUNNY")
    await twice(repo, RETURN_VISIT, lambda: feedback.on_return_visit(venv, visit, repo, router, NOW), seen)
    closed_b = _last(repo, "task.closed", "T-b")
    await twice(repo, "task.closed", lambda: incident_close.on_child_over(closed_b, "T-b", repo, NOW), seen)
    assert (await repo.get("T-INC-1")).status == "closed"  # type: ignore[union-attr]  # the last child closed it
    sc = ComplaintSubjectsChanged(
        complaint_id="c1", estate_id="SUNNY", subject_staff_ids=("sup-9",), revision=1, changed_at=NOW
    )
    scenv = new_event(sc, source="pm/intake", estate_id="SUNNY")
    await twice(
        repo, "complaint.subjects_changed", lambda: subjects.on_subjects_changed(scenv, sc, repo, router, NOW), seen
    )
    w = withdrawal("c1")
    await twice(repo, "complaint.withdrawn", lambda: sheets.on_withdrawn(*w, repo, NOW), seen)
    cancelled = _last(repo, "task.cancelled", "T-c1")
    await twice(repo, "task.cancelled", lambda: incident_close.on_child_over(cancelled, "T-c1", repo, NOW), seen)
    # every event type dispatch subscribes to (and that is registered) was redelivered above
    # (org.changed and complaint.supplemented are granted to dispatch but not consumed by it yet)
    consumed = {t for t in SUBSCRIPTIONS["dispatch"] if t in EVENT_TYPES} - {"org.changed", "complaint.supplemented"}
    assert consumed <= seen, consumed - seen
