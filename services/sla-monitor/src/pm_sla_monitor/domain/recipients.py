"""Named people for a step, from the estate's latest organisation snapshot (``org.changed``).

- ``assignee``: the clock's current assignee (person id from ``task.assigned``);
- ``supervisor``: the supervisors on duty at that instant (else the duty manager on shift, else every
  supervisor of the estate — someone must hear of it);
- ``project_manager``: the estate's project manager(s) (项目第一负责人);
- ``quality``: the group's quality department (people with the ``quality`` role in the snapshot).

When nobody is named (a complaint stage before any assignment has no assignee), the supervisor on
duty is told instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pm_common.calendar import HolidayCalendar
from pm_common.org import OrgSnapshot, on_duty


def resolve(
    roles: tuple[str, ...],
    assignee: str | None,
    snapshot: OrgSnapshot | None,
    at: datetime,
    calendar: HolidayCalendar,
    memo: dict[Any, list[str]] | None = None,
) -> list[str]:
    """``memo`` (one batch: one snapshot per estate, one instant) keeps each role's people once per
    estate instead of working out the roster for every clock."""
    people: list[str] = []

    def add(ids: list[str]) -> None:
        people.extend(i for i in ids if i not in people)

    for role in roles:
        if role == "assignee":
            add([assignee] if assignee else [])
        elif snapshot is None:
            continue
        elif memo is None:
            add(_people(role, snapshot, at, calendar))
        else:
            found = memo.get((snapshot.estate_id, snapshot.version, role, at))
            if found is None:
                found = memo[(snapshot.estate_id, snapshot.version, role, at)] = _people(role, snapshot, at, calendar)
            add(found)
    if not people and snapshot is not None and "supervisor" not in roles:
        # nobody named for the step (a complaint stage has no assignee yet): the supervisor on duty
        return resolve(("supervisor",), None, snapshot, at, calendar, memo)
    return people


def _people(role: str, snapshot: OrgSnapshot, at: datetime, calendar: HolidayCalendar) -> list[str]:
    if role == "supervisor":
        found = on_duty(snapshot, "supervisor", at, calendar=calendar) or on_duty(
            snapshot, "duty_manager", at, calendar=calendar
        )
        return [p.person_id for p in found] or _holding(snapshot, "supervisor")
    return _holding(snapshot, role)


def _holding(snapshot: OrgSnapshot, role: str) -> list[str]:
    return [p.person_id for p in snapshot.people if p.active and role in p.roles]
