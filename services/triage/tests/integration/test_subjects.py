"""The 被投诉人 rule at triage on the real engines (issue #9): the staff a complaint is about
(``subject_staff_ids`` on ``complaint.received`` v3) get 404 on its triage record and its review, do
not find it in the review queue, and do not see it among an incident's complaints; others do."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from pm_common import topics
from pm_common.events import ComplaintReceived, Envelope, Location, new_event
from pm_common.events.subjects import ComplaintSubjectsChanged
from pm_common.testing import poll_until, same_partition_key

pytestmark = pytest.mark.integration

RUDE = "物业太差了"  # no concrete facts, the owner is reachable: waits for a supervisor
LIFT = "3号楼的电梯又坏了，停在半中间不动，爬楼太累"


async def _complain(
    triage: Any, content: str, subjects: tuple[str, ...], room: str, cid: str | None = None
) -> Envelope:
    cid, at = cid or uuid.uuid4().hex, datetime.now(UTC)
    payload = ComplaintReceived(
        complaint_id=cid,
        reference_no=f"SUNNY-{cid[:8]}",
        estate_id="SUNNY",
        channel="app",
        content=content,
        location=Location(building="3", unit="2", room=room),
        owner_phone_masked="138****1234",
        raised_at=at,
        received_at=at,
        subject_staff_ids=subjects,
    )
    envelope = new_event(payload, source="pm/intake", estate_id="SUNNY")
    await triage.publisher.publish(topics.COMPLAINT_RECEIVED, envelope)
    return envelope


async def test_the_subject_of_a_complaint_does_not_see_its_triage(triage) -> None:  # type: ignore[no-untyped-def]
    about = await _complain(triage, RUDE, ("sup-9",), "101")
    plain = await _complain(triage, RUDE, (), "102")
    for item in (about, plain):
        assert (await triage.triaged(item.subject))[0].data["decision"] == "needs_review"
    named, other = triage.staff(sub="sup-9"), triage.staff(sub="sup-1")
    async with httpx.AsyncClient(base_url=triage.url, timeout=20) as client:
        unknown = (await client.get("/v1/triages/" + uuid.uuid4().hex, headers=named)).json()
        for headers in (named, triage.staff("leadership", ("*",), "sup-9"), triage.staff("handler", sub="sup-9")):
            record = await client.get(f"/v1/triages/{about.subject}", headers=headers)
            assert record.status_code == 404 and record.json() == unknown
        review = await client.post(f"/v1/triages/{about.subject}/review", json={"action": "confirm"}, headers=named)
        assert review.status_code == 404 and review.json() == unknown
        queue = (await client.get("/v1/reviews", headers=named)).json()
        assert [i["complaint_id"] for i in queue] == [plain.subject]

        await _indistinguishable_from_missing(client, named, about.subject)
        seen = await client.get(f"/v1/triages/{about.subject}", headers=other)
        assert seen.status_code == 200 and seen.json()["subject_staff_ids"] == ["sup-9"]
        queue = (await client.get("/v1/reviews", headers=other)).json()
        assert sorted(i["complaint_id"] for i in queue) == sorted([about.subject, plain.subject])
        confirmed = await client.post(f"/v1/triages/{about.subject}/review", json={"action": "confirm"}, headers=other)
        assert confirmed.status_code == 200, confirmed.text
        history = (await client.get("/v1/reviews/history", headers=triage.staff(sub="sup-9"))).json()
        assert about.subject not in [r["complaint_id"] for r in history]
        history = (await client.get("/v1/reviews/history", headers=other)).json()
        assert about.subject in [r["complaint_id"] for r in history]


async def test_an_incident_does_not_list_a_complaint_about_the_reader(triage) -> None:  # type: ignore[no-untyped-def]
    items = [await _complain(triage, LIFT, ("eng-4",) if i == 0 else (), f"50{i}") for i in range(3)]
    for item in items:
        data = (await triage.triaged(item.subject))[0].data
        assert data["fault_key"], data
    declared = (await triage.probe.wait_for(topics.INCIDENT_DECLARED, timeout=60))[0]
    incident_id = declared.data["incident_id"]
    ids = {i.subject for i in items}
    async with httpx.AsyncClient(base_url=triage.url, timeout=20) as client:

        async def linked(headers: dict[str, str]) -> dict[str, Any] | None:
            detail = (await client.get(f"/v1/incidents/{incident_id}", headers=headers)).json()
            return detail if len(set(detail["children"]) | set(detail.get("complaint_ids", []))) >= 2 else None

        other = await poll_until(lambda: linked(triage.staff(sub="sup-1")), what="incident linked")
        assert ids <= set(other["children"]) | set(other["complaint_ids"])
        named = triage.staff("supervisor", sub="eng-4")
        mine = (await client.get(f"/v1/incidents/{incident_id}", headers=named)).json()
        assert items[0].subject not in mine["children"] and items[0].subject not in mine["complaint_ids"]
        assert {items[1].subject, items[2].subject} <= set(mine["children"]) | set(mine["complaint_ids"])
        listed = (await client.get("/v1/incidents", headers=named)).json()
        assert all(items[0].subject not in [*i["children"], *i.get("complaint_ids", [])] for i in listed)


async def _indistinguishable_from_missing(client: httpx.AsyncClient, staff: dict[str, str], cid: str) -> None:
    """Every operation of triage's OpenAPI on one complaint answers for a complaint about the caller
    exactly as for one that does not exist (a new route is covered the moment it exists)."""
    missing = uuid.uuid4().hex
    paths = (await client.get("/openapi.json")).json()["paths"]
    checked = 0
    for path, ops in paths.items():
        if "{complaint_id}" not in path:
            continue
        for method in ops:
            body = {"action": "confirm"} if method in ("post", "put", "patch") else None
            unknown = await client.request(
                method.upper(), path.replace("{complaint_id}", missing), json=body, headers=staff
            )
            response = await client.request(
                method.upper(), path.replace("{complaint_id}", cid), json=body, headers=staff
            )
            assert response.status_code == unknown.status_code and response.status_code not in range(200, 300)
            assert response.text == unknown.text.replace(missing, cid), (method, path, response.text)
            checked += 1
    assert checked >= 2  # the record and its review


def _changed(cid: str, revision: int, *subjects: str) -> Envelope:
    payload = ComplaintSubjectsChanged(
        complaint_id=cid, estate_id="SUNNY", subject_staff_ids=subjects, revision=revision, changed_at=datetime.now(UTC)
    )
    return new_event(payload, source="pm/intake", estate_id="SUNNY")


async def test_later_subject_changes_apply_in_revision_order(triage) -> None:  # type: ignore[no-untyped-def]
    """``complaint.subjects_changed``: the newest revision wins, an older one delivered late changes
    nothing, and a change that arrives before the complaint is applied when the record appears."""
    later = await _complain(triage, RUDE, (), "201")
    await triage.triaged(later.subject)
    named, other = triage.staff(sub="sup-9"), triage.staff(sub="sup-1")
    async with httpx.AsyncClient(base_url=triage.url, timeout=20) as client:

        async def status(headers: dict[str, str], cid: str) -> int:
            return (await client.get(f"/v1/triages/{cid}", headers=headers)).status_code

        assert await status(named, later.subject) == 200
        await triage.publisher.publish(topics.COMPLAINT_SUBJECTS_CHANGED, _changed(later.subject, 2, "sup-9"))
        await poll_until(lambda: _is(status(named, later.subject), 404), what="the new subject loses the record")
        queue = (await client.get("/v1/reviews", headers=named)).json()
        assert later.subject not in [i["complaint_id"] for i in queue]
        await triage.publisher.publish(topics.COMPLAINT_SUBJECTS_CHANGED, _changed(later.subject, 1, "sup-1"))
        marker = same_partition_key(
            later.subject, topics.TOPICS[topics.COMPLAINT_SUBJECTS_CHANGED].partitions
        )  # consumed after revision 1 (one partition is in order)
        await triage.publisher.publish(topics.COMPLAINT_SUBJECTS_CHANGED, _changed(marker, 1, "x"))
        await poll_until(lambda: _kept(triage, marker), what="the event after the late revision 1 is consumed")
        assert await _stored_revision(triage, later.subject, 2)  # revision 1 came late: it changed nothing
        assert await status(named, later.subject) == 404 and await status(other, later.subject) == 200

        early_id = uuid.uuid4().hex  # the change first, then the complaint (naming nobody itself)
        await triage.publisher.publish(topics.COMPLAINT_SUBJECTS_CHANGED, _changed(early_id, 1, "sup-9"))
        await poll_until(lambda: _kept(triage, early_id), what="the early change is kept")
        early = await _complain(triage, RUDE, (), "203", cid=early_id)
        await triage.triaged(early.subject)
        await poll_until(lambda: _is(status(named, early_id), 404), what="the early change reaches the record")
        assert await status(other, early_id) == 200


async def _is(value: Any, wanted: int) -> bool:
    return bool(await value == wanted)


async def _stored_revision(triage: Any, cid: str, revision: int) -> bool:
    doc = await triage.mongo.collection("triages").find_one({"_id": cid})
    return bool(doc and doc.get("subjects_revision") == revision and doc["subject_staff_ids"] == ["sup-9"])


async def _kept(triage: Any, cid: str) -> bool:
    return await triage.mongo.collection("complaint_subjects").find_one({"_id": cid}) is not None
