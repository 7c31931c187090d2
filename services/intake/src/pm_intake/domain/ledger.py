"""Staff ledger queries (台账, intake side): filters, paging and the estate scope rule."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from pm_intake.domain.errors import NotPermitted


class LedgerQuery(BaseModel):
    model_config = ConfigDict(frozen=True)

    estates: tuple[str, ...] | None = None  # None: every estate (group-wide roles)
    status: str | None = None
    channel: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    text: str | None = Field(None, max_length=100)
    recorder_id: str | None = None
    ids: tuple[str, ...] | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=100)


def estate_scope(staff_estates: tuple[str, ...], requested: str | None) -> tuple[str, ...] | None:
    """Staff only see their estates: the requested one if they serve it, otherwise all of theirs."""
    group_wide = "*" in staff_estates
    if requested is not None:
        if not group_wide and requested not in staff_estates:
            raise NotPermitted("无权访问该项目（小区）的数据", "no access to this estate")
        return (requested,)
    return None if group_wide else staff_estates
