"""The sink's HTTP side: provider-shaped endpoints, a JSON read API for tests, a page for people."""

from __future__ import annotations

import html
import itertools
import uuid
from typing import Any

from fastapi import FastAPI, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse

from pm_notifier.localsink.store import SinkStore

CHANNEL_ZH = {
    "sms": "短信",
    "wechat": "微信模板消息",
    "email": "电子邮件",
    "push": "App 推送",
    "pager": "值班呼叫/工作台",
}


def create_sink_app(store: SinkStore) -> FastAPI:
    app = FastAPI(title="本地消息网关（开发用）Local provider sink")
    tokens: set[str] = set()
    msgids = itertools.count(2_000_000_001)

    def failure(channel: str) -> JSONResponse | None:
        status = store.injected_failure(channel)
        if status is None:
            return None
        return JSONResponse({"code": "FAIL", "message": f"injected {status}"}, status_code=status)

    @app.post("/sms/send")
    async def sms(body: dict[str, Any], idempotency_key: str | None = Header(None)) -> Any:
        if (failed := failure("sms")) is not None:
            return failed
        if not body.get("phone") or not body.get("text"):
            return JSONResponse({"code": "isv.MOBILE_NUMBER_ILLEGAL", "message": "phone and text required"}, 400)
        m = store.record(
            "sms", str(body["phone"]), str(body["text"]), idempotency_key, template=body.get("template_code")
        )
        return {"code": "OK", "message_id": m["id"], "status": "delivered"}

    @app.get("/cgi-bin/token")
    async def wechat_token(grant_type: str, appid: str, secret: str) -> Any:
        if grant_type != "client_credential" or not appid or not secret:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        token = "tok-" + uuid.uuid4().hex
        tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    @app.post("/cgi-bin/message/template/send")
    async def wechat_send(access_token: str, body: dict[str, Any]) -> Any:
        if (failed := failure("wechat")) is not None:
            return failed
        if access_token not in tokens:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if not body.get("touser") or not body.get("template_id"):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        text = str((body.get("data") or {}).get("first", {}).get("value", ""))
        m = store.record("wechat", str(body["touser"]), text, body.get("client_msg_id"), url=body.get("url"))
        m.setdefault("msgid", next(msgids))
        return {"errcode": 0, "errmsg": "ok", "msgid": m["msgid"]}

    @app.post("/push/send")
    async def push(body: dict[str, Any], idempotency_key: str | None = Header(None)) -> Any:
        if (failed := failure("push")) is not None:
            return failed
        m = store.record("push", str(body.get("token", "")), str(body.get("body", "")), idempotency_key)
        return {"id": m["id"]}

    @app.post("/pager/pages")
    async def pager(body: dict[str, Any], idempotency_key: str | None = Header(None)) -> Any:
        if (failed := failure("pager")) is not None:
            return failed
        who = str(body.get("pager_id") or body.get("person_id") or "")
        m = store.record("pager", who, str(body.get("text", "")), idempotency_key, ack_url=body.get("ack_url"))
        return {"id": m["id"]}

    @app.get("/api/messages")
    async def messages(channel: str | None = None, recipient: str | None = None) -> dict[str, Any]:
        found = [
            m
            for m in store.messages
            if (channel is None or m["channel"] == channel) and (recipient is None or m["recipient"] == recipient)
        ]
        return {"messages": found, "calls": store.calls, "duplicates": store.duplicates}

    @app.post("/_control/fail")
    async def fail(body: dict[str, Any]) -> dict[str, Any]:
        store.fail_next(str(body["channel"]), int(body.get("times", 1)), int(body.get("status", 503)))
        return {"failures": store.failures}

    @app.post("/_control/reset")
    async def reset() -> dict[str, Any]:
        store.reset()
        return {"ok": True}

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        sections = []
        for who, items in sorted(store.by_recipient().items()):
            rows = "".join(
                f"<tr><td>{html.escape(m['received_at'][:19].replace('T', ' '))}</td>"
                f"<td>{html.escape(m['text'])}</td></tr>"
                for m in reversed(items)
            )
            channel, _, address = who.partition(":")
            sections.append(
                f"<h3>{html.escape(CHANNEL_ZH.get(channel, channel))} → {html.escape(address)}（{len(items)} 条）</h3>"
                f"<table border=1 cellpadding=4><tr><th>接收时间 (UTC)</th><th>内容</th></tr>{rows}</table>"
            )
        body = "".join(sections) or "<p>尚未收到任何消息。No messages yet.</p>"
        page = (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">'
            "<title>本地消息网关</title></head><body style='font-family:sans-serif'>"
            "<h2>本地消息网关：已“发送”的消息（按接收人）</h2>"
            f"<p>共 {len(store.messages)} 条，重复请求已去重 {store.duplicates} 次。每 5 秒刷新。</p>"
            f"{body}</body></html>"
        )
        return HTMLResponse(page)

    return app
