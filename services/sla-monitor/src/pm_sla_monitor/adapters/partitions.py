"""Which partition a key lands on: Kafka's default partitioner (murmur2) over the real topic's
partition count, read once from the broker's metadata."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from aiokafka.client import AIOKafkaClient
from aiokafka.partitioner import murmur2

from pm_common.kafka.security import KafkaAuth


@lru_cache(maxsize=65536)  # murmur2 in pure Python costs ~50 µs; an item's events come in runs
def partition_for(key: str, partitions: int) -> int:
    """What the producer's ``DefaultPartitioner`` picks for ``key`` (Java client compatible)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


class KafkaPartitions:
    def __init__(self, bootstrap: str, topic: str, auth: KafkaAuth | None = None) -> None:
        self.bootstrap = bootstrap
        self.auth = auth if auth is not None else KafkaAuth.from_env()
        self.topic = topic
        self.count: int | None = None
        self._lock = asyncio.Lock()

    async def partition_of(self, key: str) -> int:
        return partition_for(key, self.count or await self.refresh())

    async def refresh(self) -> int:
        async with self._lock:
            if self.count is None:
                client = AIOKafkaClient(
                    bootstrap_servers=self.bootstrap, request_timeout_ms=10000, **self.auth.client_kwargs()
                )
                try:
                    await client.bootstrap()
                    metadata = await client.fetch_all_metadata()
                    found = metadata.partitions_for_topic(self.topic)
                finally:
                    await client.close()
                if not found:
                    raise ConnectionError(f"topic {self.topic} has no partitions yet")
                self.count = len(found)
            return self.count
