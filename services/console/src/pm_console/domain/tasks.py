"""The task actions the console offers on the item page (pure): which step a role may take from a
task's status, the form fields it needs and the request body for dispatch's task API.

The statuses mirror dispatch's transition table (docs/dispatch.md); dispatch checks again and its
409 / 403 reason is shown when it refuses. Roles mirror dispatch's permission table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pm_common.auth import Role

MANAGERS: frozenset[Role] = frozenset({"supervisor", "project_manager"})  # as dispatch: admin works no task
WORKERS: frozenset[Role] = MANAGERS | {"handler", "contractor"}
OPEN = ("assigned", "accepted", "on_site", "in_progress", "paused")
WORKING = ("accepted", "on_site", "in_progress")

TASK_STATUSES: dict[str, tuple[str, str, str]] = {  # status -> (中文, English, colour)
    "assigned": ("待接单", "Assigned", "blue"),
    "accepted": ("已接单", "Accepted", "orange"),
    "on_site": ("已到场", "On site", "orange"),
    "in_progress": ("处理中", "In progress", "orange"),
    "paused": ("已暂停", "Paused", "grey"),
    "resolved": ("已办结", "Resolved", "green"),
    "verified": ("已核实", "Verified", "green"),
    "closed": ("已关闭", "Closed", "teal"),
    "cancelled": ("已撤销", "Cancelled", "grey"),
}


@dataclass(frozen=True)
class Action:
    name: str  # the console's name (also the URL segment)
    zh: str
    en: str
    path: str  # dispatch path after /v1/tasks/{id}
    statuses: tuple[str, ...]
    roles: frozenset[Role]
    fields: tuple[str, ...] = ()  # form fields, see FIELDS
    kinds: tuple[str, ...] = ("main", "sub", "incident")  # the task kinds it applies to

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


CS: frozenset[Role] = frozenset({"front_desk", "supervisor"})  # who verifies
PLAN_STEPS = 3  # steps offered by the plan form (dispatch takes up to 50)
PLAN_FIELDS = tuple(f"{part}_{i}" for i in range(1, PLAN_STEPS + 1) for part in ("step", "owner", "due"))
ALL_BUT_DONE = (*OPEN, "resolved", "verified")
ACTIONS: tuple[Action, ...] = (
    Action("assign", "指派 / 改派", "Assign", "reassign", OPEN, MANAGERS, ("person_id", "department", "reason")),
    Action("accept", "接单", "Accept", "accept", ("assigned",), WORKERS),
    Action("return", "退单", "Return", "return", ("assigned",), WORKERS, ("reason_code", "note")),
    Action("check_in", "到场签到", "Check in", "check-in", ("accepted",), WORKERS),
    Action("start", "开始处理", "Start", "start", ("accepted", "on_site"), WORKERS),
    Action("note", "进度说明", "Progress note", "notes", ALL_BUT_DONE, WORKERS, ("note_kind", "text")),
    Action("extension", "申请延期", "Request an extension", "extensions", OPEN, WORKERS, ("reason", "new_resolve_by")),
    Action("pause", "暂停", "Pause", "pause", WORKING, WORKERS, ("pause_reason", "note")),
    Action("resume", "恢复", "Resume", "resume", ("paused",), WORKERS),
    Action(
        "resolve",
        "办结",
        "Resolve",
        "resolve",
        WORKING,
        WORKERS,
        ("handling_mode", "result_summary", "owner_confirmation_ref"),
    ),
    Action("verify", "核实", "Verify", "verify", ("resolved",), CS, ("note",)),
    Action("close", "关闭", "Close", "close", ("resolved", "verified"), MANAGERS),
    Action("reopen", "重新处理", "Reopen", "reopen", ("resolved", "verified", "closed"), MANAGERS, ("reason",)),
    Action("approve_plan", "审批方案", "Approve the plan", "plan/approve", (*WORKING, "paused"), MANAGERS),
    Action("plan", "提交处理方案", "Submit a plan", "plan", WORKING, WORKERS, PLAN_FIELDS),
    Action(
        "subtask",
        "拆分子任务",
        "Add a sub-task",
        "subtasks",
        OPEN,
        MANAGERS,
        ("sub_department", "requirements", "sub_person_id"),
        kinds=("main",),
    ),
)
BY_NAME = {a.name: a for a in ACTIONS}
DECIDE_EXTENSION_ROLES = MANAGERS

CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "reason_code": {
        "wrong_department": ("非本部门", "Wrong department"),
        "not_ours": ("非我方职责", "Not our duty"),
        "other": ("其他", "Other"),
    },
    "pause_reason": {
        "owner_access": ("等待业主（无法入户）", "Waiting for the owner"),
        "parts": ("等待配件", "Waiting for parts"),
        "third_party": ("等待第三方", "Waiting for a third party"),
        "judicial": ("司法程序", "Judicial process"),
        "other": ("其他", "Other"),
    },
    "handling_mode": {
        "rectification": ("整改维修", "Rectification"),
        "explanation": ("解释说明", "Explanation"),
        "coordination": ("协调处理", "Coordination"),
        "plan": ("按方案处理", "By the plan"),
    },
    "note_kind": {
        "progress": ("进度说明（业主可见）", "Progress (the owner sees it)"),
        "internal": ("内部备注", "Internal note"),
    },
    "department": {
        "engineering": ("工程部", "Engineering"),
        "cleaning_greening": ("环境部", "Cleaning & greening"),
        "security_order": ("秩序部", "Security"),
        "customer_service": ("客服部", "Customer service"),
        "fees_finance": ("财务部", "Finance"),
        "community_culture": ("社区文化", "Community"),
        "other": ("其他", "Other"),
    },
}
CHOICES["sub_department"] = CHOICES["department"]  # a sub-task goes to another department (dispatch's categories)
FIELDS: dict[str, tuple[str, str]] = {  # form field -> label
    "person_id": ("承办人账号", "Handler's account"),
    "department": ("部门", "Department"),
    "reason": ("原因", "Reason"),
    "reason_code": ("退单原因", "Why returned"),
    "note": ("说明", "Note"),
    "note_kind": ("类型", "Kind"),
    "text": ("内容", "Text"),
    "new_resolve_by": ("新的办结时限", "New resolve-by"),
    "pause_reason": ("暂停原因", "Why paused"),
    "handling_mode": ("处理方式", "Handling mode"),
    "result_summary": ("处理结果", "Result"),
    "owner_confirmation_ref": ("业主确认（签字单号）", "Owner's confirmation ref"),
    "sub_department": ("协办部门", "Department"),
    "requirements": ("工作要求", "What is to be done"),
    "sub_person_id": ("协办人账号（可空：按规则派单）", "Account (empty: routed by the rules)"),
    **{f"step_{i}": (f"步骤 {i}", f"Step {i}") for i in range(1, PLAN_STEPS + 1)},
    **{f"owner_{i}": ("负责人", "Owner") for i in range(1, PLAN_STEPS + 1)},
    **{f"due_{i}": ("完成时间", "Due") for i in range(1, PLAN_STEPS + 1)},
}


def available(role: Role, status: str, kind: str = "main") -> list[Action]:
    """The buttons for a role on a task of ``kind`` in ``status`` (dispatch decides the row-level rules)."""
    return [a for a in ACTIONS if role in a.roles and status in a.statuses and kind in a.kinds]


def task_status_label(status: str, lang: str) -> str:
    zh, en, _ = TASK_STATUSES.get(status, (status, status, "grey"))
    return en if lang == "en" else zh


def task_status_colour(status: str) -> str:
    return TASK_STATUSES.get(status, ("", "", "grey"))[2]


class FormInvalid(ValueError):
    def __init__(self, field: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.field, self.zh, self.en = field, zh, en


def local_to_iso(value: str, timezone: str) -> str:
    """A ``datetime-local`` value (the estate's wall clock) as an ISO time with its offset."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FormInvalid("new_resolve_by", "时间格式不正确", "not a valid date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.isoformat()


def body_for(action: Action, form: dict[str, str], timezone: str) -> dict[str, Any] | None:
    """Dispatch's request body for ``action`` from the form (stripped; empty optional fields left out)."""
    f = {k: v.strip() for k, v in form.items() if isinstance(v, str)}

    def opt(key: str) -> str | None:
        return f.get(key) or None

    match action.name:
        case "assign":
            if not f.get("person_id"):
                return {"reason": f.get("reason", "")}  # no person named: dispatch re-routes by its rules
            department = f.get("department") or "engineering"
            assignee = {"kind": "person", "department": department, "person_id": f["person_id"]}
            return {"reason": f.get("reason", ""), "assignee": assignee}
        case "return":
            return {"reason_code": f.get("reason_code", "other"), "note": opt("note")}
        case "check_in":
            return {"evidence_ids": []}
        case "note":
            return {"kind": f.get("note_kind", "progress"), "text_zh": f.get("text", "")}
        case "extension":
            if not f.get("new_resolve_by"):
                raise FormInvalid("new_resolve_by", "请填写新的办结时限", "the new resolve-by is required")
            return {"reason": f.get("reason", ""), "new_resolve_by": local_to_iso(f["new_resolve_by"], timezone)}
        case "pause":
            return {"reason": f.get("pause_reason", "other"), "note": opt("note")}
        case "resolve":
            return {
                "handling_mode": f.get("handling_mode", "rectification"),
                "result_summary": f.get("result_summary", ""),
                "owner_confirmation_ref": opt("owner_confirmation_ref"),
            }
        case "verify":
            return {"note": opt("note")}
        case "reopen":
            return {"reason": f.get("reason", "")}
        case "plan":
            return {"steps": plan_steps(f, timezone)}
        case "subtask":
            body: dict[str, Any] = {"category": f.get("sub_department") or "other", "requirements": opt("requirements")}
            if f.get("sub_person_id"):
                body["assignee"] = {"kind": "person", "department": body["category"], "person_id": f["sub_person_id"]}
            return body
    return None  # accept, start, resume, close, approve_plan: no body


def plan_steps(f: dict[str, str], timezone: str) -> list[dict[str, str]]:
    """The plan form's filled rows (a row is its description; owner and due time are then required)."""
    steps = []
    for i in range(1, PLAN_STEPS + 1):
        if not f.get(f"step_{i}"):
            continue
        if not f.get(f"owner_{i}") or not f.get(f"due_{i}"):
            raise FormInvalid(f"due_{i}", f"步骤 {i} 须填写负责人和完成时间", f"step {i} needs an owner and a due time")
        steps.append(
            {"description": f[f"step_{i}"], "owner": f[f"owner_{i}"], "due": local_to_iso(f[f"due_{i}"], timezone)}
        )
    if not steps:
        raise FormInvalid("step_1", "处理方案至少需要一个步骤", "a plan needs at least one step")
    return steps


def pending_extension(task: dict[str, Any]) -> dict[str, Any] | None:
    return next((x for x in reversed(task.get("extensions") or []) if x.get("status") == "requested"), None)


def plan_waiting(task: dict[str, Any]) -> bool:
    plan = task.get("plan") or {}
    return plan.get("status") == "submitted"
