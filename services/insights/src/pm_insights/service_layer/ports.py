"""The ports the projection and the queries need (Mongo adapters in ``adapters/``, fakes in tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Protocol

from pm_common.events import Envelope
from pm_insights.domain.thresholds import Thresholds
from pm_insights.domain.view import ComplaintView


class ViewStore(Protocol):
    async def change(
        self, complaint_id: str, step: Callable[[ComplaintView], ComplaintView]
    ) -> tuple[ComplaintView, int]:
        """Apply ``step`` to the stored view (a new one if none); the view and its version after it."""
        ...

    async def get(self, complaint_id: str) -> ComplaintView | None: ...


class BucketStore(Protocol):
    async def put(self, estate_id: str, day: date, complaint_id: str, entry: dict[str, Any]) -> None:
        """Store the complaint's entry in its day bucket unless the bucket holds a newer one."""
        ...

    async def read(self, estate_ids: list[str], days: list[date]) -> list[tuple[str, date, str, dict[str, Any]]]:
        """Every entry of the buckets of these estates × days (read by ``_id``)."""
        ...

    async def estates(self) -> list[str]:
        """Every estate seen so far."""
        ...


class WarningStore(Protocol):
    async def raise_once(self, warning: dict[str, Any], event: Envelope) -> bool:
        """Record the warning with its event in the outbox; False when it was raised already."""
        ...

    async def list(self, estate_ids: list[str] | None, limit: int) -> list[dict[str, Any]]: ...


class ThresholdStore(Protocol):
    async def get(self, estate_id: str) -> Thresholds: ...

    async def put(self, estate_id: str, thresholds: Thresholds) -> None: ...
