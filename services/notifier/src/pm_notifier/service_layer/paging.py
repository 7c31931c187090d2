"""Urgent paging: page the on-duty handler and duty manager at once, escalate on no acknowledgement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pm_common.events import ComplaintTriaged, Envelope
from pm_common.org import OrgSnapshot
from pm_notifier.domain import paging as rules
from pm_notifier.domain.model import Intent, Recipient
from pm_notifier.service_layer.context import NotifierPorts, send_intent

CATEGORY_ZH = {
    "engineering": "工程",
    "cleaning_greening": "环境",
    "security_order": "秩序",
    "customer_service": "客服",
    "fees_finance": "收费",
    "community_culture": "社区",
    "other": "其他",
}


def page_id_of(complaint_id: str) -> str:
    return "pg_" + complaint_id


async def start(
    envelope: Envelope, event: ComplaintTriaged, snapshot: OrgSnapshot | None, ports: NotifierPorts, now: datetime
) -> None:
    page_id = page_id_of(event.complaint_id)
    page = await ports.pages.get(page_id)
    if page is None:
        place = (event.fault_key or "").split("|")[1] if event.fault_key and "|" in event.fault_key else ""
        doc = {
            "_id": page_id,
            "complaint_id": event.complaint_id,
            "estate_id": event.estate_id,
            "cause_event_id": envelope.id,
            "correlation_id": envelope.correlationid,
            "summary": f"{CATEGORY_ZH.get(event.category, event.category)}紧急事项",
            "place": place,
            "chains": rules.new_page(snapshot, now),
            "acknowledged_by": None,
            "acknowledged_at": None,
            "created_at": now,
        }
        await ports.pages.insert(doc)
        page = await ports.pages.get(page_id)
    assert page is not None
    for step in rules.first_steps(page["chains"]):
        await _page(page, step, ports, now)
    await _schedule(page, ports)


async def _page(page: dict[str, Any], step: rules.Step, ports: NotifierPorts, now: datetime) -> None:
    s = ports.settings
    token = ports.links.sign("ack", page["_id"], step.person_id, int(now.timestamp()) + 86400)
    params = {
        "estate": page["estate_id"],
        "place": page.get("place", ""),
        "summary": page["summary"],
        "ack_link": f"{s.public_url}/h5/ack/{token}",
        "page_id": page["_id"],
    }
    intent = Intent(Recipient("staff", step.person_id, step.chain), "urgent_page", params, urgent=True)
    await send_intent(
        ports,
        intent,
        cause_id=f"{page['_id']}:{step.key}",
        cause_type="page",
        slot="urgent_page",
        complaint_id=page["complaint_id"],
        estate_id=page["estate_id"],
        correlation_id=page.get("correlation_id") or page["_id"],
        now=now,
        caused_by=page.get("cause_event_id"),
    )


async def _schedule(page: dict[str, Any], ports: NotifierPorts) -> None:
    when = rules.next_check(page, ports.settings.page_ack_minutes)
    if when is None:
        await ports.delivery.timers.clear("page", page["_id"])
    else:
        await ports.delivery.timers.set("page", page["_id"], when)


async def escalate(page_id: str, ports: NotifierPorts, now: datetime) -> list[str]:
    """Page the next person of every chain not acknowledged in time; returns who was paged."""
    page = await ports.pages.get(page_id)
    if page is None:
        await ports.delivery.timers.clear("page", page_id)
        return []
    for name, chain in page.get("chains", {}).items():  # a crash after the last step was recorded: resend it
        await _page(page, rules.Step(name, chain["index"], chain["people"][chain["index"]]), ports, now)
    steps = rules.escalations(page, now, ports.settings.page_ack_minutes)
    for step in steps:
        page["chains"][step.chain]["index"] = step.index
        page["chains"][step.chain]["paged_at"] = now
        await ports.pages.put(page_id, {f"chains.{step.chain}": page["chains"][step.chain]})
        await _page(page, step, ports, now)
    await _schedule(page, ports)
    return [s.person_id for s in steps]


async def acknowledge(page_id: str, person_id: str, ports: NotifierPorts, now: datetime) -> dict[str, Any]:
    page = await ports.pages.get(page_id)
    rules.check_may_acknowledge(page, person_id)
    assert page is not None
    if not page.get("acknowledged_by"):
        await ports.pages.put(page_id, {"acknowledged_by": person_id, "acknowledged_at": now})
        page = {**page, "acknowledged_by": person_id, "acknowledged_at": now}
    await ports.delivery.timers.clear("page", page_id)
    return page
