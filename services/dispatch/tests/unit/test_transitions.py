"""Every action of the transition table from every status: legal ones move the task where the table
says (and emit their event), illegal ones raise ``IllegalTransition`` with a zh-CN and an en reason."""

from __future__ import annotations

from datetime import timedelta
from typing import get_args

import pytest
from dispatch_fakes import NOW

from pm_dispatch.domain import actions, control
from pm_dispatch.domain import lifecycle as lc
from pm_dispatch.domain.assignment import Assignee
from pm_dispatch.domain.errors import IllegalTransition, RuleViolated
from pm_dispatch.domain.task import AssigneeRecord, Plan, PlanStep, Status, Task, pause_record

pytestmark = pytest.mark.unit
STATUSES = get_args(Status)
WHO = Assignee(kind="person", department="engineering", person_id="h-1")
LATER = NOW + timedelta(days=10)


def task_in(status: str) -> Task:
    task = Task(id="T-c1", complaint_id="c1", estate_id="SUNNY", status=status, category="engineering")
    task.assignee = AssigneeRecord.of(WHO)
    task.checked_in_at = NOW  # prerequisites met, so only the table decides
    task.deadlines.resolve_by = NOW + timedelta(days=2)
    task.plan = Plan(steps=[PlanStep(description="x", owner="o", due=LATER)], submitted_by="h-1", submitted_at=NOW)
    if status == "paused":
        task.pauses.append(pause_record("parts", None, NOW, "h-1", "in_progress"))
    return task


def run(action: str, task: Task) -> object:
    a = "h-1"
    steps = {
        "accept": lambda: actions.accept(task, a, NOW),
        "return": lambda: actions.return_task(task, a, NOW, "wrong_department", "不是我们", WHO),
        "set_appointment": lambda: actions.set_appointment(task, a, NOW, LATER),
        "check_in": lambda: actions.check_in(task, a, NOW, []),
        "start": lambda: actions.start(task, a, NOW),
        "resolve": lambda: actions.resolve(
            task, a, NOW, mode="rectification", summary="已修复", evidence=[], confirmation="SIGN-1", open_subtasks=[]
        ),
        "verify": lambda: actions.verify(task, a, NOW, None),
        "close": lambda: actions.close(task, a, NOW, "satisfied"),
        "reopen": lambda: actions.reopen(task, a, NOW, "不满意", WHO),
        "cancel": lambda: (lc.enter(task, "cancel"), actions.cancel(task, a, NOW)),
        "pause": lambda: control.pause(task, a, NOW, "parts", None),
        "resume": lambda: control.resume(task, a, NOW),
        "reassign": lambda: actions.reassign(task, a, NOW, WHO, "休假"),
        "submit_plan": lambda: control.submit_plan(task, a, NOW, [PlanStep(description="s", owner="o", due=LATER)]),
        "approve_plan": lambda: control.approve_plan(task, a, NOW),
        "request_extension": lambda: control.request_extension(task, a, NOW, "配件", LATER),
        "decide_extension": lambda: (
            control.request_extension(task, a, NOW, "配件", LATER) if task.status in lc.OPEN else None,
            control.decide_extension(task, a, NOW, 1, True, None),
        ),
        "note": lambda: control.add_note(task, a, NOW, kind="internal", text_zh="备注", text_en=None),
        "consult": lambda: control.consult(task, a, NOW, ["engineering"], "会商", "决定"),
        "add_subtask": lambda: lc.enter(task, "add_subtask"),
        "resolve_linked": lambda: (
            lc.enter(task, "resolve_linked"),
            actions.resolve_linked(task, a, NOW, with_task="T-p", mode="coordination", summary="随父任务办结"),
        ),
    }
    return steps[action]()


CASES = [(action, status) for action in lc.TRANSITIONS for status in STATUSES]


@pytest.mark.parametrize(("action", "status"), CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_every_action_from_every_status(action: str, status: str) -> None:
    sources, target, _ = lc.TRANSITIONS[action]
    task = task_in(status)
    if status not in sources:
        with pytest.raises(IllegalTransition) as refused:
            run(action, task)
        assert refused.value.zh and "不能" in refused.value.zh and "cannot" in refused.value.en
        assert task.status == status
        return
    run(action, task)
    expected = {"resume": "in_progress"}.get(action, target or status)
    assert task.status == expected
    silent = action in ("start", "consult", "add_subtask", "note") or (action, status) == ("cancel", "awaiting_triage")
    assert bool(task.pending) != silent, f"{action} from {status}: events {task.pending}"
    assert task.work_log or action == "add_subtask"


def test_illegal_transition_names_the_status_in_chinese() -> None:
    task = task_in("closed")
    with pytest.raises(IllegalTransition) as refused:
        actions.accept(task, "h-1", NOW)
    assert refused.value.zh == "任务单当前状态为「已关闭」，不能接单"
    assert refused.value.en == "cannot accept a task in status closed"


def test_check_in_is_required_for_repairs_and_urgent_items_only() -> None:
    repair = task_in("accepted")
    repair.checked_in_at = None
    with pytest.raises(RuleViolated) as refused:
        actions.resolve(
            repair, "h-1", NOW, mode="rectification", summary="好了", evidence=[], confirmation="S", open_subtasks=[]
        )
    assert refused.value.rule == "check_in_required"
    with pytest.raises(RuleViolated):
        actions.start(repair, "h-1", NOW)
    cleaning = task_in("accepted")
    cleaning.category, cleaning.checked_in_at = "cleaning_greening", None
    actions.resolve(
        cleaning, "h-1", NOW, mode="explanation", summary="已解释", evidence=[], confirmation=None, open_subtasks=[]
    )
    assert cleaning.status == "resolved"
    urgent = task_in("accepted")
    urgent.category, urgent.urgency, urgent.checked_in_at = "security_order", "urgent", None
    with pytest.raises(RuleViolated):
        actions.resolve(
            urgent, "h-1", NOW, mode="rectification", summary="x", evidence=[], confirmation=None, open_subtasks=[]
        )


def test_repairs_need_the_owner_confirmation_and_plans_an_approval() -> None:
    repair = task_in("in_progress")
    with pytest.raises(RuleViolated) as refused:
        actions.resolve(
            repair, "h-1", NOW, mode="rectification", summary="好了", evidence=[], confirmation=None, open_subtasks=[]
        )
    assert refused.value.rule == "owner_confirmation_required"
    with pytest.raises(RuleViolated) as refused:
        actions.resolve(
            repair, "h-1", NOW, mode="plan", summary="按方案", evidence=[], confirmation="S", open_subtasks=[]
        )
    assert refused.value.rule == "plan_not_approved"
    with pytest.raises(RuleViolated) as refused:
        actions.resolve(
            repair,
            "h-1",
            NOW,
            mode="coordination",
            summary="x",
            evidence=[],
            confirmation="S",
            open_subtasks=["T-c1-1"],
        )
    assert refused.value.rule == "subtasks_open"
    control.approve_plan(repair, "sup-1", NOW)
    actions.resolve(
        repair, "h-1", NOW, mode="plan", summary="按方案完成", evidence=["ev-9"], confirmation="S", open_subtasks=[]
    )
    event = repair.pending[-1]
    assert type(event).__name__ == "TaskResolved" and event.handling_mode == "plan" and event.evidence_ids == ("ev-9",)


def test_pause_resumes_where_it_was_and_reasons_are_typed() -> None:
    task = task_in("on_site")
    control.pause(task, "h-1", NOW, "owner_access", "业主不在家")
    assert task.status == "paused" and task.open_pause is not None
    control.resume(task, "h-1", NOW + timedelta(hours=1))
    assert task.status == "on_site" and task.open_pause is None and task.pauses[0].resumed_at is not None
    with pytest.raises(RuleViolated):
        control.pause(task, "h-1", NOW, "bored", None)
    assert [type(e).__name__ for e in task.pending] == ["TaskPaused", "TaskResumed"]


def test_extension_needs_a_later_date_and_one_pending_request() -> None:
    task = task_in("in_progress")
    with pytest.raises(RuleViolated):
        control.request_extension(task, "h-1", NOW, "配件", NOW + timedelta(days=1))  # earlier than resolve_by
    control.request_extension(task, "h-1", NOW, "配件需订货", LATER)
    with pytest.raises(RuleViolated):
        control.request_extension(task, "h-1", NOW, "again", LATER + timedelta(days=1))
    control.decide_extension(task, "sup-1", NOW, 1, True, None)
    assert task.deadlines.resolve_by == LATER and task.extensions[0].status == "approved"
    approved = task.pending[-1]
    assert type(approved).__name__ == "TaskExtensionApproved" and approved.reason == "配件需订货"
    control.request_extension(task, "h-1", NOW, "再延", LATER + timedelta(days=2))
    control.decide_extension(task, "sup-1", NOW, 2, False, "请先临时修复")
    assert task.deadlines.resolve_by == LATER and type(task.pending[-1]).__name__ == "TaskExtensionRejected"


def test_only_progress_notes_leave_dispatch() -> None:
    task = task_in("in_progress")
    control.add_note(task, "h-1", NOW, kind="internal", text_zh="业主情绪激动", text_en=None)
    control.add_note(
        task, "h-1", NOW, kind="staff_statement", text_zh="当班保安陈述", text_en=None, subject_staff_id="g-7"
    )
    assert task.pending == []
    control.add_note(task, "h-1", NOW, kind="progress", text_zh="配件已到，明天上门", text_en="Parts arrived")
    assert [n.visibility for n in task.notes] == ["internal", "internal", "owner"]
    assert len(task.pending) == 1 and task.pending[0].note_zh == "配件已到，明天上门"


def test_reopen_clears_the_result_and_assigns_again() -> None:
    task = task_in("closed")
    task.closed_outcome = "satisfied"
    actions.reopen(task, "pm/dispatch", NOW, "业主不满意", WHO)
    assert task.status == "assigned" and task.reopen_count == 1 and task.closed_outcome is None
    assert [type(e).__name__ for e in task.pending] == ["TaskReopened", "TaskAssigned"]
    assert task.pending[-1].reassigned is True
