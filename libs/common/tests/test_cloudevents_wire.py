"""Third-party readers on the real broker: the CloudEvents SDK (PyPI ``cloudevents``) and ``kcat``
read what the outbox relay published, and every message validates against the exported schemas.
Also: a consumer reads a newer, additive version of a payload instead of dead-lettering it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import jsonschema
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event, from_structured_event
from pydantic import BaseModel

from pm_common import topics
from pm_common.events import CONTENT_TYPE, ComplaintReceived, Envelope, new_event
from pm_common.events.examples import EXAMPLES
from pm_common.events.export import REPO_DOCS
from pm_common.events.registry import AGGREGATES
from pm_common.kafka import ConsumerLoop, KafkaPublisher, OutboxRelay
from pm_common.kafka.security import KafkaAuth
from pm_common.mongo import Mongo, new_with_outbox
from pm_common.testing import EventProbe, poll_until, unique_name

pytestmark = pytest.mark.integration
SCHEMAS = REPO_DOCS / "schemas"
ENVELOPE_SCHEMA = json.loads((SCHEMAS / "cloudevent.json").read_text(encoding="utf-8"))


def payload_schema_for(dataschema: str) -> dict[str, Any]:
    """The exported schema whose $id the event names (urn:pm:event:<type>:v<N>)."""
    _, _, _, event_type, version = dataschema.split(":")
    schema: dict[str, Any] = json.loads((SCHEMAS / event_type / f"{version}.json").read_text(encoding="utf-8"))
    assert schema["$id"] == dataschema
    return schema


def validate(value: dict[str, Any]) -> None:
    jsonschema.validate(value, ENVELOPE_SCHEMA, cls=jsonschema.Draft202012Validator)
    jsonschema.validate(value["data"], payload_schema_for(value["dataschema"]), cls=jsonschema.Draft202012Validator)


def one_of_each(run: str) -> dict[str, Envelope]:
    """A fresh event of every type (ids made unique for this run), as the services build them."""
    events = {}
    for event_type, example in EXAMPLES.items():
        ids = {AGGREGATES[event_type]: f"{run}-{event_type}"}
        if "complaint_id" in type(example).model_fields:
            ids["complaint_id"] = f"{run}-c"
        payload = example.model_copy(update=ids)
        events[event_type] = new_event(payload, source="pm/contract-test", estate_id="SUNNY")
    return events


async def published(mongo: Mongo, engines: Any, prefix: str) -> dict[str, Envelope]:
    """Publish one event of every type through the outbox relay, as the services do."""
    events = one_of_each(unique_name("w"))
    coll = mongo.collection("wire")
    for event_type, event in events.items():
        await coll.insert_one(new_with_outbox({"_id": event.id}, (event_type, event)))
    publisher = KafkaPublisher(engines.kafka_bootstrap, prefix)
    relay = OutboxRelay(publisher, [coll])
    async with EventProbe(engines.kafka_bootstrap, prefix, list(events)) as probe:

        async def all_there() -> bool:
            await relay.run_once()
            await probe._drain()
            return {e.id for _, e, _ in probe.events} >= {e.id for e in events.values()}

        await poll_until(all_there, timeout=60, what="every event type published")
    await publisher.close()
    return events


def kcat_auth() -> list[str]:
    """librdkafka options for the broker's admin principal (none without authentication)."""
    auth = KafkaAuth.from_env()
    if not auth.enabled:
        return []
    options = {
        "security.protocol": auth.protocol,
        "sasl.mechanisms": auth.mechanism,
        "sasl.username": auth.username,
        "sasl.password": auth.password,
    }
    return [arg for key, value in options.items() for arg in ("-X", f"{key}={value}")]


async def kcat(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every message of a topic as kcat's JSON envelope (-J): headers, key, payload."""
    process = await asyncio.create_subprocess_exec(
        *("kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-J", *kcat_auth()),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


async def raw_records(engines: Any, prefix: str, names: list[str], count: int) -> list[ConsumerRecord]:
    consumer = AIOKafkaConsumer(
        *[prefix + n for n in names],
        bootstrap_servers=engines.kafka_bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **KafkaAuth.from_env().client_kwargs(),
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:

        async def enough() -> bool:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
            return len(records) >= count

        await poll_until(enough, timeout=30, what=f"{count} raw records")
    finally:
        await consumer.stop()
    return records


async def test_cloudevents_sdk_and_kcat_read_every_event_type(mongo: Mongo, engines, topic_prefix: str) -> None:  # type: ignore[no-untyped-def]
    events = await published(mongo, engines, topic_prefix)

    records = await raw_records(engines, topic_prefix, list(events), len(events))
    by_id = {}
    for record in records:
        message = KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
        assert message.headers == {"content-type": CONTENT_TYPE.encode()}  # structured mode, nothing else
        for read in (from_kafka_event(message), from_structured_event(message)):  # auto-detected, and explicit
            assert read.get_specversion() == "1.0" and isinstance(read.get_data(), dict)
            by_id[read.get_id()] = read
    for event_type, sent in events.items():
        read = by_id[sent.id]
        assert (read.get_type(), read.get_source(), read.get_subject()) == (event_type, sent.source, sent.subject)
        assert read.get_time() == sent.time and read.get_dataschema() == sent.dataschema
        assert read.get_extension("complaintid") == sent.complaintid
        assert read.get_extension("schemaversion") == sent.schemaversion
        assert read.get_extension("partitionkey") == sent.subject  # the SDK maps the Kafka key to partitionkey
        assert read.get_data() == sent.data
        jsonschema.validate(read.get_data(), payload_schema_for(str(read.get_dataschema())))

    for event_type, sent in events.items():
        lines = await kcat(engines.kafka_bootstrap, topic_prefix + event_type)
        assert len(lines) == 1, lines
        line = lines[0]
        assert line["headers"] == ["content-type", CONTENT_TYPE] and line["key"] == sent.kafka_key
        value = json.loads(line["payload"])
        validate(value)
        assert (value["id"], value["type"], value["subject"]) == (sent.id, event_type, sent.subject)


async def test_a_newer_additive_version_is_read_not_dead_lettered(engines, topic_prefix: str) -> None:  # type: ignore[no-untyped-def]
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    current = new_event(EXAMPLES[topics.COMPLAINT_RECEIVED], source="pm/intake", estate_id="SUNNY")
    newer = json.loads(current.to_json())
    newer.update(
        id="from-a-newer-intake",
        schemaversion=3,
        dataschema="urn:pm:event:complaint.received:v3",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  # an attribute we do not know
    )
    newer["data"] = {**newer["data"], "photo_count": 2, "location": {**newer["data"]["location"], "floor": "8"}}
    await publisher.send_raw(topics.COMPLAINT_RECEIVED, json.dumps(newer).encode(), b"k", current.kafka_headers())
    seen: list[BaseModel] = []

    async def handler(envelope: Envelope, payload: BaseModel) -> None:
        seen.append(payload)

    loop = ConsumerLoop(
        bootstrap=engines.kafka_bootstrap,
        group_id=topic_prefix + "tolerant",
        handlers={topics.COMPLAINT_RECEIVED: handler},
        publisher=publisher,
        prefix=topic_prefix,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        await poll_until(lambda: _value(len(seen) == 1), what="the v3 event handled")
    finally:
        stop.set()
        await task
        await publisher.close()
    assert seen[0] == EXAMPLES[topics.COMPLAINT_RECEIVED] and isinstance(seen[0], ComplaintReceived)
    assert await message_count(engines, topic_prefix + topics.dlq(topics.COMPLAINT_RECEIVED)) == 0


async def message_count(engines: Any, topic: str) -> int:
    """How many messages a one-partition topic (a DLQ) holds, without waiting for any."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=engines.kafka_bootstrap, group_id=None, **KafkaAuth.from_env().client_kwargs()
    )
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, 0)])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def _value(value: bool) -> bool:
    return value
