"""Issue #9: every role × every notifier operation against its permission table (403 exactly where the
table says, 401 without a token, never a 5xx; a route missing from ROUTES fails), then every allowed
role × own / other estate × own / other item on a real complaint of SUNNY (its deliveries, an urgent
page of its handler, a return visit): another estate's token reads none of it, records no visit, sets
no preference or setting; only the paged handler acknowledges the page. The complaint is about a staff
member (被投诉人, named by ``complaint.subjects_changed``): whatever their role, they fare as another estate."""

from __future__ import annotations

import httpx
import pytest
from factory import assigned, cid, roster, subjects_changed, triaged, verified
from notifier_rig import SECRET, Rig

from pm_common import topics
from pm_common.auth import issue_token
from pm_common.testing import poll_until
from pm_common.testing.matrix import OPEN, OWN_AUTH, authorization_failures, route_map_failures
from pm_common.testing.matrix_scope import Scope, scope_failures
from pm_notifier.entrypoints.api import create_app
from pm_notifier.entrypoints.permissions import PERMISSIONS
from pm_notifier.localsink.directory import Directory

pytestmark = pytest.mark.integration
SUBJECT = "matrix-subject"  # the staff member the seeded complaint is about

ROUTES = {
    "GET /livez": OPEN,
    "GET /readyz": OPEN,
    "GET /healthz": OPEN,
    "GET /metrics": OPEN,
    "GET /v1/complaints/{complaint_id}/notifications": "notification.read",
    "GET /v1/deliveries/{delivery_id}": "notification.read",
    "POST /internal/v1/receipts": "delivery.receipt",
    "GET /internal/v1/complaints/{complaint_id}/inbox": "inbox.read",
    "GET /v1/pages/{page_id}": "page.read",
    "POST /v1/pages/{page_id}/ack": "page.acknowledge",
    "GET /v1/return-visits": "return_visit.read",
    "GET /v1/complaints/{complaint_id}/followup": "return_visit.read",
    "POST /v1/return-visits/{complaint_id}": "return_visit.record",
    "PUT /v1/complaints/{complaint_id}/owner-preferences": "owner.preferences.write",
    "PUT /v1/estates/{estate_id}/notifier-settings": "notifier.settings.write",
    "GET /v1/estates/{estate_id}/notifier-settings": "notifier.settings.read",
    # signed links (the token in the path is the credential) and the SMS gateway's replies
    "GET /h5/survey/{token}": OWN_AUTH,
    "POST /h5/survey/{token}": OWN_AUTH,
    "GET /h5/ack/{token}": OWN_AUTH,
    "POST /h5/ack/{token}": OWN_AUTH,
    "POST /internal/v1/sms/inbound": "survey.sms_reply",
}


async def _seed(rig: Rig, directory: Directory) -> tuple[str, str]:
    """A complaint of SUNNY handled by ``matrix-owner``: paged (urgent), then verified (return visit)."""
    directory.person("matrix-owner", pager="PG-OWNER")
    directory.person("m-1", pager="PG-M1")
    await rig.publish(
        topics.ORG_CHANGED, roster(1, handler=["matrix-owner"], duty_manager=["m-1"], customer_service=["cs-1"])
    )
    await poll_until(lambda: rig.ports.rosters.get("SUNNY"), what="roster")
    c = cid()
    directory.owner(c, phone="13811112222")
    await rig.publish(topics.COMPLAINT_TRIAGED, triaged(c, urgency="urgent", fault_key="SUNNY|3号楼/电梯|engineering"))
    await rig.settled(c, 2, "urgent_page")
    await rig.publish(topics.TASK_ASSIGNED, assigned(c, handler="matrix-owner"))
    await rig.publish(topics.TASK_VERIFIED, verified(c))
    await poll_until(lambda: rig.ports.followups.get(c), what="follow-up round")
    delivery = (await rig.settled(c, 1, "survey_invitation"))[0]
    await rig.publish(topics.COMPLAINT_SUBJECTS_CHANGED, subjects_changed(c, 1, SUBJECT))
    await poll_until(lambda: _named(rig, c), what="the subjects of the complaint")
    return c, delivery["_id"]


async def _named(rig: Rig, complaint_id: str) -> bool:
    return SUBJECT in await rig.ports.subjects.of(complaint_id)


async def test_every_role_estate_and_item_on_every_notifier_route_matches_the_table(
    rig: Rig, directory: Directory
) -> None:
    c, delivery_id = await _seed(rig, directory)
    app = create_app(rig.settings)  # its OpenAPI document (the running one serves the same routes)
    async with httpx.AsyncClient(base_url=rig.url, timeout=20) as client:
        result = await authorization_failures(client, app, PERMISSIONS, ROUTES, secret=SECRET)
        assert not result.failures, "\n".join(result.failures)
        assert result.denied >= 60

        scope = Scope(
            own_estate="SUNNY",
            other_estate="JADE",
            params={"complaint_id": c, "delivery_id": delivery_id, "page_id": f"pg_{c}", "estate_id": "SUNNY"},
            secrets=(c, "SUNNY"),
            bodies={
                "POST /v1/return-visits/{complaint_id}": {"outcome": "satisfied", "note": "电话回访满意"},
                "PUT /v1/complaints/{complaint_id}/owner-preferences": {"channels": ["sms"]},
                "PUT /v1/estates/{estate_id}/notifier-settings": {"followup": {"rate": 1.0}},
                "POST /internal/v1/receipts": {"provider_message_id": "pm-unknown", "delivered": True},
                "POST /internal/v1/sms/inbound": {"reply_to": "pm-unknown", "text": "5 很满意"},
            },
            item_ops=frozenset({"POST /v1/pages/{page_id}/ack"}),
            subject=SUBJECT,
            subject_ops=frozenset(op for op in ROUTES if "estate_id" not in op and ROUTES[op] not in (OPEN, OWN_AUTH)),
        )
        scoped = await scope_failures(client, app, PERMISSIONS, ROUTES, scope, secret=SECRET)
        assert not scoped.failures, "\n".join(scoped.failures)
        assert scoped.denied >= 20

        # the seeded items are real: its own estate reads them, only the paged handler acknowledged
        desk = {"Authorization": f"Bearer {issue_token(SECRET, 'cs-1', 'front_desk', ['SUNNY'])}"}
        sent = (await client.get(f"/v1/complaints/{c}/notifications", headers=desk)).json()
        assert delivery_id in {d["notification_id"] for d in sent}
        page = (await client.get(f"/v1/pages/pg_{c}", headers=desk)).json()
        assert page["acknowledged_by"] == "matrix-owner"
        jade = {"Authorization": f"Bearer {issue_token(SECRET, 'cs-2', 'front_desk', ['JADE'])}"}
        assert (await client.get(f"/v1/complaints/{c}/notifications", headers=jade)).json() == []


def test_a_new_route_without_an_entry_fails_the_matrix() -> None:
    routes = {k: v for k, v in ROUTES.items() if k != "GET /v1/return-visits"}
    failures = route_map_failures(create_app(), PERMISSIONS, routes)
    assert failures == ["GET /v1/return-visits: route not in the permission route map"]
