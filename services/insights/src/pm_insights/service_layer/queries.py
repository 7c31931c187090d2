"""Reads of the statistics API and the reports: the estates a caller may see, the period's buckets."""

from __future__ import annotations

from datetime import date
from typing import Any

from pm_common.auth import Principal
from pm_insights.domain.buckets import days
from pm_insights.domain.errors import EstateForbidden, InvalidPeriod
from pm_insights.domain.stats import figures
from pm_insights.service_layer.ports import BucketStore


async def scope(buckets: BucketStore, principal: Principal, estate_id: str | None) -> list[str]:
    """One estate (if the caller may see it), else every estate of the token ('*': the whole group)."""
    if estate_id is not None:
        if not principal.can_see(estate_id):
            raise EstateForbidden()
        return [estate_id]
    if "*" in principal.estates:
        return await buckets.estates()
    return sorted(principal.estates)


def check_period(since: date, until: date, max_days: int) -> None:
    if until < since:
        raise InvalidPeriod("结束日期不能早于开始日期", "until must not be before since")
    if (until - since).days + 1 > max_days:
        raise InvalidPeriod(f"统计周期最长 {max_days} 天", f"a period covers at most {max_days} days")


async def statistics(
    buckets: BucketStore, estates: list[str], since: date, until: date, period: str, max_days: int
) -> dict[str, Any]:
    check_period(since, until, max_days)
    rows = await buckets.read(estates, days(since, until))
    return {"since": since, "until": until, "estates": estates, **figures(rows, period)}
