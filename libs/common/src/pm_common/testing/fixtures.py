"""Pytest plugin: start (or reuse) the real local engines once per session; isolate every test.

Set ``MONGO_URL`` and ``KAFKA_BOOTSTRAP`` to run against other engines (e.g. real MongoDB 7).
Otherwise ``deploy/local/engines.py up`` is run (ports from ``PM_LOCAL_*_PORT`` as there);
engines this session started are stopped at the end unless ``PM_KEEP_ENGINES=1``.

Broker credentials: ``KAFKA_CREDENTIALS_FILE`` if set, else the file the local setup generated in its
state folder (``PM_LOCAL_STATE_DIR`` / ``PM_LOCAL_DIR`` / ``.local``) when its broker runs with
authentication; the variable is then exported, so clients in tests (``KafkaAuth.from_env``: the
``admin`` principal) and services started as processes (their own principal) find it.
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
from aiokafka import AIOKafkaConsumer

from pm_common.kafka import acls
from pm_common.kafka.admin import admin_client, ensure_topics
from pm_common.kafka.security import CREDENTIALS_FILE_ENV, KafkaAuth, local_credentials_file
from pm_common.mongo import Mongo
from pm_common.testing.commands import Commands
from pm_common.testing.helpers import free_port, poll_until, unique_name
from pm_common.topics import all_topic_specs

REPO = Path(__file__).resolve().parents[5]
ENGINES = REPO / "deploy" / "local" / "engines.py"


@dataclass(frozen=True)
class Engines:
    mongo_url: str
    kafka_bootstrap: str


def local_state_dir() -> Path:
    return Path(os.environ.get("PM_LOCAL_STATE_DIR") or os.environ.get("PM_LOCAL_DIR") or REPO / ".local")


def discover_credentials(state: Path | None = None) -> None:
    """Export ``KAFKA_CREDENTIALS_FILE`` when the local broker of ``state`` authenticates clients."""
    if os.environ.get(CREDENTIALS_FILE_ENV):
        return
    creds = local_credentials_file(state or local_state_dir())
    if creds is not None:
        os.environ[CREDENTIALS_FILE_ENV] = str(creds)


def _engines_status() -> bool:
    return subprocess.run([sys.executable, str(ENGINES), "status"], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def engines() -> Iterator[Engines]:
    mongo_url = os.environ.get("MONGO_URL")
    kafka = os.environ.get("KAFKA_BOOTSTRAP")
    if mongo_url and kafka:
        discover_credentials()
        yield Engines(mongo_url, kafka)
        return
    already = _engines_status()
    subprocess.run([sys.executable, str(ENGINES), "up"], check=True)
    discover_credentials()
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
async def watched(engines: Engines, mongo: Mongo) -> AsyncIterator[tuple[Mongo, Commands]]:
    """A client of the ``mongo`` test database whose every command is recorded (``Commands``)."""
    commands = Commands()
    client = Mongo(engines.mongo_url, mongo.db.name, event_listeners=(commands,))
    yield client, commands
    client.close()


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
    secured = KafkaAuth.from_env().enabled
    if secured:  # the services' principals get the namespace's ACLs (as on the real topic names)
        await acls.apply(engines.kafka_bootstrap, prefix, topics=False)
    await topics_visible(engines.kafka_bootstrap, {s.name for s in specs})
    yield prefix
    await drop_namespace(engines.kafka_bootstrap, prefix, secured=secured)


async def drop_namespace(bootstrap: str, prefix: str, *, secured: bool) -> None:
    """Delete a test namespace's topics (and its ACLs on a secured broker), so they don't pile up."""
    admin = admin_client(bootstrap, timeout_ms=20000)
    await admin.start()
    try:
        mine = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
        if secured:
            await acls.delete_acls(admin, acls.bindings(prefix))
    finally:
        await admin.close()


async def topics_visible(bootstrap: str, names: set[str], timeout: float = 60.0) -> None:
    """Wait until the broker's metadata lists ``names``: right after creation a producer may get
    UnknownTopicOrPartition, and a consumer group joined then gets no partitions of them."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, **KafkaAuth.from_env().client_kwargs())
    await consumer.start()
    try:

        async def visible() -> bool:
            return bool(names <= set(await consumer.topics()))

        await poll_until(visible, timeout=timeout, what="new topics in the broker's metadata")
    finally:
        await consumer.stop()


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
