"""Who may do what in the console: one table from action to the roles allowed (issue #9 shape).

The other services check their own tables again on every call (the console calls them with a token
of the session's role and estates); this table decides what the console shows and accepts."""

from __future__ import annotations

from pm_common.auth import Role
from pm_console.domain.errors import NotPermitted
from pm_console.domain.sessions import StaffSession
from pm_console.domain.tasks import MANAGERS, WORKERS

_FILERS: frozenset[Role] = frozenset({"front_desk", "supervisor", "project_manager"})
_READERS: frozenset[Role] = frozenset({"front_desk", "supervisor", "project_manager", "handler", "leadership"})
_MANAGERS, _WORKERS = MANAGERS, WORKERS  # the task steps' roles, as the item page offers them (domain/tasks.py)
_CS: frozenset[Role] = frozenset({"front_desk", "supervisor", "project_manager"})  # customer service

PERMISSIONS: dict[str, frozenset[Role]] = {
    "console.home": frozenset({*_READERS, "admin", "contractor"}),
    "desk.register": _FILERS,  # the front-desk form, read-back, acknowledgement
    "desk.classify": _FILERS,  # the live classification preview
    "ledger.read": _READERS,
    "ledger.export": frozenset({"front_desk", "supervisor", "project_manager", "leadership"}),
    "item.read": _READERS,
    "reviews.read": frozenset({"supervisor", "project_manager"}),  # triage's review queue
    "reviews.decide": frozenset({"supervisor", "project_manager"}),
    "ledger.export_xlsx": frozenset({"front_desk", "supervisor", "project_manager", "leadership"}),
    # GET /ledger/export.xlsx
    # POST /items/{id}/tasks/{task_id}/{action}: one entry per action (dispatch checks its own table again)
    "task.assign": _MANAGERS,
    "task.accept": _WORKERS,
    "task.return": _WORKERS,
    "task.check_in": _WORKERS,
    "task.start": _WORKERS,
    "task.note": _WORKERS,
    "task.extension": _WORKERS,
    "task.pause": _WORKERS,
    "task.resume": _WORKERS,
    "task.resolve": _WORKERS,
    "task.verify": frozenset({"front_desk", "supervisor"}),
    "task.close": _MANAGERS,
    "task.reopen": _MANAGERS,
    "task.approve_plan": _MANAGERS,
    "task.plan": _WORKERS,  # submit a plan (dispatch: task.plan.submit)
    "task.subtask": _MANAGERS,  # add a sub-task for another department (dispatch: task.subtask.create)
    "task.extension.decide": _MANAGERS,  # POST …/extensions/{n}
    "return_visit.record": _CS,  # POST /items/{id}/return-visit
    "queue.my_tasks": frozenset({"handler", "contractor", "supervisor", "project_manager"}),  # GET /my-tasks
    "queue.approvals": _MANAGERS,  # GET /approvals
    "queue.escalations": frozenset({"supervisor", "project_manager", "leadership"}),  # GET /escalations
    "queue.control_room": frozenset({"front_desk", "supervisor", "project_manager", "handler"}),  # GET /control-room
    "queue.return_visits": _CS,  # GET /return-visits
    # statistics and early warning (insights checks its own table again)
    "insights.statistics": frozenset({"supervisor", "project_manager", "leadership"}),  # GET /statistics
    "insights.reports": frozenset({"supervisor", "project_manager", "leadership"}),  # GET /statistics/report
    "insights.warnings": frozenset({"supervisor", "project_manager", "leadership"}),  # GET /warnings
    # group incidents (triage's incident table: read by customer service, decided by supervisors)
    "incidents.read": frozenset({"front_desk", "supervisor", "project_manager", "leadership"}),  # GET /incidents…
    "incidents.review": frozenset({"supervisor", "project_manager", "leadership"}),  # POST …/review
    "incidents.resolve": frozenset({"supervisor", "project_manager", "leadership"}),  # POST …/resolve
}


def allowed(session: StaffSession, action: str) -> bool:
    return session.role in PERMISSIONS[action]


def permit(session: StaffSession, action: str) -> None:
    if not allowed(session, action):
        raise NotPermitted(action)
