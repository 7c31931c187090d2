"""Dead letters: a corrected one redriven is processed once; poison messages never block a partition.

Runs after ``test_faults.py`` on the same rig (package-scoped).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from pm_common import topics
from pm_common.devstack import SERVICES
from pm_common.events import ComplaintReceived, Envelope, new_event
from pm_common.kafka.acls import SUBSCRIPTIONS
from pm_common.kafka.admin import admin_client
from pm_common.kafka.redrive import DeadLetter, read_dead_letters
from pm_common.kafka.security import KafkaAuth
from pm_common.testing import poll_until
from pm_common.testing.faults.load import CONTENTS
from pm_common.testing.faults.rig import Rig
from pm_common.testing.faults.scenario import lags, run_scenario
from pm_common.testing.faults.topics import read_all

pytestmark = pytest.mark.faults


async def test_dead_letter_redriven_after_a_fix_is_processed_once(rig: Rig, tmp_path: Path) -> None:
    """An event with a wrong schema is dead-lettered with its origin; ``redrive send`` with the
    corrected value puts it back on its topic and it is processed once (a second send changes nothing)."""
    topic = topics.COMPLAINT_RECEIVED
    fixed = _received_event()
    broken = json.loads(fixed.to_json())
    del broken["data"]["content"]
    producer = AIOKafkaProducer(bootstrap_servers=rig.bootstrap, acks="all", **KafkaAuth.from_env().client_kwargs())
    await producer.start()
    try:
        meta = await producer.send_and_wait(topic, json.dumps(broken).encode(), key=fixed.kafka_key.encode())
    finally:
        await producer.stop()

    async def dead_letter() -> DeadLetter | None:
        letters = await read_dead_letters(rig.bootstrap, topics.dlq(topic))
        return next((d for d in letters if _origin(d) == (meta.partition, meta.offset)), None)

    letter = await poll_until(dead_letter, timeout=60, interval=0.5, what="the wrong-schema event in the DLQ")
    assert letter.header("dlq_topic") == topic and "content" in (letter.header("dlq_reason") or "")
    fix = tmp_path / "fixed.json"
    fix.write_bytes(fixed.to_json())
    listed = await _redrive(rig, "list", "--topic", topics.dlq(topic))
    described = [json.loads(line) for line in listed.splitlines()]
    mine = next(d for d in described if d["dlq_offset"] == letter.offset)
    assert mine["origin"]["topic"] == topic and mine["origin"]["offset"] == str(meta.offset) and mine["reason"]
    args = ("send", "--topic", topics.dlq(topic), "--offset", str(letter.offset), "--value-file", str(fix))
    assert json.loads(await _redrive(rig, *args))["to"] == topic
    cid = fixed.data["complaint_id"]
    tasks = rig.checker.dbs["pm_dispatch"].collection("tasks")
    await poll_until(lambda: tasks.find_one({"_id": f"T-{cid}"}), timeout=60, what="the redriven complaint's task")
    await _redrive(rig, *args)  # sent twice: consumers deduplicate by event id
    triages = rig.checker.dbs["pm_triage"].collection("triages")
    assert (await triages.find_one({"_id": cid}))["decision"] == "accepted"
    assert await tasks.count_documents({"complaint_id": cid}) == 1
    envelopes = [r.envelope() for r in await read_all(rig.bootstrap, [topics.TASK_ASSIGNED])]
    assigned = {e.id for e in envelopes if e is not None and e.complaintid == cid}
    assert len(assigned) == 1, assigned


async def _redrive(rig: Rig, *args: str) -> str:
    env = {**os.environ, "KAFKA_BOOTSTRAP": rig.bootstrap, "KAFKA_TOPIC_PREFIX": ""}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "pm_common.kafka.redrive", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


async def test_poison_messages_dead_lettered_while_partitions_flow(rig: Rig) -> None:
    """Invalid JSON, a wrong schema and a 5 MB event in every partition of ``complaint.received``:
    each lands in the DLQ exactly once per consuming group with its reason and origin (the 5 MB one,
    above every consumer's event size limit and too large for the dead-letter producer, truncated with
    its original size), and the items behind them flow."""
    topic = topics.COMPLAINT_RECEIVED
    await _allow_messages_up_to(rig.bootstrap, [topic, topics.dlq(topic)], 8 * 1024 * 1024)
    fixed = [_received_event() for _ in range(PARTITIONS)]
    produced: dict[tuple[int, int], str] = {}

    async def inject() -> float:
        producer = AIOKafkaProducer(
            bootstrap_servers=rig.bootstrap,
            acks="all",
            max_request_size=8 * 1024 * 1024,
            **KafkaAuth.from_env().client_kwargs(),
        )
        await producer.start()
        try:
            for p in range(PARTITIONS):
                broken = json.loads(fixed[p].to_json())
                del broken["data"]["content"]  # a payload that does not match its schema
                big = _received_event(content="漏水" * (5 * 1024 * 1024 // 6)).to_json()
                for kind, value in (
                    ("invalid json", b'{"id": "cut off'),
                    ("wrong schema", json.dumps(broken).encode()),
                    ("5 MB", big),
                ):
                    meta = await producer.send_and_wait(topic, value, key=fixed[p].subject.encode(), partition=p)
                    produced[(p, meta.offset)] = kind
        finally:
            await producer.stop()
        return time.monotonic()

    async def ours() -> list[DeadLetter]:
        return [d for d in await read_dead_letters(rig.bootstrap, topics.dlq(topic)) if _origin(d) in produced]

    # every service consuming the topic dead-letters each poison message once, in its own group
    # (the rig runs the five services of devstack.SERVICES: insights, a subscriber too, is not among them)
    consumers = sum(topics.COMPLAINT_RECEIVED in SUBSCRIPTIONS[s.name] for s in SERVICES)

    async def dead_lettered() -> bool:
        return len(await ours()) >= len(produced) * consumers

    async def every_poison_dead_lettered() -> None:
        try:
            await poll_until(dead_lettered, timeout=60, interval=1, what="every poison message in the DLQ")
        except AssertionError as exc:
            found = Counter(produced[_origin(d)] for d in await ours())
            raise AssertionError(
                f"dead-lettered {dict(found)} of {dict(Counter(produced.values()))}; the partitions behind a "
                f"missing one are blocked ({await lags(rig)})"
            ) from exc

    await run_scenario(rig, "poison messages (3 per partition)", inject, timeout=90, then=every_poison_dead_lettered)
    letters = await ours()
    per_group = Counter((_origin(d), d.header("dlq_group")) for d in letters)
    assert {origin for origin, _ in per_group} == set(produced) and all(n == 1 for n in per_group.values())
    assert len({group for _, group in per_group}) == consumers, per_group
    assert all(d.header("dlq_topic") == topic and d.header("dlq_reason") for d in letters)
    big = [d for d in letters if produced[_origin(d)] == "5 MB"]
    assert len(big) == PARTITIONS * consumers and all(int(d.header("dlq_truncated_from") or 0) > 5_000_000 for d in big)


def _origin(letter: DeadLetter) -> tuple[int, int]:
    return int(letter.header("dlq_partition") or -1), int(letter.header("dlq_offset") or -1)


PARTITIONS = topics.TOPICS[topics.COMPLAINT_RECEIVED].partitions


def _received_event(content: str = CONTENTS[1]) -> Envelope:
    cid, now = uuid.uuid4().hex, datetime.now(UTC)
    payload = ComplaintReceived(
        complaint_id=cid,
        reference_no=f"SUNNY-{now:%Y%m%d}-R{cid[:4]}",
        estate_id="SUNNY",
        channel="app",
        content=content,
        raised_at=now,
        received_at=now,
    )
    return new_event(payload, source="pm/intake", estate_id="SUNNY", now=now)


async def _allow_messages_up_to(bootstrap: str, names: list[str], max_bytes: int) -> None:
    """Topic-level ``max.message.bytes`` (as a topic an outside producer writes to might be set up)."""
    admin = admin_client(bootstrap)
    await admin.start()
    try:
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, n, configs={"max.message.bytes": str(max_bytes)}) for n in names]
        )
    finally:
        await admin.close()
