"""complaint.subjects_changed at dispatch with fakes: the highest revision wins whatever the order,
a change before the complaint is kept, a task handled by a new subject is routed away from them."""

from __future__ import annotations

import pytest
from dispatch_fakes import NOW, FakeRepo, FakeRouter, received, triaged

from pm_common.events import Envelope, new_event
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_dispatch.service_layer import sheets
from pm_dispatch.service_layer.subjects import on_subjects_changed

pytestmark = pytest.mark.unit


def changed(cid: str, revision: int, *subjects: str) -> tuple[Envelope, ComplaintSubjectsChanged]:
    payload = ComplaintSubjectsChanged(
        complaint_id=cid, estate_id="SUNNY", subject_staff_ids=subjects, revision=revision, changed_at=NOW
    )
    return new_event(payload, source="pm/intake", estate_id="SUNNY", now=NOW), payload


def _person(repo: FakeRepo, task_id: str) -> str | None:
    task = repo.docs[task_id]
    return (task.get("assignee") or {}).get("person_id")


async def test_a_later_subject_loses_the_task_and_the_newest_revision_wins() -> None:
    repo, router = FakeRepo(), FakeRouter({"cleaning_greening": "clean-1"})
    await sheets.on_received(*received("c1"), repo, NOW, router)
    await sheets.on_triaged(*triaged("c1"), repo, router, NOW, None)
    assert _person(repo, "T-c1") == "clean-1"

    await on_subjects_changed(*changed("c1", 2, "clean-1"), repo, router, NOW)
    task = await repo.get("T-c1")
    assert task is not None and task.subject_staff_ids == ["clean-1"] and task.subjects_revision == 2
    assert task.status == "assigned" and _person(repo, "T-c1") is None  # routed again, to the team
    assert "clean-1" in router.requests[-1].exclude
    assert repo.types(0).count("task.assigned") == 2  # the first assignment, then the re-routing

    before = len(repo.events)
    await on_subjects_changed(*changed("c1", 1, "sup-9"), repo, router, NOW)  # older, delivered late
    await on_subjects_changed(*changed("c1", 2, "clean-1"), repo, router, NOW)  # and a redelivery
    task = await repo.get("T-c1")
    assert task is not None and task.subject_staff_ids == ["clean-1"] and task.subjects_revision == 2
    assert len(repo.events) == before

    await on_subjects_changed(*changed("c1", 3), repo, router, NOW)  # cleared: nobody any more
    task = await repo.get("T-c1")
    assert task is not None and task.subject_staff_ids == [] and task.subjects_revision == 3


async def test_a_change_before_the_complaint_is_kept_and_never_routed_to_them() -> None:
    repo, router = FakeRepo(), FakeRouter({"cleaning_greening": "clean-1"})
    await on_subjects_changed(*changed("c2", 1, "clean-1"), repo, router, NOW)
    await sheets.on_received(*received("c2"), repo, NOW, router)  # its own list (revision 0): nobody
    await sheets.on_triaged(*triaged("c2"), repo, router, NOW, None)
    task = await repo.get("T-c2")
    assert task is not None and task.subject_staff_ids == ["clean-1"] and task.subjects_revision == 1
    assert task.status == "assigned" and _person(repo, "T-c2") is None


async def test_sub_tasks_follow_the_main_task() -> None:
    repo, router = FakeRepo(), FakeRouter({"cleaning_greening": "clean-1", "engineering": "eng-1"})
    await sheets.on_received(*received("c3"), repo, NOW, router)
    await sheets.on_triaged(*triaged("c3"), repo, router, NOW, None)
    main = await repo.get("T-c3")
    assert main is not None
    sub = main.model_copy(update={"id": "T-c3-S1", "kind": "sub", "category": "engineering", "version": 0})
    sub.assignee = sub.assignee.model_copy(update={"person_id": "eng-1"}) if sub.assignee else None
    await repo.add(sub, None)
    main.subtask_ids = ["T-c3-S1"]
    assert await repo.save(main, None)

    await on_subjects_changed(*changed("c3", 1, "eng-1"), repo, router, NOW)
    moved = await repo.get("T-c3-S1")
    assert moved is not None and moved.subject_staff_ids == ["eng-1"] and _person(repo, "T-c3-S1") is None
    assert _person(repo, "T-c3") == "clean-1"  # the main task's assignee is not a subject: it stays
