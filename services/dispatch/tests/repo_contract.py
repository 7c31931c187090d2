"""The repository contract: one suite, run against the in-memory fake (unit) and MongoDB / FerretDB
(integration). Every port method's promise is checked here, nowhere else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from dispatch_fakes import NOW

from pm_dispatch.domain import actions
from pm_dispatch.domain.assignment import Assignee
from pm_dispatch.domain.task import Task
from pm_dispatch.service_layer.ports import TaskRepository

WHO = Assignee(kind="person", department="engineering", person_id="h-1", reason="rule")
Events = Callable[[str], Awaitable[list[str]]]  # the event types written with a task, in order


def new_task(task_id: str = "T-c1") -> Task:
    task = Task(
        id=task_id, complaint_id="c1", estate_id="SUNNY", category="engineering", created_at=NOW, content="漏水"
    )
    actions.assign(task, WHO, "pm/dispatch", NOW, reassigned=False)
    return task


async def adds_once_with_its_events(repo: TaskRepository, events: Events) -> None:
    task = new_task()
    assert await repo.add(task)
    assert task.pending == [] and task.version == 0
    assert not await repo.add(new_task())  # the same id again: a redelivery or a race
    stored = await repo.get("T-c1")
    assert stored is not None and stored.content == "漏水" and stored.assignee and stored.assignee.person_id == "h-1"
    assert stored.work_log[0].action == "assigned" and stored.version == 0
    assert await events("T-c1") == ["task.assigned"]
    assert await repo.get("T-missing") is None


async def saves_at_its_version_and_refuses_a_stale_copy(repo: TaskRepository, events: Events) -> None:
    await repo.add(new_task())
    first, stale = await repo.get("T-c1"), await repo.get("T-c1")
    assert first is not None and stale is not None
    actions.accept(first, "h-1", NOW)
    assert await repo.save(first) and first.version == 1 and first.pending == []
    actions.accept(stale, "h-1", NOW)  # decided on the old state
    assert not await repo.save(stale)
    stored = await repo.get("T-c1")
    assert stored is not None and stored.status == "accepted" and stored.version == 1
    assert await events("T-c1") == ["task.assigned", "task.accepted"]


async def round_trips_every_part(repo: TaskRepository, events: Events) -> None:
    from datetime import timedelta

    from pm_dispatch.domain import control
    from pm_dispatch.domain.task import PlanStep

    task = new_task()
    await repo.add(task)
    actions.accept(task, "h-1", NOW)
    actions.check_in(task, "h-1", NOW, ["ev-1"])
    control.submit_plan(task, "h-1", NOW, [PlanStep(description="换管", owner="h-1", due=NOW + timedelta(days=3))])
    control.add_note(task, "h-1", NOW, kind="staff_statement", text_zh="陈述", text_en=None, subject_staff_id="g-1")
    control.pause(task, "h-1", NOW, "parts", "等配件")
    assert await repo.save(task)
    stored = await repo.get("T-c1")
    assert stored is not None
    dumped: dict[str, Any] = stored.model_dump(exclude={"version", "pending"})
    assert dumped == task.model_dump(exclude={"version", "pending"})
    assert stored.open_pause is not None and stored.plan and stored.plan.steps[0].description == "换管"
    assert (await events("T-c1"))[-3:] == ["task.on_site", "task.plan_submitted", "task.paused"]


SUITE = [adds_once_with_its_events, saves_at_its_version_and_refuses_a_stale_copy, round_trips_every_part]
