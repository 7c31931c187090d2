"""Row-level rules on top of the permission table: who may act on, and who may see, one task."""

from __future__ import annotations

from dataclasses import dataclass

from pm_common.subjects import is_subject
from pm_dispatch.domain.errors import NotPermitted, RuleViolated
from pm_dispatch.domain.task import Task

MANAGERS = frozenset({"supervisor", "project_manager"})  # admin: the organisation only, no task
OWN_TASKS_ONLY = frozenset({"handler", "contractor"})


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    role: str
    estates: tuple[str, ...]

    def serves(self, estate_id: str) -> bool:
        return "*" in self.estates or estate_id in self.estates

    @property
    def manages(self) -> bool:
        return self.role in MANAGERS


def may_see(actor: Actor, task: Task) -> bool:
    if not actor.serves(task.estate_id) or is_subject(actor.id, task.subject_staff_ids):  # 被投诉人: 404
        return False
    if actor.role in OWN_TASKS_ONLY:
        return task.assignee is not None and task.assignee.is_actor(actor.id)
    return True


def reachable(actor: Actor, task: Task) -> bool:
    """May ``actor`` act on ``task`` at all (else 404): its estate, and not a staff member it is about."""
    return actor.serves(task.estate_id) and not is_subject(actor.id, task.subject_staff_ids)


def require_handler(actor: Actor, task: Task) -> None:
    """Only the assignee, or a supervisor / project manager of the estate, works on the task."""
    if actor.manages and actor.serves(task.estate_id):
        return
    if actor.serves(task.estate_id) and task.assignee is not None and task.assignee.is_actor(actor.id):
        return
    raise NotPermitted(
        "只有该任务单的承办人或本项目主管 / 项目经理可以执行此操作",
        "only the task's assignee or a supervisor / project manager of the estate may do this",
    )


def require_estate(actor: Actor, task: Task) -> None:
    if not actor.serves(task.estate_id):
        raise NotPermitted("无权访问该项目（小区）的数据", "no access to this estate")


def check_not_subject(task: Task, person_id: str | None, contractor_id: str | None = None) -> None:
    """A supervisor's named assignee may not be one of the staff the complaint is about (被投诉人)."""
    if {x for x in (person_id, contractor_id) if x} & set(task.subject_staff_ids):
        raise RuleViolated(
            "subject_may_not_handle",
            "被投诉人不能承办关于自己的投诉，请另选承办人",
            "a staff member the complaint is about may not handle it; choose another assignee",
        )
