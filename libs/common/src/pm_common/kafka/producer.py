"""Idempotent producer (acks=all, enable_idempotence) used by the outbox relay and the DLQ."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, KafkaTimeoutError

from pm_common.events.envelope import Envelope
from pm_common.kafka.security import KafkaAuth

log = logging.getLogger(__name__)


class KafkaPublisher:
    """Publishes to ``prefix + topic``. Starts lazily and restarts itself after broker failures."""

    def __init__(
        self, bootstrap: str, prefix: str = "", *, client_id: str = "pm", auth: KafkaAuth | None = None
    ) -> None:
        self.bootstrap = bootstrap
        self.auth = auth if auth is not None else KafkaAuth.from_env()
        self.prefix = prefix
        self.client_id = client_id
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def _get(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    client_id=self.client_id,
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=5,
                    request_timeout_ms=10000,
                    **self.auth.client_kwargs(),
                )
                try:
                    await producer.start()
                except BaseException:
                    await producer.stop()
                    raise
                self._producer = producer
            return self._producer

    async def send_raw(
        self, topic: str, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]] | None = None
    ) -> None:
        producer = await self._get()
        try:
            await asyncio.wait_for(
                producer.send_and_wait(self.prefix + topic, value=value, key=key, headers=headers or []), 30
            )
        except (KafkaError, TimeoutError) as exc:
            if _about_the_connection(exc):
                await self.reset()
            raise

    async def enqueue(
        self, topic: str, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]] | None = None
    ) -> asyncio.Future[Any]:
        """Hand a message to the producer's batches; await the returned future for its acknowledgement.
        Messages enqueued one after another reach their partition in that order."""
        producer = await self._get()
        try:
            future: asyncio.Future[Any] = await asyncio.wait_for(
                producer.send(self.prefix + topic, value=value, key=key, headers=headers or []), 30
            )
            return future
        except (KafkaError, TimeoutError) as exc:
            if _about_the_connection(exc):
                await self.reset()
            raise

    async def publish(self, topic: str, event: Envelope) -> None:
        await self.send_raw(topic, event.to_json(), event.kafka_key.encode(), event.kafka_headers())

    async def reset(self) -> None:
        async with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception:
                log.debug("producer stop failed", exc_info=True)

    async def close(self) -> None:
        await self.reset()


def _about_the_connection(exc: BaseException) -> bool:
    """Whether a fresh producer may help. A refusal of the message itself (e.g. too large) does not:
    resetting then would also fail every other message in flight on the shared producer."""
    return not isinstance(exc, KafkaError) or exc.retriable or isinstance(exc, KafkaTimeoutError)
