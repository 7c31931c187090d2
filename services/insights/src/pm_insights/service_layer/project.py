"""The projection: one lifecycle event → the complaint's view → its day-bucket entry → the early
warnings of that estate and day. Every step is idempotent, so a redelivery after a crash between
two steps completes the later ones."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from pm_common import topics
from pm_common.events import Envelope
from pm_common.events.insights import InsightWarning
from pm_insights.domain import warnings as rules
from pm_insights.domain.buckets import days, entry, local_day
from pm_insights.domain.thresholds import HISTORY_DAYS
from pm_insights.domain.view import apply, fact_time
from pm_insights.service_layer.ports import BucketStore, ThresholdStore, ViewStore, WarningStore

log = logging.getLogger(__name__)

CONSUMED = (
    topics.COMPLAINT_RECEIVED, topics.COMPLAINT_TRIAGED, topics.COMPLAINT_WITHDRAWN, topics.TASK_ASSIGNED,
    topics.TASK_RETURNED, topics.TASK_ON_SITE, topics.TASK_RESOLVED, topics.TASK_COMPLETED, topics.TASK_CLOSED,
    topics.TASK_REOPENED, topics.TASK_CANCELLED, topics.TASK_OVERDUE, topics.SURVEY_ANSWERED,
    topics.RETURN_VISIT_RECORDED,
)  # fmt: skip
SOURCE = "pm/insights"


class Projection:
    def __init__(
        self,
        views: ViewStore,
        buckets: BucketStore,
        warnings: WarningStore,
        thresholds: ThresholdStore,
        *,
        tz: str,
        now: Callable[[], datetime],
        warn: bool = True,
        warning_horizon_days: int = 2,
    ) -> None:
        self.views, self.buckets, self.warnings, self.thresholds = views, buckets, warnings, thresholds
        self.tz, self.now, self.warn, self.horizon = tz, now, warn, warning_horizon_days
        self.dirty: set[tuple[str, date]] = set()  # estate × day whose rules are due (see ``check_due``)

    async def handle(self, envelope: Envelope, payload: BaseModel) -> None:
        data = payload.model_dump()
        complaint_id = data.get("complaint_id")
        if not complaint_id:
            return
        at = fact_time(envelope.type, data, envelope.time)
        view, version = await self.views.change(complaint_id, lambda v: apply(v, envelope.type, data, envelope.id, at))
        if view.estate_id is None or view.received_at is None:
            return  # counted once complaint.received is here (it may come after a task's events)
        day = local_day(view.received_at, self.tz)
        await self.buckets.put(view.estate_id, day, complaint_id, entry(view, version))
        self.dirty.add((view.estate_id, day))

    async def check_due(self) -> int:
        """Evaluate the rules of every estate × day changed since the last call (a background job runs
        this every ``INSIGHTS_WARNING_CHECK_SECONDS``: a burst of events costs one evaluation per day,
        not one per event). Returns how many warnings were raised."""
        due, self.dirty = sorted(self.dirty), set()
        raised = 0
        for i, (estate_id, day) in enumerate(due):
            try:
                raised += len(await self.check(estate_id, day))
            except Exception:
                self.dirty.update(due[i:])  # retried on the next round
                raise
        return raised

    async def recheck_today(self) -> None:
        """After a restart: today's rules of every known estate are due (a change made just before a crash
        was committed by the consumer but perhaps not evaluated)."""
        today = local_day(self.now(), self.tz)
        self.dirty |= {(estate, today) for estate in await self.buckets.estates()}

    async def check(self, estate_id: str, day: date) -> list[dict[str, Any]]:
        """Evaluate the estate's rules for ``day`` (only recent days: a replay of old history raises
        nothing) and raise what fires; the warnings newly raised."""
        today = local_day(self.now(), self.tz)
        if not self.warn or not (today - timedelta(days=self.horizon) <= day <= today):
            return []
        rows = await self.buckets.read([estate_id], days(day - timedelta(days=HISTORY_DAYS - 1), day))
        raised = []
        for warning in rules.evaluate(estate_id, day, rows, await self.thresholds.get(estate_id)):
            if await self.warnings.raise_once(warning, self._event(warning)):
                log.info("early warning %s %s %s", estate_id, warning["rule"], warning["key"])
                raised.append(warning)
        return raised

    def _event(self, warning: dict[str, Any]) -> Envelope:
        from pm_common.events import new_event

        warning["raised_at"] = self.now()
        payload = InsightWarning.model_validate(warning)
        event = new_event(payload, source=SOURCE, estate_id=payload.estate_id)
        return event.model_copy(update={"id": payload.warning_id})  # the same warning: the same event id
