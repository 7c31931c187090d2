"""Return visits (回访) for customer service, owner preferences, and the estate's notifier settings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from pm_common.api import ApiError
from pm_common.auth import Principal
from pm_common.events.payloads import Category
from pm_notifier.domain import followup as rules
from pm_notifier.domain.model import CHANNELS, Recipient
from pm_notifier.domain.templates import TEMPLATES, check_override
from pm_notifier.entrypoints.deps import Now, Ports
from pm_notifier.entrypoints.permissions import allowed, require_estate, sees
from pm_notifier.entrypoints.schemas import (
    EstateSettingsDocument,
    Followup,
    OpenVisit,
    OwnerPreferencesSaved,
    VisitRound,
)
from pm_notifier.service_layer import followup

router = APIRouter(tags=["return visits"])
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
ComplaintId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,100}$")]  # goes into intake's URL


@router.get(
    "/v1/return-visits",
    response_model=list[OpenVisit],
    summary="待回访清单（含截止时间）/ open return visits with their deadline",
)
async def open_visits(staff: Annotated[Principal, allowed("return_visit.read")], ports: Ports) -> list[dict[str, Any]]:
    out = []
    for timer in await ports.delivery.timers.pending("no_response"):
        doc = await ports.followups.get(timer["ref"])
        if doc is None or not await sees(staff, doc, ports.subjects, doc["_id"]):
            continue
        rnd = doc["rounds"][-1]
        if rnd.get("outcome") is None and rnd.get("sampled"):
            out.append({"complaint_id": doc["_id"], "estate_id": doc["estate_id"], **rnd})
    return sorted(out, key=lambda r: r["visit_due_at"])


@router.get(
    "/v1/complaints/{complaint_id}/followup",
    response_model=Followup,
    summary="某投诉的问卷与回访记录 / survey and return visits",
)
async def get_followup(
    complaint_id: str, staff: Annotated[Principal, allowed("return_visit.read")], ports: Ports
) -> dict[str, Any]:
    doc = await ports.followups.get(complaint_id)
    if doc is None or not await sees(staff, doc, ports.subjects, complaint_id):
        raise rules.FollowupNotFound()
    return {"complaint_id": doc["_id"], "estate_id": doc["estate_id"], "rounds": doc["rounds"]}


class VisitRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["satisfied", "dissatisfied", "no_response"]
    note: str = Field("", max_length=1000, description="回访记录：业主意见、建议")


@router.post(
    "/v1/return-visits/{complaint_id}",
    response_model=VisitRound,
    summary="记录回访结果 / record a return visit's outcome",
)
async def record(
    complaint_id: str,
    body: VisitRecord,
    staff: Annotated[Principal, allowed("return_visit.record")],
    ports: Ports,
    clock: Now,
) -> dict[str, Any]:
    doc = await ports.followups.get(complaint_id)
    if doc is None or not await sees(staff, doc, ports.subjects, complaint_id):
        raise rules.FollowupNotFound()
    return await followup.record_visit(complaint_id, body.outcome, body.note, staff.sub, ports, clock.now())


class OwnerPreferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[Literal["sms", "wechat", "email", "push"]] = Field(default_factory=list, description="优先渠道")
    quiet_start: str | None = Field(None, pattern=HHMM, description="免打扰开始（本地时间），如 22:00")
    quiet_end: str | None = Field(None, pattern=HHMM, description="免打扰结束，如 08:00")


@router.put(
    "/v1/complaints/{complaint_id}/owner-preferences",
    response_model=OwnerPreferencesSaved,
    summary="记录业主的通知偏好 / owner preferences",
)
async def preferences(
    complaint_id: ComplaintId,
    body: OwnerPreferences,
    staff: Annotated[Principal, allowed("owner.preferences.write")],
    ports: Ports,
) -> dict[str, Any]:
    """Stored under the owner's pseudonymous key from intake (no contact value), so they apply to
    every item of that owner."""
    contact = await ports.delivery.contacts.lookup(Recipient("owner", complaint_id), purpose="owner-preferences")
    estate = contact.facts.get("estate_id", "") if contact is not None else ""
    if contact is not None and not await sees(staff, {"estate_id": estate}, ports.subjects, complaint_id):
        raise ApiError(404, "not_found", "未找到", "not found")  # another estate's owner, or about the caller
    if contact is None or not contact.owner_ref:
        raise ApiError(409, "no_owner", "该投诉无可识别的业主（匿名或未留电话）", "no identifiable owner for this item")
    await ports.delivery.preferences.put(contact.owner_ref, body.model_dump())
    return {"complaint_id": complaint_id, **body.model_dump()}


class TemplateText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh: str | None = Field(None, max_length=500)
    en: str | None = Field(None, max_length=500)


class FollowupPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate: float = Field(1.0, ge=0, le=1, description="回访抽样比例（默认 100%）")
    working_days: int = Field(3, ge=0, le=30, description="回访时限（工作日）")
    no_response_days: int = Field(7, ge=1, le=60, description="问卷无应答视为“未回复”的天数")
    supervisor_visit_working_days: int = Field(1, ge=0, le=10, description="业主不满意时主管上门回访时限（工作日）")
    by_category: dict[Category, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=dict, description='按类别的抽样比例，如 {"engineering": 0.5}'
    )


class ProgressRhythm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after_hours: float = Field(48, ge=0, le=24 * 90, description="受理超过多少小时后主动告知进展（0 关闭）")
    every_hours: float = Field(24, gt=0, le=24 * 30, description="之后每隔多少小时告知一次")


class EstateSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field("Asia/Shanghai", max_length=60)
    skip_verification: bool = Field(False, description="不经主管核验：处理完毕即发问卷")
    templates: dict[str, TemplateText] = Field(default_factory=dict, description="按模板覆盖文字")
    followup: FollowupPolicy = FollowupPolicy()
    progress: ProgressRhythm = ProgressRhythm()


@router.put(
    "/v1/estates/{estate_id}/notifier-settings",
    response_model=EstateSettingsDocument,
    summary="项目的通知设置 / an estate's notifier settings",
)
async def put_settings(
    estate_id: str, body: EstateSettings, staff: Annotated[Principal, allowed("notifier.settings.write")], ports: Ports
) -> dict[str, Any]:
    require_estate(staff, estate_id)
    for name, text in body.templates.items():
        unknown = check_override(name, text.zh, text.en) if name in TEMPLATES else ["<template>"]
        if unknown:
            raise ApiError(422, "invalid_template", f"模板 {name} 含未知占位符 {unknown}", f"{name}: unknown {unknown}")
    stored = body.model_dump(exclude_none=True)
    await ports.delivery.estates.put(estate_id, stored)
    return {"estate_id": estate_id, **stored}


@router.get(
    "/v1/estates/{estate_id}/notifier-settings",
    response_model=EstateSettingsDocument,
    summary="查看项目的通知设置 / read them",
)
async def get_settings(
    estate_id: str, staff: Annotated[Principal, allowed("notifier.settings.read")], ports: Ports
) -> dict[str, Any]:
    require_estate(staff, estate_id)
    doc = await ports.delivery.estates.get(estate_id) or EstateSettings().model_dump()
    return {"estate_id": estate_id, **{k: v for k, v in doc.items() if k != "_id"}, "channels": list(CHANNELS)}
