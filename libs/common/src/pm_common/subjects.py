"""The 被投诉人 rule (issue #9): a staff member a complaint is about never sees it.

A complaint names the staff it is about in ``subject_staff_ids`` (person ids of the estate's
organisation, which are the ``sub`` of their tokens). Every staff read of every service — intake's
register, triage's records and queues, dispatch's tasks, ledger and exports — hides the item from
those people whatever their role, as if it did not exist (404, never 403: a 403 would tell them it
exists), and dispatch never routes the task to them. DOMAIN §3: the handler hears the staff member
complained about; hearing them does not mean showing them the file.

Each service's ``entrypoints/permissions.py`` applies these two functions; nothing else decides.
"""

from __future__ import annotations

from collections.abc import Iterable

from pm_common.auth import Principal

MAX_SUBJECTS = 10


def is_subject(staff_id: str, subject_staff_ids: Iterable[str] | None) -> bool:
    """Whether ``staff_id`` is one of the staff a complaint is about."""
    return bool(subject_staff_ids) and staff_id in set(subject_staff_ids or ())


def may_see(staff: Principal, estate_id: str, subject_staff_ids: Iterable[str] | None) -> bool:
    """A staff read of one item: the token serves its estate and does not belong to one of its subjects."""
    return staff.can_see(estate_id) and not is_subject(staff.sub, subject_staff_ids)
