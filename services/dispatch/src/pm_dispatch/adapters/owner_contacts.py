"""Intake's internal contact lookup for a task's assignee (``OwnerContacts``), over authenticated HTTP.

``GET {intake}/internal/v1/complaints/{id}/contact?purpose=…&task_id=…&on_behalf_of=…`` with a
short-lived token of role ``integration``, subject ``service:dispatch``, scoped to the task's estate.
Intake answers this identity with the phone only and audits the lookup (who for, which task, why).
Nothing is cached or stored here."""

from __future__ import annotations

import logging

import httpx

from pm_common.auth import issue_token
from pm_dispatch.domain.errors import ContactUnavailable
from pm_dispatch.service_layer.ports import OwnerContact

log = logging.getLogger(__name__)
SERVICE_IDENTITY = "service:dispatch"


class HttpOwnerContacts:
    def __init__(self, intake_url: str, secret: str, timeout: float = 5.0) -> None:
        self.intake, self.secret, self.timeout = intake_url.rstrip("/"), secret, timeout

    async def for_task(
        self, complaint_id: str, estate_id: str, task_id: str, on_behalf_of: str, purpose: str
    ) -> OwnerContact | None:
        token = issue_token(self.secret, SERVICE_IDENTITY, "integration", [estate_id], ttl_seconds=60)
        params = {"purpose": purpose, "task_id": task_id, "on_behalf_of": on_behalf_of}
        url = f"{self.intake}/internal/v1/complaints/{complaint_id}/contact"
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                r = await client.get(url, params=params, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            log.warning("owner contact lookup for %s failed: %s", task_id, type(exc).__name__)
            raise ContactUnavailable() from exc
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            log.warning("owner contact lookup for %s answered HTTP %s", task_id, r.status_code)
            raise ContactUnavailable()
        data = r.json()
        phone = (data.get("contact") or {}).get("sms")
        return OwnerContact(anonymous=bool(data.get("anonymous")), phone=str(phone) if phone else None)
