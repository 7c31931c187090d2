"""Owner and staff H5 pages reached by signed links: the survey (1–5 + comment) and the page
acknowledgement; and the SMS gateway's inbound replies ("5 很满意")."""

from __future__ import annotations

import html
import re
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from pm_common.api import ApiError
from pm_common.auth import Principal
from pm_notifier.domain.followup import AlreadyRecorded, FollowupNotFound, InvalidScore
from pm_notifier.domain.links import BadLink
from pm_notifier.entrypoints.deps import Now, Ports
from pm_notifier.entrypoints.permissions import allowed
from pm_notifier.entrypoints.schemas import NOT_FOUND, PAGES, SurveyReplyResult
from pm_notifier.service_layer import followup, paging

router = APIRouter(tags=["owner pages (H5)"])
_STYLE = (
    "body{font-family:sans-serif;max-width:28em;margin:2em auto;padding:0 1em}button{font-size:1.1em;padding:.5em 2em}"
)


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h2>{html.escape(title)}</h2>{body}</body></html>"
    )
    return HTMLResponse(doc, status_code=status)


async def _form(request: Request) -> dict[str, str]:
    raw = (await request.body())[:8192].decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(raw).items()}


@router.get(
    "/h5/survey/{token}", response_class=HTMLResponse, responses=PAGES, summary="满意度问卷页 / the survey page"
)
async def survey_form(token: str, ports: Ports, clock: Now) -> HTMLResponse:
    try:
        ports.links.verify("survey", token, clock.now().timestamp())
    except BadLink:
        return page("链接无效或已过期", "<p>请联系客服中心。The link is invalid or expired.</p>", 404)
    options = "".join(
        f'<label><input type="radio" name="score" value="{n}" required> {n} 分</label><br>' for n in range(5, 0, -1)
    )
    body = (
        "<p>请对本次服务进行评价（5 分最满意）。Please rate our service (5 = very satisfied).</p>"
        f'<form method="post">{options}<p><textarea name="comment" rows="4" cols="30" maxlength="500" '
        'placeholder="意见或建议（可选）"></textarea></p><button type="submit">提交 Submit</button></form>'
    )
    return page("服务满意度评价", body)


@router.post("/h5/survey/{token}", response_class=HTMLResponse, responses=PAGES, summary="提交问卷 / submit the survey")
async def survey_submit(token: str, request: Request, ports: Ports, clock: Now) -> HTMLResponse:
    now = clock.now()
    try:
        complaint_id, round_no = ports.links.verify("survey", token, now.timestamp())
        form = await _form(request)
        score = int(form.get("score", "0"))
        await followup.answer(complaint_id, int(round_no), score, form.get("comment") or None, "h5", ports, now)
    except BadLink:
        return page("链接无效或已过期", "<p>请联系客服中心。</p>", 404)
    except (ValueError, InvalidScore):
        return page("请选择 1–5 分", "<p>Please choose a score from 1 to 5.</p>", 422)
    except (AlreadyRecorded, FollowupNotFound):
        return page("您已评价过", "<p>感谢您的反馈。You have already answered.</p>", 409)
    return page("感谢您的评价", "<p>我们已收到您的反馈。Thank you for your feedback.</p>")


@router.get(
    "/h5/ack/{token}", response_class=HTMLResponse, responses=PAGES, summary="紧急呼叫确认页 / page acknowledgement"
)
async def ack_form(token: str, ports: Ports, clock: Now) -> HTMLResponse:
    try:
        ports.links.verify("ack", token, clock.now().timestamp())
    except BadLink:
        return page("链接无效或已过期", "", 404)
    return page("紧急呼叫", '<form method="post"><button type="submit">我已收到，马上处理</button></form>')


@router.post("/h5/ack/{token}", response_class=HTMLResponse, responses=PAGES, summary="确认紧急呼叫 / acknowledge")
async def ack_submit(token: str, ports: Ports, clock: Now) -> HTMLResponse:
    now = clock.now()
    try:
        page_id, person_id = ports.links.verify("ack", token, now.timestamp())
    except BadLink:
        return page("链接无效或已过期", "", 404)
    await paging.acknowledge(page_id, person_id, ports, now)
    return page("已确认", "<p>升级已停止，请尽快到场处理。Acknowledged.</p>")


class SmsReply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply_to: str = Field(min_length=1, max_length=200, description="被回复短信的网关消息编号")
    text: str = Field(min_length=1, max_length=500)


@router.post(
    "/internal/v1/sms/inbound",
    response_model=SurveyReplyResult,
    responses=NOT_FOUND,
    summary="业主回复短信（问卷评分）/ an owner's SMS reply",
)
async def sms_reply(
    body: SmsReply, staff: Annotated[Principal, allowed("survey.sms_reply")], ports: Ports, clock: Now
) -> dict[str, Any]:
    doc = await ports.delivery.store.by_provider_id(body.reply_to)
    if doc is None or doc["template"] != "survey_invitation" or not doc.get("complaint_id"):
        raise ApiError(404, "not_found", "未找到对应的问卷短信", "no survey message with that id")
    match = re.match(r"\s*([1-5])\s*(.*)", body.text, re.S)
    if match is None:
        raise InvalidScore()
    fu = await ports.followups.get(doc["complaint_id"])
    rnd = next((r for r in (fu or {}).get("rounds", []) if r["cause_event_id"] == doc["cause_event_id"]), None)
    if rnd is None:
        raise FollowupNotFound()
    comment = match.group(2).strip() or None
    result = await followup.answer(
        doc["complaint_id"], rnd["round"], int(match.group(1)), comment, "sms", ports, clock.now()
    )
    return {"complaint_id": doc["complaint_id"], "round": result["round"], "survey": result["survey"]}
