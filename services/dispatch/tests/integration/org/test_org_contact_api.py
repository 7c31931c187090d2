"""The notifier's staff-contact lookup: only with the service token, every call audited (who, when,
which person, why / which event), never cached, never on a topic."""

from __future__ import annotations

from typing import Any

import pytest

from pm_dispatch.adapters.org_demo import demo_organisation

pytestmark = pytest.mark.integration
CONTACT = "/internal/v1/people/{}/contact"


async def audit(dispatch: Any) -> list[dict[str, Any]]:
    return [doc async for doc in dispatch.mongo.collection("contact_lookups").find({}).sort("at", 1)]


async def test_service_token_gets_the_contact_and_the_lookup_is_audited(dispatch: Any) -> None:
    async with dispatch.client("project_manager") as pm:
        assert (await pm.put("/v1/estates/SUNNY/organisation", json=demo_organisation("SUNNY"))).status_code == 200
    async with dispatch.notifier() as notifier:
        params = {"event_id": "evt-warning-1", "reason": "task.sla_warning"}
        found = await notifier.get(CONTACT.format("sunny-eng1"), params=params)  # no estate id: the people index
        assert found.status_code == 200, found.text
        assert found.json() == {
            "person_id": "sunny-eng1",
            "estate_id": "SUNNY",
            "name": "王建国",
            "channels": ["sms", "wechat"],
            "phone": "13800000000",
            "email": "eng1@sunny.example.com",
            "wechat_openid": "o-demo-sunny-eng1",
        }
        assert found.headers["cache-control"] == "no-store"
        scoped = await notifier.get(CONTACT.format("sunny-ctl2"), params={**params, "estate_id": "SUNNY"})
        assert scoped.status_code == 200 and scoped.json()["name"] == "赵磊"
        unknown = await notifier.get(CONTACT.format("nobody"), params=params)
        assert unknown.status_code == 404 and unknown.json()["error"]["message"]
        purpose = await notifier.get(CONTACT.format("sunny-eng1"))
        assert purpose.status_code == 422 and purpose.json()["error"]["code"] == "purpose_required"
    entries = await audit(dispatch)
    assert [(e["caller"], e["person_id"], e["outcome"]) for e in entries] == [
        ("service:notifier", "sunny-eng1", "served"),
        ("service:notifier", "sunny-ctl2", "served"),
        ("service:notifier", "nobody", "not_found"),
        ("service:notifier", "sunny-eng1", "refused"),
    ]
    first = entries[0]
    assert (first["event_id"], first["reason"], first["estate_id"], first["role"]) == (
        "evt-warning-1",
        "task.sla_warning",
        "SUNNY",
        "integration",
    )
    assert first["at"] is not None
    review = "/v1/estates/SUNNY/organisation/people/sunny-eng1/contact-lookups"
    async with dispatch.client("project_manager") as pm:
        listed = await pm.get(review)
        assert listed.status_code == 200, listed.text
        assert [(e["outcome"], e["event_id"]) for e in listed.json()] == [
            ("refused", None),
            ("served", "evt-warning-1"),
        ]
    async with dispatch.client("handler") as handler:
        assert (await handler.get(review)).status_code == 403


async def test_lookup_is_refused_without_the_service_token_and_still_audited(dispatch: Any) -> None:
    async with dispatch.client("admin", ("*",), "admin-1") as admin:
        assert (await admin.put("/v1/estates/SUNNY/organisation", json=demo_organisation("SUNNY"))).status_code == 200
        params = {"event_id": "evt-1"}
        as_admin = await admin.get(CONTACT.format("sunny-eng1"), params=params)
        assert as_admin.status_code == 403 and as_admin.json()["error"]["message_en"]
    async with dispatch.client() as anonymous:
        assert (await anonymous.get(CONTACT.format("sunny-eng1"), params=params)).status_code == 401
    async with dispatch.client("integration", ("*",), "service:triage") as other_service:
        assert (await other_service.get(CONTACT.format("sunny-eng1"), params=params)).status_code == 403
    async with dispatch.client("integration", ("JADE",), "service:notifier") as jade_only:
        elsewhere = await jade_only.get(CONTACT.format("sunny-eng1"), params=params)
        assert elsewhere.status_code == 403 and elsewhere.json()["error"]["code"] == "estate_forbidden"
    entries = await audit(dispatch)
    assert [(e["caller"], e["outcome"]) for e in entries] == [
        ("admin-1", "refused"),
        ("anonymous", "refused"),
        ("service:triage", "refused"),
        ("service:notifier", "refused"),
    ]
    assert all(e["person_id"] == "sunny-eng1" and e["event_id"] == "evt-1" for e in entries)
    assert "phone" not in str(entries)
