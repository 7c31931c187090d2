"""The standard register (《业主意见处理登记表》) as plain models, and the value rules on it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pm_common.events.payloads import Channel, Location, Urgency
from pm_common.subjects import MAX_SUBJECTS
from pm_intake.domain.errors import UnknownEstate

__all__ = [
    "ORAL_CHANNELS",
    "Acknowledgement",
    "ChannelDetails",
    "EvidenceRef",
    "Owner",
    "Registration",
    "StaffId",
    "Status",
    "UnknownEstate",
    "mask_email",
    "mask_name",
    "mask_phone",
    "reference_number",
]

Status = Literal["draft", "received", "triaged", "rejected", "in_progress", "done", "closed", "withdrawn"]
StaffId = Annotated[str, Field(pattern=r"^[A-Za-z0-9._:@\-]{1,100}$")]
ORAL_CHANNELS = frozenset({"front_desk", "phone", "visit"})  # read back to the owner (复述确认)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Owner(_Strict):
    """The complainant. Name, phone and e-mail are personal data: stored apart, shown masked."""

    name: str | None = Field(None, min_length=1, max_length=50, examples=["张三"])
    phone: str | None = Field(None, pattern=r"^\+?[0-9\-]{5,20}$", examples=["13812341234"])
    email: str | None = Field(None, pattern=r"^[^@\s]{1,64}@[^@\s]{1,190}$", examples=["zhangsan@example.com"])
    building: str | None = Field(None, max_length=20, description="楼栋", examples=["3"])
    unit: str | None = Field(None, max_length=20, description="单元", examples=["2"])
    room: str | None = Field(None, max_length=20, description="房号", examples=["1201"])

    def has_identity(self) -> bool:
        return any((self.name, self.phone, self.email, self.building, self.unit, self.room))


class EvidenceRef(_Strict):
    """A reference to a stored photo / video / recording / document (the file itself is not uploaded here)."""

    kind: Literal["photo", "video", "recording", "document"]
    ref: str = Field(
        min_length=1, max_length=200, description="存储系统中的文件编号", examples=["oss://pm/2026/11/a1.jpg"]
    )
    content_type: str = Field(pattern=r"^[a-z]+/([a-z0-9.+\-]+|\*)$", examples=["image/jpeg"])
    size_bytes: int = Field(ge=0, le=2**40, examples=[245000])  # 1 TiB: far above any limit, within 8 bytes


class ChannelDetails(_Strict):
    """Channel-specific fields; which are required depends on the channel (see ``domain/channels.py``)."""

    call_id: str | None = Field(None, max_length=100, description="呼叫中心（CTI）通话编号")
    recording_ref: str | None = Field(None, max_length=200, description="通话录音编号")
    recording_notice_given: bool | None = Field(None, description="已告知来电人通话被录音")
    document_ref: str | None = Field(None, max_length=200, description="来信/传真/邮件的收文编号或邮件 Message-ID")
    box_id: str | None = Field(None, max_length=50, description="意见箱编号")
    opened_at: datetime | None = Field(None, description="意见箱开箱时间")
    session_ref: str | None = Field(None, max_length=100, description="恳谈会/问卷编号")
    wechat_source: Literal["official_account", "mini_program"] | None = Field(None, description="公众号或小程序")
    group_name: str | None = Field(None, max_length=100, description="业主群名称")
    visit_purpose: Literal["new_resident", "elderly_alone", "routine", "follow_up"] | None = Field(
        None, description="走访类型：新入住、独居老人、例行、回访"
    )
    external_ref: str | None = Field(None, max_length=200, description="外部系统的消息编号（App、微信网关等）")


class Registration(_Strict):
    """One item of the standard register, as a staff member or an integration submits it."""

    estate_id: str = Field(min_length=1, max_length=40, examples=["SUNNY"])
    channel: Channel = Field(examples=["front_desk"])
    content: str = Field(min_length=2, max_length=5000, examples=["3号楼2单元电梯困人，请马上派人"])
    matter: str | None = Field(None, max_length=200, description="涉及事项", examples=["电梯故障"])
    location: Location = Location()
    owner: Owner | None = None
    people_involved: list[str] = Field(default_factory=list, max_length=20, description="涉及人员")
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=50, description="证据（照片/视频/录音编号）")
    urgency_reported: Urgency | None = None
    raised_at: datetime | None = Field(None, description="业主提出的时间（默认为登记时间）")
    channel_details: ChannelDetails = ChannelDetails()
    hold_for_readback: bool = Field(False, description="口头渠道：先存为草稿，复述确认后再正式登记")
    readback_confirmed: bool = Field(False, description="口头渠道：登记时业主已认可复述内容")
    answered_on_spot: str | None = Field(None, min_length=2, max_length=2000, description="当场答复内容（登记即办结）")
    subject_staff_ids: list[StaffId] = Field(
        default_factory=list,
        max_length=MAX_SUBJECTS,
        description="被投诉人：投诉涉及的员工编号（组织架构中的人员编号）；他们看不到这条登记",
        examples=[["sunny-sec3"]],
    )

    @model_validator(mode="after")
    def _people_are_short(self) -> Registration:
        if any(not p.strip() or len(p) > 50 for p in self.people_involved):
            raise ValueError("涉及人员每项 1–50 字 / each person involved must be 1-50 characters")
        return self


class Acknowledgement(BaseModel):
    """The immediate acknowledgement (回执): thanks, reference number, next-contact promise."""

    complaint_id: str
    reference_no: str | None = Field(None, description="登记编号；草稿在复述确认后才分配")
    status: Status
    message: str
    message_en: str
    next_contact_by: datetime | None = None
    tracking_token: str | None = Field(None, description="匿名/未留手机号时的查询凭证，仅此一次返回")


def reference_number(estate_id: str, day: str, sequence: int) -> str:
    """``ESTATE-YYYYMMDD-NNNN``: per estate and day, unique because the sequence is a DB counter."""
    return f"{estate_id}-{day}-{sequence:04d}"


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = phone.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def mask_name(name: str | None) -> str | None:
    if not name:
        return None
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_email(email: str | None) -> str | None:
    if not email:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
