"""Fault injection: kill the broker, the DB and each service at the worst moments; lose nothing.

Every scenario files ``N`` items at a steady pace, injects its fault while they flow, then checks
that each accepted item reached its final state exactly once (see ``pm_common.testing.faults``).
The table of all scenarios is printed at the end of the run (and kept in the README).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from pm_common.devstack import SERVICES
from pm_common.faults import EXIT_CODE
from pm_common.testing import poll_until
from pm_common.testing.faults.report import record
from pm_common.testing.faults.rig import PACE, N, Rig
from pm_common.testing.faults.scenario import SUBSCRIBED, run_scenario
from pm_common.testing.faults.topics import group_lag

pytestmark = pytest.mark.faults


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
