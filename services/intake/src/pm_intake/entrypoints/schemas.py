"""Typed 2xx bodies of intake's API (OpenAPI). The fields listed are the contract; stored items may
carry more (``extra="allow"``: passed through, not promised)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class LedgerRow(_Open):
    complaint_id: str
    reference_no: str | None = None
    estate_id: str
    channel: str | None = None
    status: str
    content: str = Field("", description="first 200 characters")
    owner_name: str | None = Field(None, description="masked (张*)")
    owner_phone: str | None = Field(None, description="masked (138****1234)")
    urgency_reported: str | None = None
    received_at: datetime | None = None
    category: str | None = None
    department: str | None = None
    handler_id: str | None = None


class LedgerPageBody(BaseModel):
    items: list[LedgerRow]
    total: int
    total_exact: bool
    page: int
    page_size: int
    next_cursor: str | None = None


class TimelineEntry(_Open):
    at: datetime
    kind: str
    note: str


class StaffItem(_Open):
    """An item as staff of its estate see it: personal data only masked."""

    complaint_id: str
    estate_id: str
    status: str
    channel: str | None = None
    reference_no: str | None = None
    registration: dict[str, Any] = Field(default_factory=dict)
    timeline: list[TimelineEntry] = Field(default_factory=list)


class Revealed(BaseModel):
    complaint_id: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    audit_id: str = Field(description="the audit entry written before the data was shown")


class AuditEntry(_Open):
    audit_id: str


class InboxMessage(BaseModel):
    at: datetime
    template: str
    message_zh: str
    message_en: str


class OwnerItem(BaseModel):
    complaint_id: str
    reference_no: str | None = None
    estate_id: str
    channel: str | None = None
    status: str
    content: str | None = None
    matter: str | None = None
    location: dict[str, Any] | None = None
    received_at: datetime | None = None
    next_contact_by: datetime | None = None
    answer: str | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    inbox: list[InboxMessage] = Field(
        default_factory=list,
        description="通知服务已送达业主的消息（匿名业主：查询凭证收件箱）/ messages delivered to the owner",
    )
    closed_at: datetime | None = Field(None, description="回访后关闭归档的时间 / when the item was closed and archived")


class OtpSent(BaseModel):
    sent: bool
    expires_in_seconds: int
    dev_code: str | None = Field(None, description="only outside production (PM_ENV≠prod)")


class OwnerSession(BaseModel):
    token: str
    token_type: str
    expires_in_seconds: int


class IntegrationKey(_Open):
    key_id: str
    name: str
    channels: list[str]
    estates: list[str]


class NewIntegrationKey(IntegrationKey):
    api_key: str = Field(description="shown once; store it in the integration")
