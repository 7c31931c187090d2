"""HTTP channels: SMS gateway, WeChat template messages (official API shape), app push webhook,
and the staff work queue / pager. Each sends the delivery's idempotency key to the provider."""

from __future__ import annotations

import time

import httpx

from pm_notifier.adapters.channels.base import Result, http_result
from pm_notifier.service_layer.ports import Outbound


class SmsGateway:
    """``POST {base}/sms/send`` with ``Idempotency-Key``; answers ``{"code": "OK", "message_id", "status"}``."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, api_key: str, sign_name: str) -> None:
        self.client, self.base, self.api_key, self.sign_name = client, base_url.rstrip("/"), api_key, sign_name

    async def __call__(self, m: Outbound) -> Result:
        body = {"phone": m.address, "sign_name": self.sign_name, "template_code": m.template, "text": m.zh}
        r = await self.client.post(
            f"{self.base}/sms/send",
            json=body,
            headers={"Idempotency-Key": m.idempotency_key, "Authorization": f"Bearer {self.api_key}"},
        )
        data = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        result = http_result(r, data.get("code") == "OK", data.get("message_id"), str(data.get("message", "")))
        if result.outcome == "accepted" and data.get("status") == "delivered":
            return Result("delivered", "", result.provider_message_id)
        return result


class WeChatTemplate:
    """Official-account template message: ``GET /cgi-bin/token`` (cached until it expires or the API
    says 40001/42001), then ``POST /cgi-bin/message/template/send?access_token=…`` with ``touser``
    (openid), ``template_id``, ``url``, ``data`` and ``client_msg_id`` (WeChat's de-duplication key)."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, appid: str, secret: str, template_id: str) -> None:
        self.client, self.base = client, base_url.rstrip("/")
        self.appid, self.secret, self.template_id = appid, secret, template_id
        self._token: tuple[str, float] | None = None

    async def _access_token(self, refresh: bool = False) -> str:
        if self._token and not refresh and self._token[1] > time.monotonic():
            return self._token[0]
        r = await self.client.get(
            f"{self.base}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )
        r.raise_for_status()
        data = r.json()
        if "access_token" not in data:
            raise httpx.HTTPError(f"token refused: {data.get('errcode')} {data.get('errmsg')}")
        self._token = (data["access_token"], time.monotonic() + int(data.get("expires_in", 7200)) - 300)
        return str(data["access_token"])

    async def __call__(self, m: Outbound) -> Result:
        body = {
            "touser": m.address,
            "template_id": self.template_id,
            "url": m.link or "",
            "client_msg_id": m.idempotency_key,
            "data": {"first": {"value": m.zh}, "remark": {"value": m.template}},
        }
        for refresh in (False, True):
            token = await self._access_token(refresh)
            r = await self.client.post(
                f"{self.base}/cgi-bin/message/template/send", params={"access_token": token}, json=body
            )
            if r.status_code >= 500:
                return Result("error", f"HTTP {r.status_code}")
            data = r.json()
            code = int(data.get("errcode", -1))
            if code == 0:
                return Result("accepted", "", str(data.get("msgid")))
            if code in (40001, 42001) and not refresh:
                continue  # token invalid or expired: fetch a new one once
            if code == -1:
                return Result("error", "system busy (-1)")
            return Result("rejected", f"errcode {code}: {data.get('errmsg', '')}")
        return Result("error", "access token refused twice")


class PushWebhook:
    """App push: ``POST {url}`` with ``{"token", "title", "body", "data"}`` and ``Idempotency-Key``."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self.client, self.url = client, url

    async def __call__(self, m: Outbound) -> Result:
        body = {"token": m.address, "title": m.template, "body": m.zh, "data": {"link": m.link or ""}}
        r = await self.client.post(self.url, json=body, headers={"Idempotency-Key": m.idempotency_key})
        data = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        return http_result(r, bool(data.get("id")), data.get("id"))


class StaffPager:
    """Staff work queue / pager: ``POST {base}/pager/pages`` (urgent items ring until acknowledged)."""

    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self.client, self.base = client, base_url.rstrip("/")

    async def __call__(self, m: Outbound) -> Result:
        body = {
            "person_id": m.params.get("recipient_ref", ""),
            "pager_id": m.address,
            "text": m.zh,
            "urgent": m.urgent,
            "ack_url": m.link or "",
        }
        r = await self.client.post(
            f"{self.base}/pager/pages", json=body, headers={"Idempotency-Key": m.idempotency_key}
        )
        data = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        result = http_result(r, bool(data.get("id")), data.get("id"))
        return Result("delivered", "", result.provider_message_id) if result.outcome == "accepted" else result
