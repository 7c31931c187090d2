"""HTTP client of the platform's services (intake, triage, dispatch, sla-monitor, notifier): the
console is only a client of their APIs.

Every staff call carries a short-lived bearer token minted for the session; owner calls carry the
owner's token from intake; the client address of the browser is passed on as ``X-Forwarded-For``
(believed by intake only if the console is listed in its ``PM_TRUSTED_PROXIES``)."""

from __future__ import annotations

from typing import Any

import httpx

from pm_console.service_layer.ports import PlatformError


class PlatformClient:
    def __init__(self, intake_url: str, triage_url: str, timeout: float = 10.0, **others: str) -> None:
        """``others``: more services by name (``dispatch``, ``sla``, ``notifier``) and their base URLs."""
        self._http = httpx.AsyncClient(timeout=timeout)
        urls = {"intake": intake_url, "triage": triage_url, **others}
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}

    async def close(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: dict[str, str] | None = None,
        client_ip: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if client_ip:
            sent["X-Forwarded-For"] = client_ip
        try:
            response = await self._http.request(
                method, self.urls[service] + path, json=json, params=params, headers=sent
            )
        except httpx.HTTPError as exc:
            raise PlatformError(
                503,
                {
                    "error": {
                        "code": "unavailable",
                        "message": f"{service} 服务暂时不可用，请稍后重试",
                        "message_en": f"{service} is unreachable ({type(exc).__name__}), retry later",
                    }
                },
            ) from None
        if response.status_code == 204:
            return None
        try:
            body = response.json()
        except ValueError:
            body = {"error": {"code": f"http_{response.status_code}", "message": "", "message_en": response.text[:200]}}
        if response.status_code >= 400:
            raise PlatformError(response.status_code, body)
        return body

    async def download(
        self, service: str, path: str, *, token: str, params: dict[str, str] | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A file of another service (e.g. an insights report): its bytes and content headers."""
        try:
            response = await self._http.get(
                self.urls[service] + path, params=params, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as exc:
            body = {"code": "unavailable", "message": f"{service} 服务暂时不可用", "message_en": type(exc).__name__}
            raise PlatformError(503, {"error": body}) from None
        if response.status_code >= 400:
            try:
                raise PlatformError(response.status_code, response.json())
            except ValueError:
                raise PlatformError(response.status_code, {}) from None
        kept = ("content-type", "content-disposition")
        return response.content, {k: v for k, v in response.headers.items() if k.lower() in kept}
