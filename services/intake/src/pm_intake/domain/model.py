"""The standard register (《业主意见处理登记表》) as plain models, and the rules on it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pm_common.events.payloads import Channel, Location, Urgency
from pydantic import BaseModel, ConfigDict, Field, model_validator

Status = Literal["received", "triaged", "rejected", "in_progress", "done", "closed", "withdrawn"]


class Owner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=50, examples=["张三"])
    phone: str | None = Field(None, pattern=r"^\+?[0-9\-]{5,20}$", examples=["13812341234"])


class Registration(BaseModel):
    """What a staff member or an integration registers."""

    model_config = ConfigDict(extra="forbid")

    estate_id: str = Field(min_length=1, max_length=40, examples=["SUNNY"])
    channel: Channel = Field(examples=["front_desk"])
    content: str = Field(min_length=2, max_length=5000, examples=["3号楼2单元电梯困人，请马上派人"])
    matter: str | None = Field(None, max_length=200)
    location: Location = Location()
    owner: Owner | None = None
    urgency_reported: Urgency | None = None
    raised_at: datetime | None = None

    @model_validator(mode="after")
    def _anonymous_has_no_identity(self) -> Registration:
        if self.channel == "anonymous" and self.owner is not None and (self.owner.name or self.owner.phone):
            raise ValueError("匿名渠道不得填写身份信息 / the anonymous channel must not carry an identity")
        return self


class Acknowledgement(BaseModel):
    complaint_id: str
    reference_no: str
    status: Status
    message: str
    message_en: str
    next_contact_by: datetime


class UnknownEstate(Exception):
    def __init__(self, estate_id: str) -> None:
        super().__init__(estate_id)
        self.estate_id = estate_id


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
