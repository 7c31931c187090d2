"""The adapter wrapper (bounded retries with backoff, no retry on rejection, timeouts) and the WeChat
adapter's access-token handling, against an in-memory HTTP transport (no network)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from pm_notifier.adapters.channels.base import Resilience, ResilientChannel, Result
from pm_notifier.adapters.channels.http import WeChatTemplate
from pm_notifier.service_layer.ports import Outbound

pytestmark = pytest.mark.unit
MSG = Outbound("d_1", "sms", "13800000000", "result", "已处理", "done", "d_1.sms")


class Scripted:
    def __init__(self, *results: Result | type[BaseException]) -> None:
        self.results = list(results)
        self.calls = 0

    async def __call__(self, m: Outbound) -> Result:
        self.calls += 1
        r = self.results.pop(0)
        if isinstance(r, type):
            raise r("connection refused")
        if r.outcome == "slow":
            await asyncio.sleep(1)
        return r


async def test_retries_errors_with_backoff_up_to_the_bound() -> None:
    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    call = Scripted(Result("error", "503"), Result("error", "503"), Result("accepted", "", "m-1"))
    channel = ResilientChannel("sms", call, Resilience(1, 3, 0.2, 1000), sleep)
    attempts = await channel.send(MSG)
    assert [a.outcome for a in attempts] == ["error", "error", "accepted"] and slept == [0.2, 0.4]
    assert attempts[-1].provider_message_id == "m-1" and attempts[0].recipient_masked == "138****0000"
    assert all(a.idempotency_key == "d_1.sms" for a in attempts)  # the same key on every retry
    gives_up = ResilientChannel("sms", Scripted(*[Result("error")] * 3), Resilience(1, 3, 0, 1000), sleep)
    assert len(await gives_up.send(MSG)) == 3


async def test_a_rejection_is_not_retried_and_timeouts_and_connection_errors_are() -> None:
    rejected = Scripted(Result("rejected", "invalid phone"))
    assert [a.outcome for a in await ResilientChannel("sms", rejected, Resilience(1, 3, 0, 1000)).send(MSG)] == [
        "rejected"
    ]
    flaky = Scripted(Result("slow"), httpx.ConnectError, Result("accepted"))
    attempts = await ResilientChannel("sms", flaky, Resilience(0.05, 3, 0, 1000)).send(MSG)
    assert [a.outcome for a in attempts] == ["timeout", "error", "accepted"]


async def test_wechat_refreshes_an_expired_access_token_once_and_sends_client_msg_id() -> None:
    seen: list[dict] = []  # type: ignore[type-arg]
    tokens = iter(["tok-1", "tok-2"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/token":
            return httpx.Response(200, json={"access_token": next(tokens), "expires_in": 7200})
        body = json.loads(request.content)
        seen.append({"token": request.url.params["access_token"], **body})
        if request.url.params["access_token"] == "tok-1":
            return httpx.Response(200, json={"errcode": 42001, "errmsg": "access_token expired"})
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "msgid": 123})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        wechat = WeChatTemplate(client, "https://api.weixin.qq.com", "wx1", "s", "TPL")
        result = await wechat(Outbound("d_2", "wechat", "oOPENID", "progress", "进展", "p", "d_2.wechat"))
    assert result.outcome == "accepted" and result.provider_message_id == "123"
    assert [s["token"] for s in seen] == ["tok-1", "tok-2"]
    assert seen[-1]["touser"] == "oOPENID" and seen[-1]["client_msg_id"] == "d_2.wechat"
    assert seen[-1]["template_id"] == "TPL" and seen[-1]["data"]["first"]["value"] == "进展"
