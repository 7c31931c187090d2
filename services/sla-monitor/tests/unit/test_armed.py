"""The packed in-memory record gives back the clock it was made of (what firing needs of it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pm_sla_monitor.domain.armed import pack, unpack
from pm_sla_monitor.domain.clocks import Clock

DUE = datetime(2026, 5, 8, 16, 0, 0, 123456, tzinfo=UTC)
BASE = Clock(
    "T-0123456789abcdef0123456789abcdef",
    "task",
    "resolve",
    "0123456789abcdef0123456789abcdef",
    "SUNNY",
    "working",
    DUE - timedelta(hours=24),
    DUE,
    timedelta(hours=24),
    generation=2,
    person_id="h-王五",
    ladder="urgent",
    timezone="Asia/Urumqi",
    cause_id="fedcba9876543210fedcba9876543210",
    correlation_id="0123456789abcdef0123456789abcdef",
)


@pytest.mark.parametrize(
    "clock",
    [
        BASE,
        replace(BASE, item="complaint", item_id="C-1", complaint_id="C-1", stage="reply", basis="clock"),
        replace(BASE, complaint_id="other-complaint", cause_id=None, correlation_id=None, person_id=None),
        replace(BASE, cause_id="FEDCBA9876543210FEDCBA9876543210", correlation_id="0x" + "1" * 30),
        replace(BASE, person_id="p" * 300, estate_id="E" * 40, generation=0, budget=timedelta(0), due_at=DUE),
    ],
)
def test_a_packed_clock_unpacks_to_the_same_running_clock(clock: Clock) -> None:
    clock = replace(clock, started_at=clock.due_at - clock.budget)
    again = unpack(clock.key, pack(clock))
    assert again == clock
    assert len(pack(BASE)) < 80  # uuid-hex ids as 16 bytes, the complaint id as an offset
