"""Contacts at delivery time, over authenticated internal HTTP: owners from intake
(``GET /internal/v1/complaints/{id}/contact``), staff from dispatch
(``GET /internal/v1/people/{person_id}/contact``). Nothing is cached or stored; each lookup carries
the delivery id as its audited purpose."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from pm_common.auth import issue_token
from pm_notifier.domain.model import CHANNELS, Contact, Recipient
from pm_notifier.service_layer.ports import ContactUnavailable, Rosters

log = logging.getLogger(__name__)
SERVICE_IDENTITY = "service:notifier"
# staff contact fields dispatch may answer with → channel
_STAFF_FIELDS = {"phone": "sms", "email": "email", "wechat_openid": "wechat", "pager_id": "pager", "push_token": "push"}


class HttpContactDirectory:
    def __init__(
        self,
        client: httpx.AsyncClient,
        intake_url: str,
        dispatch_url: str,
        secret: str,
        rosters: Rosters,
        timeout: float = 5.0,
    ) -> None:
        self.client, self.intake, self.dispatch = client, intake_url.rstrip("/"), dispatch_url.rstrip("/")
        self.secret, self.rosters, self.timeout = secret, rosters, timeout

    def _headers(self) -> dict[str, str]:
        token = issue_token(self.secret, SERVICE_IDENTITY, "integration", ["*"], ttl_seconds=300)
        return {"Authorization": f"Bearer {token}"}

    async def _get(self, url: str, purpose: str) -> dict[str, Any] | None:
        try:
            r = await self.client.get(url, params={"purpose": purpose}, headers=self._headers(), timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise ContactUnavailable(str(exc)) from exc
        if r.status_code == 404:
            return None
        if r.status_code >= 500:
            raise ContactUnavailable(f"HTTP {r.status_code}")
        if r.status_code >= 400:
            log.warning("contact lookup %s refused: HTTP %s", url, r.status_code)
            return None
        data: dict[str, Any] = r.json()
        return data

    async def lookup(self, recipient: Recipient, purpose: str) -> Contact | None:
        if recipient.kind == "owner":
            return await self._owner(recipient.ref, purpose)
        return await self._staff(recipient.ref, purpose)

    async def _owner(self, complaint_id: str, purpose: str) -> Contact | None:
        data = await self._get(f"{self.intake}/internal/v1/complaints/{complaint_id}/contact", purpose)
        if data is None:
            return None
        facts = {
            k: str(data[k])
            for k in ("reference_no", "next_contact_by", "estate_name", "estate_id")
            if data.get(k) is not None
        }
        if data.get("estate_name"):
            facts["estate"] = str(data["estate_name"])
        if data.get("anonymous"):
            return Contact(anonymous=True, facts=facts)
        addresses = {k: str(v) for k, v in (data.get("contact") or {}).items() if k in CHANNELS and v}
        return Contact(addresses, tuple(addresses), False, data.get("owner_ref"), facts)

    async def _staff(self, person_id: str, purpose: str) -> Contact | None:
        """Dispatch's contact of a person; the staff work queue (pager channel addressed by person or
        role id, no personal data) is always the last fallback, and the only one for a role queue."""
        queue = Contact({"pager": person_id}, ("pager",))
        if person_id.startswith("role:"):
            return queue
        data = await self._get(f"{self.dispatch}/internal/v1/people/{person_id}/contact", purpose)
        if data is None:
            return queue
        addresses = {k: str(v) for k, v in (data.get("contact") or {}).items() if k in CHANNELS and v}
        for field, channel in _STAFF_FIELDS.items():
            if data.get(field) and channel not in addresses:
                addresses[channel] = str(data[field])
        accepts = tuple(str(c) for c in data.get("channels") or ())
        if not accepts and data.get("estate_id"):
            snapshot = await self.rosters.get(str(data["estate_id"]))
            person = snapshot.person(person_id) if snapshot else None
            accepts = tuple(person.channels) if person else ()
        addresses.setdefault("pager", person_id)
        return Contact(addresses, tuple(dict.fromkeys([*(accepts or tuple(addresses)), "pager"])))
