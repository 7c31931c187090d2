"""Fixtures: a manual clock, SLA settings on the real engines, and a driver that publishes task events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sla_harness import START, Driver, settings_for

from pm_common import topics
from pm_common.kafka import KafkaPublisher
from pm_common.mongo import Mongo
from pm_common.testing import EventProbe
from pm_common.testing.fixtures import Engines
from pm_sla_monitor.adapters.clock import ManualClock
from pm_sla_monitor.config import SlaSettings


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sla_settings(engines: Engines, mongo: Mongo, topic_prefix: str) -> Callable[..., SlaSettings]:
    def make(**overrides: Any) -> SlaSettings:
        return settings_for(engines, mongo, topic_prefix, **overrides)

    return make


@pytest.fixture
async def driver(engines: Engines, mongo: Mongo, topic_prefix: str, clock: ManualClock) -> AsyncIterator[Driver]:
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    async with EventProbe(
        engines.kafka_bootstrap, topic_prefix, [topics.TASK_OVERDUE, topics.TASK_SLA_WARNING]
    ) as probe:
        yield Driver(publisher, probe, mongo, clock)
    await publisher.close()
