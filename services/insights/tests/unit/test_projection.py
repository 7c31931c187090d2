"""The projection with in-memory fakes: events → buckets → warnings raised once per window, only for
recent days, retried after a failure; duplicates change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeBuckets, FakeThresholds, FakeViews, FakeWarnings

from pm_common import topics
from pm_common.events import Envelope, new_event, parse_payload
from pm_common.events.payloads import ComplaintReceived, ComplaintTriaged, Deadlines, Location
from pm_insights.service_layer.project import Projection

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def _lift(i: int, at: datetime) -> list[Envelope]:
    cid = f"c{i}"
    received = ComplaintReceived(
        complaint_id=cid, reference_no=cid, estate_id="SUNNY", channel="phone", content="电梯坏了",
        location=Location(building="3", room=str(i)), raised_at=at, received_at=at,
    )  # fmt: skip
    triaged = ComplaintTriaged(
        complaint_id=cid, estate_id="SUNNY", decision="accepted", category="engineering", urgency="urgent",
        scope="unit", confidence=0.9, triaged_at=at, deadlines=Deadlines(dispatch_by=at, resolve_by=at),
    )  # fmt: skip
    return [
        new_event(received, source="pm/intake", estate_id="SUNNY"),
        new_event(triaged, source="pm/triage", estate_id="SUNNY"),
    ]


def _projection() -> tuple[Projection, FakeBuckets, FakeWarnings]:
    buckets, warnings = FakeBuckets(), FakeWarnings()
    return (
        Projection(FakeViews(), buckets, warnings, FakeThresholds(), tz="Asia/Shanghai", now=lambda: NOW),
        buckets,
        warnings,
    )


async def _feed(projection: Projection, events: list[Envelope]) -> None:
    for event in events:
        await projection.handle(event, parse_payload(event))


async def test_a_burst_today_raises_one_location_warning_once() -> None:
    projection, buckets, warnings = _projection()
    events = [e for i in range(4) for e in _lift(i, NOW - timedelta(minutes=i))]
    await _feed(projection, events)
    assert await projection.check_due() == 1
    await _feed(projection, events)  # redelivered: nothing new
    assert await projection.check_due() == 0
    ((warning, event),) = warnings.raised.values()
    assert (warning["rule"], warning["key"], warning["observed"]) == ("location_spike", "3|engineering", 4)
    assert event.type == topics.INSIGHT_WARNING and event.id == warning["warning_id"]
    await _feed(projection, _lift(9, NOW))  # a fifth engineering complaint: the estate-wide nature spike too
    assert await projection.check_due() == 1
    assert sorted(w["rule"] for w, _ in warnings.raised.values()) == ["location_spike", "nature_spike"]
    assert len(next(iter(buckets.items.values()))) == 5


async def test_old_days_raise_nothing_and_a_failed_round_is_retried() -> None:
    projection, _buckets, warnings = _projection()
    await _feed(projection, [e for i in range(4) for e in _lift(i, NOW - timedelta(days=5))])
    assert await projection.check_due() == 0 and not warnings.raised  # a replay of old history
    await _feed(projection, [e for i in range(10, 14) for e in _lift(i, NOW)])
    warnings.fail = True
    with pytest.raises(ConnectionError):
        await projection.check_due()
    warnings.fail = False
    assert await projection.check_due() == 1  # the day stayed due


async def test_after_a_restart_today_is_checked_again() -> None:
    projection, buckets, warnings = _projection()
    await _feed(projection, [e for i in range(3) for e in _lift(i, NOW)])
    projection.dirty.clear()  # as if the process died after committing the events, before the round
    restarted = Projection(FakeViews(), buckets, warnings, FakeThresholds(), tz="Asia/Shanghai", now=lambda: NOW)
    await restarted.recheck_today()
    assert await restarted.check_due() == 1
