"""The owner's contact for the assignee (domain/contact.py, service_layer/contact.py) with fakes:
the rules in order, the trail on the task, intake asked only when the rules allow, never stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dispatch_fakes import NOW, FakeRepo, FakeRouter, received, triaged

from pm_dispatch.domain.access import Actor
from pm_dispatch.domain.errors import ContactUnavailable, NotPermitted, RuleViolated, TaskNotFound
from pm_dispatch.service_layer import contact, handling, sheets
from pm_dispatch.service_layer.ports import OwnerContact

pytestmark = pytest.mark.unit
WANG = Actor("eng-1", "handler", ("SUNNY",))
LI = Actor("eng-2", "handler", ("SUNNY",))
SUP = Actor("sup-1", "supervisor", ("SUNNY",))


class FakeIntake:
    def __init__(self, answer: OwnerContact | None = OwnerContact(False, "13912345678"), down: bool = False) -> None:
        self.answer, self.down, self.calls = answer, down, []  # type: ignore[var-annotated]

    async def for_task(self, complaint_id: str, estate_id: str, task_id: str, on_behalf_of: str, purpose: str):  # type: ignore[no-untyped-def]
        self.calls.append((complaint_id, task_id, on_behalf_of, purpose))
        if self.down:
            raise ContactUnavailable()
        return self.answer


async def _task(repo: FakeRepo, category: str, anonymous: bool = False) -> str:
    env, rec = received()
    await sheets.on_received(env, rec.model_copy(update={"anonymous": anonymous}), repo, NOW)
    await sheets.on_triaged(*triaged(category=category), repo, FakeRouter({category: "eng-1"}), NOW, None)
    return "T-c1"


async def test_rules_in_order_and_every_attempt_on_the_trail() -> None:
    repo, intake = FakeRepo(), FakeIntake()
    tid = await _task(repo, "customer_service")
    with pytest.raises(TaskNotFound):  # not the assignee: cannot even see the task, no trace left
        await contact.reveal_owner_contact(repo, intake, LI, tid, "核实", NOW)
    with pytest.raises(NotPermitted):  # a supervisor sees the task but is not its assignee
        await contact.reveal_owner_contact(repo, intake, SUP, tid, "核实", NOW)
    with pytest.raises(RuleViolated) as refused:
        await contact.reveal_owner_contact(repo, intake, WANG, tid, "约时间", NOW)
    assert refused.value.rule == "contact_not_needed" and intake.calls == []
    await handling.set_appointment(repo, WANG, tid, NOW + timedelta(hours=2), NOW)
    task, answer, entry = await contact.reveal_owner_contact(repo, intake, WANG, tid, "约时间", NOW)
    assert answer.phone == "13912345678" and entry.basis == "appointment"
    assert intake.calls == [("c1", tid, "eng-1", "约时间")]
    trail = [(e.by, e.outcome, e.refusal) for e in task.contact_reveals]
    assert trail == [
        ("sup-1", "refused", "not_assignee"),
        ("eng-1", "refused", "contact_not_needed"),
        ("eng-1", "served", None),
    ]
    assert "13912345678" not in str(repo.docs[tid])  # never stored on the task
    assert [e.action for e in task.work_log][-1] == "owner_contact_revealed"


async def test_repairs_reveal_on_site_anonymous_never_closed_never_and_intake_down_is_recorded() -> None:
    repo = FakeRepo()
    tid = await _task(repo, "engineering")
    with pytest.raises(ContactUnavailable):
        await contact.reveal_owner_contact(repo, FakeIntake(down=True), WANG, tid, "上门", NOW)
    _, _, entry = await contact.reveal_owner_contact(repo, FakeIntake(), WANG, tid, "上门", NOW)
    assert entry.basis == "on_site_visit"
    assert [e.outcome for e in (await repo.get(tid)).contact_reveals] == ["unavailable", "served"]  # type: ignore[union-attr]
    with pytest.raises(RuleViolated) as none:  # intake says: no phone on the item
        await contact.reveal_owner_contact(repo, FakeIntake(OwnerContact(True, None)), WANG, tid, "上门", NOW)
    assert none.value.rule == "no_contact"
    await handling.cancel(repo, SUP, tid, "业主撤诉", NOW)
    with pytest.raises(RuleViolated) as over:  # the task is over: no more reveals
        await contact.reveal_owner_contact(repo, FakeIntake(), WANG, tid, "上门", NOW)
    assert over.value.rule == "task_not_open"
    anon_repo, intake = FakeRepo(), FakeIntake()
    anon = await _task(anon_repo, "engineering", anonymous=True)
    with pytest.raises(RuleViolated) as anonymous:
        await contact.reveal_owner_contact(anon_repo, intake, WANG, anon, "上门", NOW)
    assert anonymous.value.rule == "anonymous_owner" and intake.calls == []
