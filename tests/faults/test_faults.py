"""Fault injection: kill the broker, the DB and each service at the worst moments; lose nothing.

Every scenario files ``N`` items at a steady pace, injects its fault while they flow, then checks
that each accepted item reached its final state exactly once (see ``pm_common.testing.faults``).
The table of all scenarios is printed at the end of the run (and kept in the README).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from pm_common.devstack import SERVICES
from pm_common.faults import EXIT_CODE
from pm_common.testing import poll_until
from pm_common.testing.faults import Outcome, record
from pm_common.testing.faults.topics import group_lag

from pm_common.testing.faults.rig import N, PACE, Rig

pytestmark = pytest.mark.faults

# what each service consumes (its consumer group must catch up after a replay)
SUBSCRIBED = {
    "intake": ["complaint.triaged", "task.assigned", "task.completed", "feedback.sent"],
    "triage": ["complaint.received", "task.completed"],
    "dispatch": ["complaint.triaged", "complaint.withdrawn", "incident.declared", "incident.resolved"],
    "sla-monitor": ["task.assigned", "task.completed", "task.cancelled"],
    "notifier": ["task.overdue", "complaint.triaged", "task.completed", "incident.declared", "incident.resolved"],
}


async def run_scenario(rig: Rig, name: str, inject: Callable[[], Awaitable[float]], timeout: float = 120) -> Outcome:
    """File ``N`` items; once a third is accepted, ``inject`` the fault (it returns when the fault is
    over); then wait until every accepted item is final and record the outcome."""
    filing = asyncio.create_task(rig.load.file(name, N, pace=PACE))

    async def a_third_accepted() -> bool:
        if filing.done():
            filing.result()  # surface a refusal at once
        return rig.load.by_tag[name] >= max(N // 3, 1)

    await poll_until(a_third_accepted, timeout=120, what=f"{name}: first items accepted")
    restored_at = await inject()
    items = await filing
    outcome = await rig.checker.wait_final(name, [i.complaint_id for i in items], restored_at, timeout)
    record(outcome)
    assert outcome.ok, f"{outcome}\n{outcome.details}\n(service logs: {rig.logs})"
    return outcome


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


CRASHES = [(s.name, point) for s in SERVICES for point in ("outbox.before_publish", "consumer.before_commit")]


@pytest.mark.parametrize(("service", "point"), CRASHES, ids=[f"{s}@{p}" for s, p in CRASHES])
async def test_service_kill9_mid_batch(rig: Rig, service: str, point: str) -> None:
    """The service dies like ``kill -9`` at ``point`` (3rd time it gets there) and is restarted."""
    await rig.restart(service, PM_FAULT_CRASH_AT=f"{point}:3")
    proc = rig.stack.processes[service]

    async def inject() -> float:
        async def crashed() -> bool:
            return proc.poll() is not None

        await poll_until(crashed, timeout=90, what=f"{service} to crash at {point}")
        assert proc.returncode == EXIT_CODE, f"{service} exited with {proc.returncode}, not by the fault hook"
        rig.stack.start(only=(service,))
        restored = time.monotonic()
        await asyncio.to_thread(rig.stack.wait_healthy, 120.0)
        return restored

    await run_scenario(rig, f"{service} kill -9 at {point}", inject)


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
