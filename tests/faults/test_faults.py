"""Fault injection: kill the broker, the DB and each service at the worst moments; lose nothing.

Every scenario files ``N`` items at a steady pace, injects its fault while they flow, then checks
that each accepted item reached its final state exactly once (see ``pm_common.testing.faults``).
The table of all scenarios is printed at the end of the run (and kept in the README).
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
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from pm_common import topics
from pm_common.devstack import SERVICES
from pm_common.events import ComplaintReceived, Envelope, new_event
from pm_common.faults import EXIT_CODE
from pm_common.kafka.redrive import DeadLetter, read_dead_letters
from pm_common.testing import poll_until
from pm_common.testing.faults import Outcome, record
from pm_common.testing.faults.load import CONTENTS
from pm_common.testing.faults.rig import PACE, N, Rig
from pm_common.testing.faults.topics import group_lag, lag_by_partition, read_all

pytestmark = pytest.mark.faults

# what each service consumes (its consumer group must catch up after a replay)
SUBSCRIBED = {
    "intake": ["complaint.triaged", "task.assigned", "task.completed", "feedback.sent"],
    "triage": ["complaint.received", "task.completed"],
    "dispatch": ["complaint.triaged", "complaint.withdrawn", "incident.declared", "incident.resolved"],
    "sla-monitor": ["task.assigned", "task.completed", "task.cancelled"],
    "notifier": ["task.overdue", "complaint.triaged", "task.completed", "incident.declared", "incident.resolved"],
}


async def run_scenario(
    rig: Rig,
    name: str,
    inject: Callable[[], Awaitable[float]],
    timeout: float = 120,
    then: Callable[[], Awaitable[None]] | None = None,
    at_once: bool = False,
    count: int = N,
) -> Outcome:
    """File ``N`` items; once a third is accepted (or ``at_once``: an armed crash hook is the fault),
    ``inject`` the fault (it returns when the fault is over), run ``then`` (extra checks); then wait
    until every accepted item is final and record the outcome."""
    if not at_once:
        await rig.ensure_running()
    filing = asyncio.create_task(rig.load.file(name, count, pace=PACE))

    async def a_third_accepted() -> bool:
        if filing.done():
            filing.result()  # surface a refusal at once
        return rig.load.by_tag[name] >= max(N // 3, 1)

    if not at_once:
        await poll_until(a_third_accepted, timeout=120, what=f"{name}: first items accepted")
    restored_at = await inject()
    await filing
    if then is not None:
        await then()
    items = [i for tag, found in rig.load.tagged.items() if tag.startswith(name) for i in found]  # + inject's
    outcome = await rig.checker.wait_final(name, [i.complaint_id for i in items], restored_at, timeout)
    record(outcome)
    assert outcome.ok, f"{outcome}\n{outcome.details}\n{await _lags(rig)}\n(service logs: {rig.logs})"
    return outcome


async def _lags(rig: Rig) -> str:
    """Which consumer group has not committed what (to tell a stuck partition from a slow one)."""
    suffix = rig.stack.env.get("KAFKA_CONSUMER_GROUP_SUFFIX", "")
    found = {svc: await lag_by_partition(rig.bootstrap, svc + suffix, t) for svc, t in SUBSCRIBED.items()}
    return "uncommitted: " + (", ".join(f"{svc} {lag}" for svc, lag in found.items() if lag) or "none")


async def test_broker_kill9_and_restart_under_load(rig: Rig) -> None:
    async def inject() -> float:
        await asyncio.to_thread(rig.own.kill9, "kafka")
        before = rig.load.by_tag["broker kill -9"]

        async def accepted_without_broker() -> bool:  # the outbox keeps intake taking complaints
            return rig.load.by_tag["broker kill -9"] >= min(before + 2, N)

        await poll_until(accepted_without_broker, timeout=60, what="items accepted while Kafka is dead")
        await asyncio.to_thread(rig.own.up, "kafka")
        return time.monotonic()

    await run_scenario(rig, "broker kill -9", inject, timeout=180)


POINTS = ("outbox.before_publish", "consumer.before_commit")


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
async def test_service_kill9_mid_batch(rig: Rig, service: str) -> None:
    """The service dies like ``kill -9`` after a DB write before its publish (3rd time it gets
    there), is restarted, dies again after processing before the offset commit, is restarted."""
    name = f"{service} kill -9 at {POINTS[0]}, then at {POINTS[1]}"
    await rig.ensure_running()
    await rig.restart(service, PM_FAULT_CRASH_AT=f"{POINTS[0]}:3")

    async def crash_and_restart(point: str, arm_next: str | None) -> None:
        proc = rig.stack.processes[service]

        async def crashed() -> bool:
            return proc.poll() is not None

        await poll_until(crashed, timeout=90, what=f"{service} to crash at {point}")
        assert proc.returncode == EXIT_CODE, f"{service} exited with {proc.returncode}, not by the fault hook"
        rig.stack.start(only=(service,), extra_env={"PM_FAULT_CRASH_AT": arm_next} if arm_next else None)

    async def inject() -> float:
        await crash_and_restart(POINTS[0], f"{POINTS[1]}:3")
        # more items, so that the restarted service has messages to consume (and crash on) again
        more = asyncio.create_task(rig.load.file(f"{name} (2)", N - N // 2, pace=PACE))
        await crash_and_restart(POINTS[1], None)
        restored = time.monotonic()
        await more
        await asyncio.to_thread(rig.stack.wait_healthy, 120.0)
        return restored

    await run_scenario(rig, name, inject, at_once=True, count=N // 2)


async def test_db_kill9_and_restart_under_load(rig: Rig) -> None:
    async def inject() -> float:
        await asyncio.to_thread(rig.own.kill9, "mongo")
        before = rig.load.retries

        async def refused_while_down() -> bool:  # intake answers 503 (the load retries the same key)
            return rig.load.retries > before

        await poll_until(refused_while_down, timeout=60, what="intake refusing while the DB is dead")
        await asyncio.to_thread(rig.own.up, "mongo")
        return time.monotonic()

    await run_scenario(rig, "DB kill -9", inject, timeout=180)


async def test_replay_every_topic_from_zero_into_fresh_groups(rig: Rig) -> None:
    """Every service re-reads every topic from offset 0 in a new consumer group: nothing changes."""
    every = list(rig.load.accepted)
    before = await rig.checker.databases(every)
    final_before = [cid for cid in every if cid not in before.missing and cid not in before.duplicated]
    assert final_before, "earlier scenarios left no final items to replay"
    await asyncio.to_thread(rig.stack.stop)
    rig.stack.env["KAFKA_CONSUMER_GROUP_SUFFIX"] = ".replay"
    rig.stack.start()
    started = time.monotonic()
    await asyncio.to_thread(rig.stack.wait_healthy, 180.0)

    async def caught_up() -> bool:
        lags = [await group_lag(rig.bootstrap, f"{svc}.replay", topics) for svc, topics in SUBSCRIBED.items()]
        return sum(lags) == 0

    await poll_until(caught_up, timeout=180, interval=0.5, what="fresh consumer groups at the end of every topic")
    outcome = await rig.checker.wait_final("replay from offset 0", final_before, started, timeout=60)
    record(outcome)
    assert outcome.ok, f"{outcome}\n{outcome.details}"


async def test_dead_letter_redriven_after_a_fix_is_processed_once(rig: Rig, tmp_path: Path) -> None:
    """An event with a wrong schema is dead-lettered with its origin; ``redrive send`` with the
    corrected value puts it back on its topic and it is processed once (a second send changes nothing)."""
    topic = topics.COMPLAINT_RECEIVED
    fixed = _received_event()
    broken = json.loads(fixed.to_json())
    del broken["data"]["content"]
    producer = AIOKafkaProducer(bootstrap_servers=rig.bootstrap, acks="all")
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
    each lands in the DLQ exactly once with its reason and origin, and the items behind them flow.
    (Last in the module: while the 5 MB defect is open it blocks triage's consumer for good.)"""
    topic = topics.COMPLAINT_RECEIVED
    await _allow_messages_up_to(rig.bootstrap, [topic, topics.dlq(topic)], 8 * 1024 * 1024)
    fixed = [_received_event() for _ in range(PARTITIONS)]
    produced: dict[tuple[int, int], str] = {}

    async def inject() -> float:
        producer = AIOKafkaProducer(bootstrap_servers=rig.bootstrap, acks="all", max_request_size=8 * 1024 * 1024)
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

    async def dead_lettered() -> bool:
        return len(await ours()) >= len(produced)

    async def every_poison_dead_lettered() -> None:
        try:
            await poll_until(dead_lettered, timeout=60, interval=1, what="every poison message in the DLQ")
        except AssertionError as exc:
            found = Counter(produced[_origin(d)] for d in await ours())
            raise AssertionError(
                f"dead-lettered {dict(found)} of {dict(Counter(produced.values()))}; the partitions behind a "
                f"missing one are blocked ({await _lags(rig)})"
            ) from exc

    await run_scenario(rig, "poison messages (3 per partition)", inject, timeout=90, then=every_poison_dead_lettered)
    letters = await ours()
    origins = Counter(_origin(d) for d in letters)
    assert set(origins) == set(produced) and all(n == 1 for n in origins.values()), (origins, produced)
    assert all(d.header("dlq_topic") == topic and d.header("dlq_reason") for d in letters)


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
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, n, configs={"max.message.bytes": str(max_bytes)}) for n in names]
        )
    finally:
        await admin.close()
