"""Probe support: the broker's reachability from one long-lived client, checked in the background.

Probes (``/readyz``, ``/healthz``) read :attr:`BrokerWatch.up`; they never open a Kafka client. The
watch keeps one ``AIOKafkaClient`` and sends it a metadata request every ``period`` seconds; after
a failure the client is dropped and a new one is bootstrapped at the next check, so a restarted
broker is seen again within one period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError

from pm_common.kafka.security import KafkaAuth
from pm_common.metrics import DEPENDENCY_UP

log = logging.getLogger(__name__)


class BrokerWatch:
    def __init__(
        self, bootstrap: str, *, period: float = 5.0, timeout: float = 3.0, auth: KafkaAuth | None = None
    ) -> None:
        self.bootstrap = bootstrap
        self.auth = auth if auth is not None else KafkaAuth.from_env()
        self.period = period
        self.timeout = timeout
        self.up: bool | None = None  # None until the first check finished
        self.checked_at: float | None = None  # time.time() of the last check
        self.last_error: str | None = None
        self.checks = 0  # how many metadata requests were made (for tests and /healthz)
        self.clients_opened = 0
        self._client: AIOKafkaClient | None = None
        self._first = asyncio.Event()

    async def check_once(self) -> bool:
        try:
            if self._client is None:
                self.clients_opened += 1
                self._client = AIOKafkaClient(
                    bootstrap_servers=self.bootstrap,
                    request_timeout_ms=int(self.timeout * 1000),
                    **self.auth.client_kwargs(),
                )
                await asyncio.wait_for(self._client.bootstrap(), self.timeout)
            self.checks += 1
            await asyncio.wait_for(self._client.fetch_all_metadata(), self.timeout)
            self.up, self.last_error = True, None
        except Exception as exc:  # KafkaError, TimeoutError, OSError — and anything else: never kill the watch
            self.up, self.last_error = False, f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, KafkaError | TimeoutError | OSError):
                log.warning("broker check failed unexpectedly: %s", self.last_error)
            await self._drop_client()
        self.checked_at = time.time()
        DEPENDENCY_UP.labels("kafka").set(int(self.up))
        self._first.set()
        return self.up

    async def first_result(self, timeout: float) -> bool | None:
        """The state after the first check, waiting for it at most ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first.wait(), timeout)
        return self.up

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self.check_once()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.period)
        finally:
            await self._drop_client()

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close()
            except Exception:
                log.debug("health client close failed", exc_info=True)
