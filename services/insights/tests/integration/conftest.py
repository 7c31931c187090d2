"""Fixtures: a publisher as the producers' stand-in (the admin principal) on the test's topic namespace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pm_common.kafka import KafkaPublisher
from pm_common.testing.fixtures import Engines


@pytest.fixture
async def publisher(engines: Engines, topic_prefix: str) -> AsyncIterator[KafkaPublisher]:
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    yield publisher
    await publisher.close()
