"""Registering items: any channel (staff or integration), batches, read-back confirmation, notes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pm_common.api import require_estate
from pm_common.auth import Principal
from pm_common.events.payloads import Location, Urgency
from pm_intake.bootstrap import Adapters
from pm_intake.config import IntakeSettings
from pm_intake.domain.model import Acknowledgement, ChannelDetails, EvidenceRef, Owner, Registration
from pm_intake.entrypoints import examples
from pm_intake.entrypoints.deps import Caller, Deps, FilingCallerDep, Settings, enforce_rate, refuse_if_exhausted
from pm_intake.entrypoints.permissions import allowed, permit, sees
from pm_intake.service_layer import handlers

router = APIRouter(prefix="/v1", tags=["登记 register"])
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=100, description="幂等键：同一键重试不会重复登记"),
]


async def _admit_filer(caller: Caller, deps: Adapters, settings: IntakeSettings, estate_id: str) -> None:
    """May this caller file items for this estate (its role: ``FilingCallerDep``), within its rate limit?"""
    require_estate(caller.principal, estate_id)
    await enforce_rate(deps, caller.filer.source, settings.rate_limit_requests, settings.rate_limit_window_seconds)


@router.post(
    "/complaints",
    status_code=201,
    response_model=Acknowledgement,
    summary="登记投诉/报修/建议（任一渠道）/ register an item",
    description=(
        "按《业主意见处理登记表》登记，立即返回回执（编号、下次联系时间）并通过发件箱发布 `complaint.received`。"
        "员工用 Bearer 令牌，对接系统用 `X-Api-Key`。各渠道必填项见文档；口头渠道可先存草稿待复述确认；"
        "`answered_on_spot` 表示当场答复并办结。带 `Idempotency-Key` 的重试返回同一条登记。"
    ),
    responses={201: {"content": {"application/json": {"example": examples.ACK}}}},
)
async def register_complaint(
    caller: FilingCallerDep,
    deps: Deps,
    settings: Settings,
    registration: Annotated[Registration, Body(openapi_examples=examples.REGISTER)],
    idempotency_key: IdempotencyKey = None,
) -> Acknowledgement:
    require_estate(caller.principal, registration.estate_id)
    if registration.subject_staff_ids:  # naming the staff complained about: staff who register, not integrations
        permit(caller.principal, "complaint.subjects.register")
    source, limit, window = caller.filer.source, settings.rate_limit_requests, settings.rate_limit_window_seconds
    refuse_if_exhausted(deps, source, limit, window)

    async def admit() -> None:  # the rate-limit hit, side by side with the registration's first round trip
        await enforce_rate(deps, source, limit, window)

    return await handlers.register(
        registration, caller.filer, deps.repo, deps.policy, datetime.now(UTC), idempotency_key, admit
    )


class BatchItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(min_length=2, max_length=5000)
    matter: str | None = Field(None, max_length=200)
    location: Location = Location()
    owner: Owner | None = None
    people_involved: list[str] = Field(default_factory=list, max_length=20)
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=50)
    urgency_reported: Urgency | None = None
    raised_at: datetime | None = None


class BatchRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    estate_id: str = Field(min_length=1, max_length=40)
    channel: Literal["suggestion_box", "owner_meeting", "survey", "letter"]
    channel_details: ChannelDetails = ChannelDetails()
    items: list[BatchItem] = Field(min_length=1, max_length=200)


class BatchAcknowledgement(BaseModel):
    count: int
    items: list[Acknowledgement]


@router.post(
    "/complaints/batch",
    status_code=201,
    response_model=BatchAcknowledgement,
    summary="批量登记（意见箱、恳谈会、问卷、来信）/ batch entry",
    description="一次录入多张意见条或多份问卷答复；全部校验通过才入库，每条各自生成编号并发布事件。",
    responses={201: {"content": {"application/json": {"example": {"count": 1, "items": [examples.ACK]}}}}},
)
async def register_batch(
    caller: FilingCallerDep,
    deps: Deps,
    settings: Settings,
    batch: Annotated[BatchRegistration, Body(openapi_examples=examples.BATCH)],
    idempotency_key: IdempotencyKey = None,
) -> BatchAcknowledgement:
    await _admit_filer(caller, deps, settings, batch.estate_id)
    shared = {"estate_id": batch.estate_id, "channel": batch.channel, "channel_details": batch.channel_details}
    regs = [_registration(shared, item.model_dump(exclude_unset=True), i) for i, item in enumerate(batch.items)]
    acks = await handlers.register_batch(regs, caller.filer, deps.repo, deps.policy, datetime.now(UTC), idempotency_key)
    return BatchAcknowledgement(count=len(acks), items=acks)


def _registration(shared: dict[str, Any], item: dict[str, Any], index: int) -> Registration:
    """One slip of a batch with the batch's shared fields; what the combination lacks (e.g. a
    survey's reference) is a 422 naming the item, like any other invalid input."""
    try:
        return Registration.model_validate({**shared, **item})
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", "items", index, *e.get("loc", ()))} for e in exc.errors()]
        raise RequestValidationError(errors) from None


class ReadbackConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_agreed: Literal[True] = Field(description="业主已认可复述内容")
    content: str | None = Field(None, min_length=2, max_length=5000, description="按业主更正后的内容（可选）")


@router.post(
    "/complaints/{complaint_id}/readback",
    response_model=Acknowledgement,
    summary="复述确认：草稿转为正式登记 / confirm the read-back of a draft",
    description="记录确认人与时间，分配编号，发布 `complaint.received`，返回回执。",
    responses={200: {"content": {"application/json": {"example": examples.ACK}}}},
)
async def confirm_readback(
    complaint_id: str,
    staff: Annotated[Principal, allowed("complaint.readback.confirm")],
    deps: Deps,
    body: Annotated[ReadbackConfirmation, Body(openapi_examples=examples.READBACK)],
) -> Acknowledgement:
    return await handlers.confirm_readback(
        complaint_id, staff.sub, sees(staff), deps.repo, deps.policy, datetime.now(UTC), body.content
    )


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=2, max_length=2000)
    visibility: Literal["owner", "internal"] = Field(
        "internal", description="owner：业主可见的进展；internal：内部备注"
    )


@router.post(
    "/complaints/{complaint_id}/notes",
    status_code=204,
    summary="添加进展说明或内部备注 / add a progress or internal note",
    description="`owner` 可见的说明会出现在业主查询的时间线中；`internal` 备注业主永远看不到。",
)
async def add_note(
    complaint_id: str,
    staff: Annotated[Principal, allowed("complaint.note")],
    deps: Deps,
    note: Annotated[Note, Body(openapi_examples=examples.NOTE)],
) -> None:
    await handlers.add_note(
        complaint_id, note.text, note.visibility, staff.sub, sees(staff), deps.repo, datetime.now(UTC)
    )
