"""Early-warning thresholds of an estate (defaults below; supervisors change them per estate)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SpikeRule(BaseModel):
    """Fires when a day's count reaches ``min_count`` and ``factor`` × the mean day of the baseline."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    min_count: int = Field(5, ge=1, le=10000)
    factor: float = Field(2.0, ge=1.0, le=100.0)
    baseline_days: int = Field(14, ge=1, le=28)


class RisingRule(BaseModel):
    """Fires when the last 7 days' figure reaches ``min_value`` and ``factor`` × the mean of the 4
    weeks before (repeat complaints: a count; reopen rate: a share, measured on ``min_resolved`` items)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    min_value: float = Field(3, ge=0, le=10000)
    factor: float = Field(1.5, ge=1.0, le=100.0)
    min_resolved: int = Field(10, ge=1, le=10000, description="reopen rate only: resolved items in the window")


class Thresholds(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    nature_spike: SpikeRule = SpikeRule()
    location_spike: SpikeRule = SpikeRule(min_count=3, baseline_days=28)
    repeat_rising: RisingRule = RisingRule(min_value=3, factor=2.0)
    reopen_rising: RisingRule = RisingRule(min_value=0.1, factor=1.5)

    @model_validator(mode="before")
    @classmethod
    def _rule_defaults(cls, data: Any) -> Any:
        """A rule given in part keeps that rule's own defaults for the rest (the location spike's
        ``min_count`` 3 and 28 baseline days), not the generic ones of its class."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, field in cls.model_fields.items():
            given = out.get(name)
            if isinstance(given, dict) and isinstance(field.default, BaseModel):
                out[name] = {**field.default.model_dump(), **given}
        return out


WINDOW_DAYS = 7  # the rising rules' window
BASELINE_WINDOWS = 4  # and how many windows before it make the baseline
HISTORY_DAYS = WINDOW_DAYS * (BASELINE_WINDOWS + 1)  # buckets an evaluation reads (>= 28 + 1)
