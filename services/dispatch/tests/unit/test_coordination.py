"""Sub-tasks under a coordinator, group incidents as parent tasks, and the feedback step."""

from __future__ import annotations

import pytest
from dispatch_fakes import NOW, FakeRepo, FakeRouter, triaged
from pydantic import BaseModel

from pm_common.events import Envelope, SurveyAnswered, new_event
from pm_common.events.notify import ReturnVisitRecorded
from pm_common.events.payloads import GroupIncidentDeclared, GroupIncidentResolved
from pm_common.events.task_lifecycle import TaskResolved
from pm_dispatch.domain.access import Actor
from pm_dispatch.domain.errors import RuleViolated
from pm_dispatch.service_layer import coordination, feedback, handling, sheets

pytestmark = pytest.mark.unit
SUP = Actor("sup-1", "supervisor", ("SUNNY",))


async def resolve_sub(repo: FakeRepo, sid: str, summary: str) -> None:
    await handling.accept(repo, SUP, sid, NOW)
    await handling.resolve(
        repo, SUP, sid, mode="rectification", summary=summary, evidence=[], confirmation=None, now=NOW
    )


async def test_the_complaint_is_resolved_when_all_its_subtasks_are() -> None:
    repo, router = FakeRepo(), FakeRouter()
    await sheets.on_triaged(*triaged(category="customer_service"), repo, router, NOW, None)
    one = await coordination.add_subtask(
        repo,
        router,
        SUP,
        "T-c1",
        category="cleaning_greening",
        requirements="清理",
        manual=None,
        coordinator_id="cs-1",
        now=NOW,
    )
    two = await coordination.add_subtask(
        repo,
        router,
        SUP,
        "T-c1",
        category="security_order",
        requirements="查监控",
        manual=None,
        coordinator_id=None,
        now=NOW,
    )
    assert (one.id, two.id) == ("T-c1-1", "T-c1-2") and one.parent_task_id == "T-c1" and one.kind == "sub"
    main = await repo.get("T-c1")
    assert main and main.coordinator_id == "cs-1" and main.subtask_ids == ["T-c1-1", "T-c1-2"]
    assert repo.events[-1].data["parent_task_id"] == "T-c1"
    await handling.consult(
        repo, SUP, "T-c1", ["cleaning_greening", "security_order"], "分工会商", "保洁清理、保安查监控", NOW
    )
    await handling.accept(repo, SUP, "T-c1", NOW)
    with pytest.raises(RuleViolated):
        await handling.resolve(
            repo, SUP, "T-c1", mode="coordination", summary="x", evidence=[], confirmation=None, now=NOW
        )
    await resolve_sub(repo, "T-c1-1", "已清理")
    sub1 = await repo.get("T-c1-1")
    assert sub1 and await coordination.propagate(repo, sub1, NOW) == []  # one still open
    await resolve_sub(repo, "T-c1-2", "已调取监控")
    sub2 = await repo.get("T-c1-2")
    assert sub2 and await coordination.propagate(repo, sub2, NOW) == ["T-c1"]
    main = await repo.get("T-c1")
    assert main and main.status == "resolved" and main.resolution and "已调取监控" in main.resolution.result_summary
    assert main.consultations[0].decision == "保洁清理、保安查监控"
    assert await coordination.propagate(repo, sub2, NOW) == []  # again: nothing new


def declared() -> GroupIncidentDeclared:
    return GroupIncidentDeclared(
        incident_id="INC-1",
        estate_id="SUNNY",
        fault_key="SUNNY|3号楼/电梯|engineering",
        place="3号楼/电梯",
        category="engineering",
        window_start=NOW,
        window_end=NOW,
        threshold=3,
        complaint_ids=("a", "b", "c"),
        declared_at=NOW,
    )


async def test_resolving_the_incident_parent_resolves_its_children_once() -> None:
    repo, router = FakeRepo(), FakeRouter()
    for cid in ("a", "b"):
        await sheets.on_triaged(*triaged(cid, category="engineering"), repo, router, NOW, None)
    await sheets.on_triaged(*triaged("c", category="engineering", incident_id="INC-1"), repo, router, NOW, None)
    env = new_event(declared(), source="pm/triage", estate_id="SUNNY")
    parent = await coordination.on_incident_declared(env, declared(), repo, router, NOW)
    await coordination.on_incident_declared(env, declared(), repo, router, NOW)  # redelivery
    assert parent.id == "T-INC-1" and parent.kind == "incident" and parent.child_task_ids == ["T-a", "T-b", "T-c"]
    assert [(await repo.get(t)).parent_task_id for t in ("T-a", "T-b", "T-c")] == ["T-INC-1"] * 3  # type: ignore[union-attr]
    assert repo.types().count("task.assigned") == 4
    await handling.accept(repo, SUP, "T-b", NOW)
    await handling.check_in(repo, SUP, "T-b", [], NOW)
    await handling.resolve(
        repo, SUP, "T-b", mode="rectification", summary="单独处理", evidence=[], confirmation="S", now=NOW
    )

    resolved = GroupIncidentResolved(
        incident_id="INC-1",
        estate_id="SUNNY",
        complaint_ids=("a", "b", "c"),
        answer_zh="已更换主板",
        resolved_by="sup-1",
        resolved_at=NOW,
    )
    renv = new_event(resolved, source="pm/triage", estate_id="SUNNY")
    before = len(repo.events)
    await coordination.on_incident_resolved(renv, resolved, repo, NOW)
    await coordination.on_incident_resolved(renv, resolved, repo, NOW)  # redelivery
    closing = repo.events[before:]
    assert [(e.type, e.subject) for e in closing] == [
        ("task.resolved", "T-INC-1"),
        ("task.resolved", "T-a"),
        ("task.resolved", "T-c"),
    ]
    assert all(e.data["result_summary"] == "已更换主板" for e in closing)
    assert closing[1].data["resolved_with_task_id"] == "T-INC-1"
    # dispatch's own task.resolved of the parent, redelivered: nothing new
    payload = TaskResolved.model_validate(closing[0].data)
    await coordination.on_task_resolved(closing[0], payload, repo, NOW)
    assert len(repo.events) == before + 3
    b = await repo.get("T-b")
    assert b and b.resolution and b.resolution.result_summary == "单独处理"


def survey(cid: str, satisfied: bool) -> tuple:  # type: ignore[type-arg]
    payload = SurveyAnswered(
        complaint_id=cid,
        estate_id="SUNNY",
        score=5 if satisfied else 1,
        satisfied=satisfied,
        comment="还是漏",
        answered_at=NOW,
    )
    return new_event(payload, source="pm/notifier", estate_id="SUNNY"), payload


def visit(cid: str, outcome: str) -> tuple:  # type: ignore[type-arg]
    payload = ReturnVisitRecorded(complaint_id=cid, estate_id="SUNNY", outcome=outcome, at=NOW)  # type: ignore[arg-type]
    return new_event(payload, source="pm/notifier", estate_id="SUNNY"), payload


async def test_feedback_closes_or_reopens_and_redelivery_is_idempotent() -> None:
    repo, router = FakeRepo(), FakeRouter()
    for cid in ("x", "y"):
        await sheets.on_triaged(*triaged(cid), repo, router, NOW, None)
        tid = f"T-{cid}"
        await handling.accept(repo, SUP, tid, NOW)
        await handling.resolve(
            repo, SUP, tid, mode="explanation", summary="已说明", evidence=[], confirmation=None, now=NOW
        )
    env, payload = survey("x", True)
    await feedback.on_survey(env, payload, repo, router, NOW)
    await feedback.on_survey(env, payload, repo, router, NOW)
    x = await repo.get("T-x")  # satisfied: logged once; the return visit decides the round
    assert x and x.status == "resolved" and [e.action for e in x.work_log].count("survey_answered") == 1
    assert repo.types().count("task.closed") == 0
    venv, recorded = visit("x", "satisfied")
    await feedback.on_return_visit(venv, recorded, repo, router, NOW)
    await feedback.on_return_visit(venv, recorded, repo, router, NOW)
    x = await repo.get("T-x")
    assert x and x.status == "closed" and x.closed_outcome == "satisfied"
    assert repo.types().count("task.closed") == 1
    env, payload = survey("y", False)
    await feedback.on_survey(env, payload, repo, router, NOW)
    await feedback.on_survey(env, payload, repo, router, NOW)
    y = await repo.get("T-y")
    assert y and y.status == "assigned" and y.reopen_count == 1
    assert repo.types()[-2:] == ["task.reopened", "task.assigned"]


class ReturnVisit(BaseModel):  # the shape PLAN.md fixes for the notifier's return_visit.recorded
    complaint_id: str
    estate_id: str
    task_id: str | None = None
    outcome: str
    note: str = ""


def visit_event(cid: str) -> Envelope:
    answered = SurveyAnswered(complaint_id=cid, estate_id="SUNNY", score=3, satisfied=True, answered_at=NOW)
    return new_event(answered, source="t", estate_id="SUNNY")  # any envelope: only its id is kept


async def test_return_visit_outcomes_and_late_incident_children() -> None:
    repo, router = FakeRepo(), FakeRouter()
    for cid in ("p", "q"):
        await sheets.on_triaged(*triaged(cid), repo, router, NOW, None)
        await handling.accept(repo, SUP, f"T-{cid}", NOW)
        await handling.resolve(
            repo, SUP, f"T-{cid}", mode="explanation", summary="已说明", evidence=[], confirmation=None, now=NOW
        )
    silent = ReturnVisit(complaint_id="p", estate_id="SUNNY", outcome="no_response")
    closed = await feedback.on_return_visit(visit_event("p"), silent, repo, router, NOW)
    assert closed and closed.status == "closed" and closed.closed_outcome == "no_response"
    unhappy = ReturnVisit(complaint_id="q", estate_id="SUNNY", outcome="dissatisfied", note="还漏")
    reopened = await feedback.on_return_visit(visit_event("q"), unhappy, repo, router, NOW)
    assert reopened and reopened.status == "assigned" and reopened.reopen_count == 1
    with pytest.raises(ValueError):
        odd = ReturnVisit(complaint_id="q", estate_id="SUNNY", outcome="meh")
        await feedback.on_return_visit(visit_event("q"), odd, repo, router, NOW)
    # a complaint joining a declared incident late becomes a child of the parent
    await coordination.on_incident_declared(visit_event("x"), declared(), repo, router, NOW)
    await sheets.on_triaged(*triaged("late", category="engineering", incident_id="INC-1"), repo, router, NOW, None)
    parent = await repo.get("T-INC-1")
    assert parent and "T-late" in parent.child_task_ids
