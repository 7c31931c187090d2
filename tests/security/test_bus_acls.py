"""Issue #9 hole 5 (forged events): the broker authenticates every client and lets a principal write
only its own topics; the external reader ``bi`` reads the external topics only and writes nothing.
Runs on its own broker started by ``deploy/local/engines.py`` (own state folder and ports,
authentication on as by default), so it holds whatever the session's broker is."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    TopicAuthorizationFailedError,
)

from pm_common import topics
from pm_common.events import ComplaintReceived, new_event
from pm_common.kafka.acls import describe_acls, external_topics
from pm_common.kafka.admin import admin_client
from pm_common.kafka.security import KafkaAuth
from pm_common.testing import unique_name
from pm_common.testing.faults import OwnEngines

pytestmark = pytest.mark.integration
logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # refused connections are the point here


class Broker:
    def __init__(self, own: OwnEngines) -> None:
        self.bootstrap = own.engines.kafka_bootstrap
        self.credentials = own.credentials_file

    def auth(self, principal: str) -> KafkaAuth:
        return KafkaAuth.from_file(self.credentials, principal)


@pytest.fixture(scope="module")
async def broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Broker]:
    state = Path(tmp_path_factory.mktemp("bus-acls"))
    own = OwnEngines(state)
    own.env.pop("PM_LOCAL_KAFKA_AUTH", None)  # the default: authentication on
    await asyncio.to_thread(own.up, "kafka")
    try:
        yield Broker(own)
    finally:
        await asyncio.to_thread(own.run, "down", "kafka")
        shutil.rmtree(state / "data", ignore_errors=True)


def forged_received() -> bytes:
    """A well-formed ``complaint.received`` for a complaint intake never registered."""
    complaint_id = unique_name("forged-")
    now = datetime.now(UTC)
    payload = ComplaintReceived(
        complaint_id=complaint_id,
        reference_no="SUNNY-20261201-9999",
        estate_id="SUNNY",
        channel="phone",
        content="3号楼电梯困人了",
        raised_at=now,
        received_at=now,
    )
    return new_event(payload, source="pm/intake", estate_id="SUNNY").to_json()


async def produce(broker: Broker, auth: KafkaAuth, topic: str, value: bytes) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=True, **auth.client_kwargs()
    )
    try:
        await asyncio.wait_for(producer.start(), 20)
        await asyncio.wait_for(producer.send_and_wait(topic, value, key=b"k"), 20)
    finally:
        await producer.stop()


async def message_count(broker: Broker, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, **broker.auth("admin").client_kwargs())
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
        if not parts:
            parts = [TopicPartition(topic, p) for p in range(topics.TOPICS[topic].partitions)]
        return sum((await consumer.end_offsets(parts)).values())
    finally:
        await consumer.stop()


async def test_unauthenticated_and_wrong_password_clients_are_refused(broker: Broker) -> None:
    with pytest.raises(KafkaConnectionError):
        await produce(broker, KafkaAuth(), topics.COMPLAINT_RECEIVED, forged_received())
    wrong = KafkaAuth("SASL_PLAINTEXT", "intake", "not-the-password")
    with pytest.raises(KafkaConnectionError):
        await produce(broker, wrong, topics.COMPLAINT_RECEIVED, forged_received())
    assert await message_count(broker, topics.COMPLAINT_RECEIVED) == 0


@pytest.mark.parametrize("principal", ["triage", "dispatch", "sla-monitor", "notifier"])
async def test_only_intake_may_produce_complaint_received(broker: Broker, principal: str) -> None:
    before = await message_count(broker, topics.COMPLAINT_RECEIVED)
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(broker, broker.auth(principal), topics.COMPLAINT_RECEIVED, forged_received())
    # nothing reached the topic, so there is nothing triage could triage or dispatch could dispatch
    assert await message_count(broker, topics.COMPLAINT_RECEIVED) == before


async def test_each_producer_writes_its_own_topics_and_subscribers_only_their_dead_letters(broker: Broker) -> None:
    before = await message_count(broker, topics.COMPLAINT_RECEIVED)
    await produce(broker, broker.auth("intake"), topics.COMPLAINT_RECEIVED, forged_received())
    assert await message_count(broker, topics.COMPLAINT_RECEIVED) == before + 1
    await produce(broker, broker.auth("triage"), topics.dlq(topics.COMPLAINT_RECEIVED), b"dead letter")
    with pytest.raises(TopicAuthorizationFailedError):  # its producer is no subscriber: no dead letters of it
        await produce(broker, broker.auth("intake"), topics.dlq(topics.COMPLAINT_RECEIVED), b"dead letter")
    with pytest.raises(TopicAuthorizationFailedError):  # intake may not decide triage results
        await produce(broker, broker.auth("intake"), topics.COMPLAINT_TRIAGED, b"{}")


async def test_a_service_reads_only_what_it_subscribes_to(broker: Broker) -> None:
    """Need-to-know: a service reads only the topics it subscribes to (intake produces ``complaint.received``
    but does not read it; dispatch never reads ``feedback.sent``)."""
    for principal, topic, allowed in (
        ("triage", topics.COMPLAINT_RECEIVED, True),
        ("intake", topics.COMPLAINT_RECEIVED, False),
        ("dispatch", topics.FEEDBACK_SENT, False),
    ):
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=broker.bootstrap,
            group_id=f"{principal}.acl-test",
            auto_offset_reset="earliest",
            **broker.auth(principal).client_kwargs(),
        )
        try:
            if allowed:
                await consumer.start()
                await asyncio.wait_for(consumer.getmany(timeout_ms=2000), 30)
            else:
                with pytest.raises(TopicAuthorizationFailedError):
                    await consumer.start()
                    for _ in range(10):
                        await asyncio.wait_for(consumer.getone(), 5)
        finally:
            await consumer.stop()


async def test_the_setup_created_the_declared_acls(broker: Broker) -> None:
    admin = admin_client(broker.bootstrap, broker.auth("admin"))
    await admin.start()
    try:
        found = {a.describe() for a in await describe_acls(admin)}
    finally:
        await admin.close()
    assert "User:intake WRITE topic complaint.received" in found
    assert "User:triage READ topic complaint.received" in found
    assert "User:dispatch WRITE topic complaint.received" not in found  # its dead-letter topic, yes; the topic, no
    assert "User:dispatch WRITE topic complaint.received.dlq" in found


async def _read(broker: Broker, principal: str, topic: str, group: str) -> int:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=broker.bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        **broker.auth(principal).client_kwargs(),
    )
    await consumer.start()
    try:
        batch = await asyncio.wait_for(consumer.getmany(timeout_ms=5000), 30)
        return sum(len(records) for records in batch.values())
    finally:
        await consumer.stop()


async def test_the_external_reader_reads_external_topics_only_and_writes_nothing(broker: Broker) -> None:
    """``bi`` (BI, 12345 bridges): READ on the topics whose fields are all public or masked, refused on
    a topic with internal fields (complaint.received: household, recorder) and on every write."""
    assert topics.TASK_COMPLETED in external_topics() and topics.COMPLAINT_RECEIVED not in external_topics()
    await produce(broker, broker.auth("dispatch"), topics.TASK_COMPLETED, b'{"external": true}')
    assert await _read(broker, "bi", topics.TASK_COMPLETED, unique_name("bi.report-")) >= 1
    with pytest.raises(TopicAuthorizationFailedError):
        await _read(broker, "bi", topics.COMPLAINT_RECEIVED, unique_name("bi.report-"))
    for topic in (topics.TASK_COMPLETED, topics.dlq(topics.TASK_COMPLETED), topics.COMPLAINT_RECEIVED):
        with pytest.raises((TopicAuthorizationFailedError, ClusterAuthorizationFailedError)):  # no idempotent write
            await produce(broker, broker.auth("bi"), topic, b"{}")
    with pytest.raises(GroupAuthorizationFailedError):  # and only its own consumer groups
        await _read(broker, "bi", topics.TASK_COMPLETED, "notifier.stolen-offsets")
