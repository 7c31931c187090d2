"""Pytest plugin: start (or reuse) the real local engines once per session; isolate every test.

Set ``MONGO_URL`` and ``KAFKA_BOOTSTRAP`` to run against other engines (e.g. real MongoDB 7).
Otherwise ``deploy/local/engines.py up`` is run (ports from ``PM_LOCAL_*_PORT`` as there);
engines this session started are stopped at the end unless ``PM_KEEP_ENGINES=1``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from pm_common.kafka.admin import ensure_topics
from pm_common.mongo import Mongo
from pm_common.testing.helpers import free_port, unique_name
from pm_common.topics import all_topic_specs

REPO = Path(__file__).resolve().parents[5]
ENGINES = REPO / "deploy" / "local" / "engines.py"


@dataclass(frozen=True)
class Engines:
    mongo_url: str
    kafka_bootstrap: str


def _engines_status() -> bool:
    return subprocess.run([sys.executable, str(ENGINES), "status"], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def engines() -> Iterator[Engines]:
    mongo_url = os.environ.get("MONGO_URL")
    kafka = os.environ.get("KAFKA_BOOTSTRAP")
    if mongo_url and kafka:
        yield Engines(mongo_url, kafka)
        return
    already = _engines_status()
    subprocess.run([sys.executable, str(ENGINES), "up"], check=True)
    yield Engines(
        f"mongodb://127.0.0.1:{os.environ.get('PM_LOCAL_MONGO_PORT', '27017')}",
        f"127.0.0.1:{os.environ.get('PM_LOCAL_KAFKA_PORT', '9092')}",
    )
    if not already and os.environ.get("PM_KEEP_ENGINES") != "1":
        subprocess.run([sys.executable, str(ENGINES), "down"], check=False)


@pytest.fixture
async def mongo(engines: Engines) -> AsyncIterator[Mongo]:
    """A fresh, randomly named database, dropped afterwards."""
    db = Mongo(engines.mongo_url, unique_name("test_"))
    yield db
    await db.drop_database()
    db.close()


@pytest.fixture
async def topic_prefix(engines: Engines) -> AsyncIterator[str]:
    """A random namespace with every contract topic (and DLQ) created in it, deleted afterwards.

    Test topics get 2 partitions (enough to exercise keying) and every topic of the namespace,
    including faust's changelogs, is deleted at the end so a long session does not pile thousands
    of partitions onto the single local broker.
    """
    prefix = unique_name("t") + "."
    specs = [replace(s, partitions=min(s.partitions, 2)) for s in all_topic_specs(prefix)]
    await ensure_topics(engines.kafka_bootstrap, prefix, specs)
    yield prefix
    admin = AIOKafkaAdminClient(bootstrap_servers=engines.kafka_bootstrap, request_timeout_ms=20000)
    await admin.start()
    try:
        mine = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()


def service_settings_values(engines: Engines, db_name: str, prefix: str, secret: str) -> dict[str, Any]:
    """Settings every service under test needs: these engines, its own database, a topic namespace,
    a test secret and a free port. Services add their own knobs on top."""
    return {
        "mongo_url": engines.mongo_url,
        "mongo_db": db_name,
        "kafka_bootstrap": engines.kafka_bootstrap,
        "topic_prefix": prefix,
        "auth_secret": secret,
        "env": "test",
        "port": free_port(),
    }
