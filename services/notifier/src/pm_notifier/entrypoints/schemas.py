"""Response models of the notifier's API (its OpenAPI document; schemathesis checks every answer
against them). Stored documents carry more fields than listed: those models allow them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pm_common.openapi import ErrorBody

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "未找到 / not found"}}
_HTML = {"text/html": {"schema": {"type": "string"}}}
PAGES: dict[int | str, dict[str, Any]] = {
    404: {"description": "链接无效或已过期 / link invalid or expired (HTML page)", "content": _HTML},
    409: {"description": "已评价过 / already answered (HTML page)", "content": _HTML},
    422: {"description": "评分无效 / invalid score (HTML page)", "content": _HTML},
}


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class RecipientRef(_Open):
    kind: str = Field(description="owner | staff")
    ref: str = Field(description="complaint id (owner) or person / role id (staff); never a contact value")
    role: str | None = None


class Delivery(_Open):
    notification_id: str
    complaint_id: str | None
    estate_id: str
    template: str
    recipient: RecipientRef
    status: str = Field(description="queued | sent | delivered | failed | held …")
    channel: str | None
    attempts: list[dict[str, Any]] = Field(description="one entry per attempt (channel, outcome, at)")
    created_at: datetime


class ReceiptResult(BaseModel):
    notification_id: str
    changed: bool


class InboxMessage(BaseModel):
    at: datetime | None
    template: str
    message_zh: str | None
    message_en: str | None


class Page(_Open):
    page_id: str
    complaint_id: str
    estate_id: str
    chains: dict[str, Any] = Field(description="per chain (handler, duty manager): the roster and the step reached")
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class VisitRound(_Open):
    round: int
    task_id: str | None = None
    sampled: bool | None = None
    visit_due_at: datetime | None = None
    outcome: str | None = None


class OpenVisit(VisitRound):
    complaint_id: str
    estate_id: str


class Followup(BaseModel):
    complaint_id: str
    estate_id: str
    rounds: list[VisitRound]


class SurveyReplyResult(BaseModel):
    complaint_id: str
    round: int
    survey: dict[str, Any] | None


class OwnerPreferencesSaved(_Open):
    complaint_id: str


class EstateSettingsDocument(_Open):
    estate_id: str
