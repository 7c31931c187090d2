"""Declared retention/cleanup per topic, applied by ensure_topics on the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from pm_common import topics
from pm_common.kafka.admin import admin_client, ensure_topics, topic_configs
from pm_common.testing import poll_until, unique_name

pytestmark = pytest.mark.integration


def test_every_facts_topic_keeps_events_forever_and_dlqs_a_year() -> None:
    for spec in topics.all_topic_specs():
        assert spec.configs["cleanup.policy"] == "delete"  # never compacted: history per key is kept
        assert spec.configs["retention.bytes"] == "-1"
        expected = "-1" if not spec.name.endswith(".dlq") else str(365 * topics.DAY_MS)
        assert spec.configs["retention.ms"] == expected, spec.name


@pytest.fixture
async def admin(engines) -> AsyncIterator[AIOKafkaAdminClient]:  # type: ignore[no-untyped-def]
    client = admin_client(engines.kafka_bootstrap, timeout_ms=20000)
    await client.start()
    prefix = unique_name("cfg") + "."
    client.prefix = prefix  # type: ignore[attr-defined]
    yield client
    mine = [name for name in await client.list_topics() if name.startswith(prefix)]
    if mine:
        await client.delete_topics(mine)
    await client.close()


async def test_created_with_configs_and_existing_topics_altered(engines, admin: AIOKafkaAdminClient) -> None:  # type: ignore[no-untyped-def]
    prefix: str = admin.prefix  # type: ignore[attr-defined]
    received = topics.TOPICS[topics.COMPLAINT_RECEIVED]
    fresh_name, stale_name = prefix + "fresh", prefix + "stale"
    fresh = topics.TopicSpec(fresh_name, 1, "new", configs=dict(topics.FACTS_CONFIG))
    stale = topics.TopicSpec(stale_name, 1, "old", configs=dict(received.configs))
    # an existing topic made with the broker default retention (7 days) and an operator's override
    await admin.create_topics(
        [NewTopic(stale_name, 1, 1, topic_configs={"retention.ms": "604800000", "max.message.bytes": "2097152"})]
    )

    await ensure_topics(engines.kafka_bootstrap, specs=[fresh, stale])

    async def described() -> dict[str, dict[str, tuple[str, bool]]] | None:
        try:  # a topic just created may not be known to every part of the broker yet
            return await topic_configs(admin, [fresh_name, stale_name])
        except KafkaError:
            return None

    configs = await poll_until(described, timeout=30, what="configs of the new topics")
    for name in (fresh_name, stale_name):
        assert configs[name]["retention.ms"] == ("-1", True), name
        assert configs[name]["retention.bytes"] == ("-1", True)
        assert configs[name]["cleanup.policy"] == ("delete", True)
    assert configs[stale_name]["max.message.bytes"] == ("2097152", True)  # the operator's override is kept
    await ensure_topics(engines.kafka_bootstrap, specs=[fresh, stale])  # idempotent: nothing to change
    assert await topic_configs(admin, [stale_name]) == {stale_name: configs[stale_name]}
