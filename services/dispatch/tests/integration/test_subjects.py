"""The 被投诉人 rule at dispatch on the real engines (issue #9): the task of a complaint about a staff
member is never routed to them (also when the decision arrives before the complaint, and a
supervisor cannot name them), and they get 404 on it and do not find it in the ledger or exports."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from dispatch_fakes import received, triaged

from conftest import Dispatch
from pm_common import topics
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.testing import poll_until, same_partition_key
from pm_dispatch.adapters.org_demo import demo_organisation

pytestmark = pytest.mark.integration


def _about(cid: str, subjects: tuple[str, ...]) -> Any:
    envelope, _ = received(cid, at=datetime.now(UTC))
    return envelope.model_copy(update={"data": {**envelope.data, "subject_staff_ids": list(subjects)}})


def _person(task: dict[str, Any]) -> str | None:
    a = task.get("assignee") or {}
    return a.get("person_id") or a.get("contractor_id")


async def test_a_task_is_never_routed_to_nor_shown_to_its_subject(dispatch: Dispatch) -> None:
    async with dispatch.client("project_manager", "pm-1") as pm:
        assert (await pm.put("/v1/estates/SUNNY/organisation", json=demo_organisation("SUNNY"))).status_code == 200
    first = uuid.uuid4().hex  # nobody named: who does routing pick right now?
    await dispatch.publisher.publish(topics.COMPLAINT_RECEIVED, received(first, at=datetime.now(UTC))[0])
    await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, triaged(first, at=datetime.now(UTC))[0])
    usual = _person(await dispatch.task(f"T-{first}", "assigned"))
    assert usual is not None

    about = uuid.uuid4().hex  # the complaint first, then the decision
    await dispatch.publisher.publish(topics.COMPLAINT_RECEIVED, _about(about, ("sup-9", usual)))
    await poll_until(lambda: _stored(dispatch, f"T-{about}"), what="the sheet holds the subjects")
    await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, triaged(about, at=datetime.now(UTC))[0])
    task = await dispatch.task(f"T-{about}", "assigned")
    assert _person(task) != usual and task["subject_staff_ids"] == ["sup-9", usual]

    late = uuid.uuid4().hex  # the decision first: routed to the usual person, then away once the complaint says so
    await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, triaged(late, at=datetime.now(UTC))[0])
    assert _person(await dispatch.task(f"T-{late}", "assigned")) == usual
    await dispatch.publisher.publish(topics.COMPLAINT_RECEIVED, _about(late, (usual,)))

    async def moved() -> dict[str, Any] | None:
        current = await dispatch.task(f"T-{late}")
        return current if _person(current) != usual else None

    rerouted = await poll_until(moved, what="the task leaves the staff member it is about")
    assert rerouted["status"] == "assigned"

    async with (
        dispatch.client("supervisor", "sup-9") as named,
        dispatch.client("supervisor", "sup-1") as other,
        dispatch.client("leadership", "sup-9", ("*",)) as named_boss,
    ):
        who = {"kind": "person", "department": "cleaning_greening", "person_id": usual}
        refused = await other.post(f"/v1/tasks/T-{about}/reassign", json={"reason": "指定", "assignee": who})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "rule_violated", refused.text
        missing = f"T-{uuid.uuid4().hex}"
        unknown = (await named.get(f"/v1/tasks/{missing}")).text.replace(missing, f"T-{about}")
        for client in (named, named_boss):
            hidden = await client.get(f"/v1/tasks/T-{about}")
            assert hidden.status_code == 404 and hidden.text == unknown  # as if it did not exist
            assert (
                await client.post(f"/v1/tasks/T-{about}/notes", json={"kind": "internal", "text_zh": "看看"})
            ).status_code in (403, 404)

        for client in (named, named_boss):
            await _indistinguishable_from_missing(client, f"T-{about}")

        async def listing(client: Any) -> list[str] | None:
            body = (await client.get("/v1/tasks")).json()
            ids = [t["task_id"] for t in body["items"]]
            return ids if f"T-{late}" in ids or client is named else None

        theirs = await poll_until(lambda: listing(named), what="the subject's ledger")
        assert f"T-{about}" not in theirs and f"T-{first}" in theirs
        assert (await named.get("/v1/tasks")).json()["total"] == len(theirs)
        exported = await named.get("/v1/ledger/export", params={"format": "csv"})
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert f"T-{about}" not in [r[0] for r in rows] and f"T-{first}" in [r[0] for r in rows]
        everyone = await poll_until(lambda: listing(other), what="another supervisor's ledger")
        assert {f"T-{about}", f"T-{first}", f"T-{late}"} <= set(everyone)
        assert (await other.get(f"/v1/tasks/T-{about}")).status_code == 200


async def _stored(dispatch: Dispatch, task_id: str) -> bool:
    doc = await dispatch.mongo.collection("tasks").find_one({"_id": task_id})
    return bool(doc and doc.get("subject_staff_ids"))


async def _indistinguishable_from_missing(client: Any, task_id: str) -> None:
    """Every operation of dispatch's OpenAPI on one task answers for a task about the caller exactly
    as for a task id that does not exist (a new route is covered the moment it exists)."""
    missing = f"T-{uuid.uuid4().hex}"
    paths = (await client.get("/openapi.json")).json()["paths"]
    checked = 0
    for path, ops in paths.items():
        if "{task_id}" not in path:
            continue
        for method in ops:
            body = {} if method in ("post", "put", "patch") else None
            url = re.sub(r"\{(?!task_id\})[a-z_]+\}", "x", path)  # other path parameters
            unknown = await client.request(method.upper(), url.replace("{task_id}", missing), json=body)
            response = await client.request(method.upper(), url.replace("{task_id}", task_id), json=body)
            assert response.status_code == unknown.status_code and response.status_code not in range(200, 300)
            assert response.text == unknown.text.replace(missing, task_id), (method, path, response.text)
            checked += 1
    assert checked >= 20  # every action on a task, not only the read


def _change(cid: str, revision: int, *subjects: str) -> ComplaintSubjectsChanged:
    return ComplaintSubjectsChanged(
        complaint_id=cid, estate_id="SUNNY", subject_staff_ids=subjects, revision=revision, changed_at=datetime.now(UTC)
    )


async def test_later_subject_changes_reach_the_task_in_revision_order(dispatch: Dispatch) -> None:
    """``complaint.subjects_changed``: a change before the complaint is kept (never routed to them); a
    later one moves the task away from its assignee, hides it, and a supervisor cannot name them back;
    an older revision delivered after a newer one changes nothing."""
    async with dispatch.client("project_manager", "pm-1") as pm:
        assert (await pm.put("/v1/estates/SUNNY/organisation", json=demo_organisation("SUNNY"))).status_code == 200
    probe_cid = uuid.uuid4().hex  # who does routing pick for this kind of item?
    await dispatch.publisher.publish(topics.COMPLAINT_RECEIVED, received(probe_cid, at=datetime.now(UTC))[0])
    await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, triaged(probe_cid, at=datetime.now(UTC))[0])
    usual = _person(await dispatch.task(f"T-{probe_cid}", "assigned"))
    assert usual is not None

    early = uuid.uuid4().hex  # the change first, then the complaint (naming nobody) and the decision
    await dispatch.publish(topics.COMPLAINT_SUBJECTS_CHANGED, _change(early, 1, usual), source="pm/intake")
    await poll_until(lambda: _stored(dispatch, f"T-{early}"), what="the early change kept on the sheet")
    await dispatch.publisher.publish(topics.COMPLAINT_RECEIVED, received(early, at=datetime.now(UTC))[0])
    await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, triaged(early, at=datetime.now(UTC))[0])
    task = await dispatch.task(f"T-{early}", "assigned")
    assert _person(task) != usual and task["subject_staff_ids"] == [usual]

    later = uuid.uuid4().hex  # routed to the usual person, then they are named
    await dispatch.publisher.publish(topics.COMPLAINT_RECEIVED, received(later, at=datetime.now(UTC))[0])
    await dispatch.publisher.publish(topics.COMPLAINT_TRIAGED, triaged(later, at=datetime.now(UTC))[0])
    assert _person(await dispatch.task(f"T-{later}", "assigned")) == usual
    async with dispatch.client("handler", usual) as them, dispatch.client("supervisor", "sup-1") as sup:
        assert (await them.get(f"/v1/tasks/T-{later}")).status_code == 200
        await dispatch.publish(topics.COMPLAINT_SUBJECTS_CHANGED, _change(later, 2, usual), source="pm/intake")

        async def moved() -> dict[str, Any] | None:
            current = await dispatch.task(f"T-{later}")
            return current if _person(current) != usual else None

        assert (await poll_until(moved, what="the task leaves its new subject"))["status"] == "assigned"
        assert (await them.get(f"/v1/tasks/T-{later}")).status_code == 404
        who = {"kind": "person", "department": "cleaning_greening", "person_id": usual}
        back = await sup.post(f"/v1/tasks/T-{later}/reassign", json={"reason": "指定原承办人", "assignee": who})
        assert back.status_code == 409 and back.json()["error"]["code"] == "rule_violated", back.text

        await dispatch.publish(topics.COMPLAINT_SUBJECTS_CHANGED, _change(later, 1), source="pm/intake")  # late
        marker = same_partition_key(later, topics.TOPICS[topics.COMPLAINT_SUBJECTS_CHANGED].partitions)
        await dispatch.publish(topics.COMPLAINT_SUBJECTS_CHANGED, _change(marker, 1, "x"), source="pm/intake")
        await poll_until(lambda: _stored(dispatch, f"T-{marker}"), what="the change after the late one consumed")
        doc = await dispatch.mongo.collection("tasks").find_one({"_id": f"T-{later}"})
        assert doc is not None and doc["subject_staff_ids"] == [usual] and doc["subjects_revision"] == 2
