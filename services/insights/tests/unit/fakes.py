"""In-memory fakes of the insights ports (the service layer's unit tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pm_common.events import Envelope
from pm_insights.domain.thresholds import Thresholds
from pm_insights.domain.view import ComplaintView


class FakeViews:
    def __init__(self) -> None:
        self.docs: dict[str, tuple[ComplaintView, int]] = {}

    async def change(
        self, complaint_id: str, step: Callable[[ComplaintView], ComplaintView]
    ) -> tuple[ComplaintView, int]:
        before, version = self.docs.get(complaint_id, (ComplaintView(complaint_id=complaint_id), 0))
        after = step(before)
        if after != before:
            version += 1
            self.docs[complaint_id] = (after, version)
        return after, version

    async def get(self, complaint_id: str) -> ComplaintView | None:
        found = self.docs.get(complaint_id)
        return found[0] if found else None


class FakeBuckets:
    def __init__(self) -> None:
        self.items: dict[tuple[str, date], dict[str, dict[str, Any]]] = {}

    async def put(self, estate_id: str, day: date, complaint_id: str, entry: dict[str, Any]) -> None:
        bucket = self.items.setdefault((estate_id, day), {})
        held = bucket.get(complaint_id)
        if held is None or held["v"] <= entry["v"]:
            bucket[complaint_id] = entry

    async def read(self, estate_ids: list[str], days: list[date]) -> list[tuple[str, date, str, dict[str, Any]]]:
        return [
            (e, d, cid, entry)
            for e in estate_ids
            for d in days
            for cid, entry in sorted(self.items.get((e, d), {}).items())
        ]

    async def estates(self) -> list[str]:
        return sorted({e for e, _ in self.items})


class FakeWarnings:
    def __init__(self) -> None:
        self.raised: dict[str, tuple[dict[str, Any], Envelope]] = {}
        self.fail = False

    async def raise_once(self, warning: dict[str, Any], event: Envelope) -> bool:
        if self.fail:
            raise ConnectionError("db away")
        if warning["warning_id"] in self.raised:
            return False
        self.raised[warning["warning_id"]] = (warning, event)
        return True

    async def list(self, estate_ids: list[str] | None, limit: int) -> list[dict[str, Any]]:
        return [w for w, _ in self.raised.values() if estate_ids is None or w["estate_id"] in estate_ids][:limit]


class FakeThresholds:
    def __init__(self) -> None:
        self.by_estate: dict[str, Thresholds] = {}

    async def get(self, estate_id: str) -> Thresholds:
        return self.by_estate.get(estate_id, Thresholds())

    async def put(self, estate_id: str, thresholds: Thresholds) -> None:
        self.by_estate[estate_id] = thresholds
