"""Topic creation and broker readiness checks (real metadata requests, never sleeps)."""

from __future__ import annotations

import asyncio
import logging
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from pm_common.topics import TopicSpec, all_topic_specs

log = logging.getLogger(__name__)


async def kafka_reachable(bootstrap: str, timeout: float = 3.0) -> bool:
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
        await asyncio.wait_for(client.fetch_all_metadata(), timeout)
        return True
    except (KafkaError, TimeoutError, OSError):
        return False
    finally:
        await client.close()


async def wait_for_kafka(bootstrap: str, deadline_seconds: float = 60.0) -> None:
    end = time.monotonic() + deadline_seconds
    while time.monotonic() < end:
        if await kafka_reachable(bootstrap):
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"Kafka at {bootstrap} not ready after {deadline_seconds}s")


async def ensure_topics(
    bootstrap: str, prefix: str = "", specs: list[TopicSpec] | None = None, replication_factor: int = 1
) -> None:
    """Create every contract topic and its DLQ if missing (idempotent)."""
    wanted = specs if specs is not None else all_topic_specs(prefix)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in wanted if s.name not in existing]
        if not missing:
            return
        try:
            response = await admin.create_topics([NewTopic(s.name, s.partitions, replication_factor) for s in missing])
        except TopicAlreadyExistsError:
            return
        for name, code, *_ in response.topic_errors:
            if code not in (0, TopicAlreadyExistsError.errno):
                raise KafkaError(f"could not create topic {name}: error code {code}")
        log.info("created topics %s", [s.name for s in missing])
    finally:
        await admin.close()
