"""Events of the insights service: early warnings raised from the statistics read model."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from pm_common.events.payloads import _Payload

WarningRule = Literal["nature_spike", "location_spike", "repeat_rising", "reopen_rising"]


class InsightWarning(_Payload):
    """A figure rose above its baseline (DOMAIN §7 early warning); raised once per rule, key and window.
    Keyed by ``warning_id`` (derived from estate, rule, key and window: the same after a rebuild)."""

    warning_id: str
    estate_id: str
    rule: WarningRule
    key: str = Field(description="nature, or building|nature for location spikes; empty for rising rules")
    window_start: date = Field(description="first local day of the window")
    window_end: date = Field(description="last local day of the window")
    observed: float = Field(description="count of the window (a share for reopen_rising)")
    baseline: float = Field(description="the mean of the baseline days / windows")
    threshold: float = Field(description="what observed had to reach: max(minimum, factor × baseline)")
    complaint_ids: tuple[str, ...] = Field((), description="the complaints behind the figure (at most 50)")
    raised_at: datetime
