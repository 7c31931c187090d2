"""The handling lifecycle as one explicit transition table, and the named rules on top of it.

``TRANSITIONS[action] = (statuses it is allowed from, status it leads to)``; ``None`` as the target
keeps the status (the action records something without moving the task). Anything not in the table
is an illegal transition (409, reason in zh-CN and en). See docs/dispatch.md for the diagram.
"""

from __future__ import annotations

from pm_dispatch.domain.errors import IllegalTransition, RuleViolated
from pm_dispatch.domain.task import Task

OPEN = frozenset({"assigned", "accepted", "on_site", "in_progress", "paused"})
WORKING = frozenset({"accepted", "on_site", "in_progress"})
DONE = frozenset({"resolved", "verified", "closed"})
TERMINAL = frozenset({"closed", "cancelled", "not_dispatched"})

STATUS_ZH = {
    "awaiting_triage": "待分类",
    "not_dispatched": "不派单",
    "assigned": "已派单",
    "accepted": "已接单",
    "on_site": "已到场",
    "in_progress": "处理中",
    "paused": "已暂停",
    "resolved": "已办结",
    "verified": "已核实",
    "closed": "已关闭",
    "cancelled": "已撤销",
}

# action -> (from statuses, to status | None = unchanged, zh name)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None, str]] = {
    "accept": (frozenset({"assigned"}), "accepted", "接单"),
    "return": (frozenset({"assigned"}), "assigned", "退单"),
    "set_appointment": (frozenset({"assigned", "accepted"}), None, "预约上门时间"),
    "check_in": (frozenset({"accepted"}), "on_site", "到场签到"),
    "start": (frozenset({"accepted", "on_site"}), "in_progress", "开始处理"),
    "resolve": (WORKING, "resolved", "办结"),
    "verify": (frozenset({"resolved"}), "verified", "核实"),
    "close": (frozenset({"resolved", "verified"}), "closed", "关闭"),
    "reopen": (DONE, "assigned", "重新处理"),
    "cancel": (OPEN | {"awaiting_triage"}, "cancelled", "撤销"),
    "pause": (WORKING, "paused", "暂停"),
    "resume": (frozenset({"paused"}), None, "恢复"),  # back to the status it was paused in
    "reassign": (OPEN, "assigned", "改派"),
    "submit_plan": (WORKING, None, "提交处理方案"),
    "approve_plan": (WORKING | {"paused"}, None, "审批处理方案"),
    "request_extension": (OPEN, None, "申请延期"),
    "decide_extension": (OPEN, None, "审批延期"),
    "note": (OPEN | DONE, None, "记录备注"),
    "consult": (OPEN, None, "记录会商"),
    "add_subtask": (OPEN, None, "拆分子任务"),
    "resolve_linked": (OPEN, "resolved", "随关联任务办结"),  # with the parent / when all sub-tasks are
}

EN = {
    "accept": "accept",
    "return": "return",
    "set_appointment": "set an appointment for",
    "check_in": "check in on",
    "start": "start",
    "resolve": "resolve",
    "verify": "verify",
    "close": "close",
    "reopen": "reopen",
    "cancel": "cancel",
    "pause": "pause",
    "resume": "resume",
    "reassign": "reassign",
    "submit_plan": "submit a plan for",
    "approve_plan": "approve the plan of",
    "request_extension": "request an extension of",
    "decide_extension": "decide an extension of",
    "note": "add a note to",
    "consult": "record a consultation on",
    "add_subtask": "add a sub-task to",
    "resolve_linked": "resolve with its linked task",
}


def allowed(status: str, action: str) -> bool:
    sources, _, _ = TRANSITIONS[action]
    return status in sources


def enter(task: Task, action: str) -> str:
    """Check ``action`` against the table and return the status the task moves to."""
    sources, target, zh = TRANSITIONS[action]
    if task.status not in sources:
        raise IllegalTransition(
            task.status,
            action,
            f"任务单当前状态为「{STATUS_ZH.get(task.status, task.status)}」，不能{zh}",
            f"cannot {EN[action]} a task in status {task.status}",
        )
    if target is None:
        return task.status
    return target


# ---- named rules -----------------------------------------------------------------------------
def needs_check_in(task: Task) -> bool:
    """Urgent items and repairs (engineering) are resolved only after the handler was on site."""
    return task.urgency == "urgent" or task.category == "engineering"


def is_repair(task: Task) -> bool:
    return task.category == "engineering"


def require_check_in(task: Task) -> None:
    if needs_check_in(task) and task.checked_in_at is None:
        raise RuleViolated(
            "check_in_required",
            "紧急事项和维修事项须先到场签到才能办结",
            "urgent and repair items must be checked in on site before they are resolved",
        )


def require_owner_confirmation(task: Task, reference: str | None) -> None:
    if is_repair(task) and not reference:
        raise RuleViolated(
            "owner_confirmation_required",
            "维修事项办结须附业主签字或确认凭证编号",
            "a repair is resolved with the owner's signature or confirmation reference",
        )


def require_approved_plan(task: Task) -> None:
    if task.plan is None or task.plan.status != "approved":
        raise RuleViolated(
            "plan_not_approved", "按方案办结须先经主管审批方案", "a plan must be approved before resolving by plan"
        )


def require_subtasks_resolved(task: Task, open_subtasks: list[str]) -> None:
    if open_subtasks:
        raise RuleViolated(
            "subtasks_open",
            f"还有 {len(open_subtasks)} 个子任务未办结",
            f"{len(open_subtasks)} sub-task(s) are not resolved yet",
        )


def require_cancel_note(reason: str, note: str | None) -> None:
    if reason == "supervisor_other" and not (note and note.strip()):
        raise RuleViolated(
            "cancel_note_required",
            "以「其他」原因撤销须填写说明",
            "a cancel for another reason needs a note saying why",
        )
