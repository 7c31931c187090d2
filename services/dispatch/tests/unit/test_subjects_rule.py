"""The 被投诉人 rule in dispatch as pure values: the task's visibility, the ledger row, the named assignee."""

from __future__ import annotations

import pytest

from pm_dispatch.domain import access
from pm_dispatch.domain.access import Actor
from pm_dispatch.domain.errors import RuleViolated
from pm_dispatch.domain.ledger import Row, row_of
from pm_dispatch.domain.task import Task

pytestmark = pytest.mark.unit


def _task(*subjects: str) -> Task:
    return Task(id="T-c1", complaint_id="c1", estate_id="SUNNY", subject_staff_ids=list(subjects))


def test_the_subject_neither_sees_nor_reaches_the_task() -> None:
    task = _task("sup-9")
    assert not access.may_see(Actor("sup-9", "supervisor", ("*",)), task)
    assert not access.reachable(Actor("sup-9", "supervisor", ("SUNNY",)), task)
    assert access.may_see(Actor("sup-1", "supervisor", ("SUNNY",)), task)
    assert access.reachable(Actor("sup-1", "supervisor", ("SUNNY",)), task)


def test_ledger_rows_carry_the_subjects_and_old_rows_read() -> None:
    row = row_of(_task("sup-9", "sec-3"))
    assert row.subjects == "sup-9 sec-3" and Row.unpack(row.pack()) == row
    assert Row.unpack('{"id": "T-c2", "estate": "SUNNY", "status": "assigned"}').subjects == ""


def test_a_supervisor_cannot_name_a_subject_as_assignee() -> None:
    with pytest.raises(RuleViolated):
        access.check_not_subject(_task("sec-3"), "sec-3")
    access.check_not_subject(_task("sec-3"), "sec-4")
