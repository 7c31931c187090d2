"""Consumer loop on the real broker: separate retry budgets, pausing on outages, rebalances."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaError
from pydantic import BaseModel
from pymongo.errors import AutoReconnect

from pm_common import topics
from pm_common.events import ComplaintReceived, Envelope
from pm_common.kafka import ConsumerLoop, KafkaPublisher
from pm_common.testing import EventProbe, poll_until
from pm_common.testing.helpers import received_event as received
from pm_common.testing.helpers import value_of

pytestmark = pytest.mark.integration


def loop_for(engines, prefix: str, publisher: KafkaPublisher, handler, **kw) -> ConsumerLoop:  # type: ignore[no-untyped-def]
    return ConsumerLoop(
        bootstrap=engines.kafka_bootstrap,
        group_id=prefix + kw.pop("group", "g"),
        handlers={topics.COMPLAINT_RECEIVED: handler},
        publisher=publisher,
        prefix=prefix,
        retry_base_seconds=0.01,
        **kw,
    )


async def test_an_outage_does_not_use_up_the_failure_budget(engines, topic_prefix: str) -> None:
    """Seven transient failures, then two real ones: still handled (budget 3), not dead-lettered."""
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    calls: list[str] = []

    async def handler(envelope: Envelope, payload: BaseModel) -> None:
        calls.append("x")
        if len(calls) <= 7:
            raise AutoReconnect("db down")
        if len(calls) <= 9:
            raise RuntimeError("real failure")

    await publisher.publish(topics.COMPLAINT_RECEIVED, received("c1"))
    loop = loop_for(engines, topic_prefix, publisher, handler, max_attempts=3)
    stop = asyncio.Event()
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [topics.dlq(topics.COMPLAINT_RECEIVED)]) as probe:
        task = asyncio.create_task(loop.run(stop))
        await poll_until(lambda: value_of(len(calls) == 10), what="handled after outage and two failures")
        await probe._drain()
        assert probe.raw == []  # nothing dead-lettered
        stop.set()
        await task
    await publisher.close()


async def test_a_long_outage_pauses_the_partition_and_the_others_keep_flowing(engines, topic_prefix: str) -> None:
    """One key's DB is "down" for longer than the in-line budget: its partition is paused (the loop
    keeps polling, so the consumer stays in its group), other partitions are handled meanwhile, and
    the paused record is retried and handled once the outage ends; nothing is dead-lettered."""
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    outage = {"on": True}
    handled: list[str] = []

    async def handler(envelope: Envelope, payload: BaseModel) -> None:
        assert isinstance(payload, ComplaintReceived)
        if payload.complaint_id.startswith("down") and outage["on"]:
            raise AutoReconnect("db down")
        handled.append(payload.complaint_id)

    # keys that land on different partitions (2 in tests): find one of each by probing
    await publisher.publish(topics.COMPLAINT_RECEIVED, received("down-1"))
    loop = loop_for(engines, topic_prefix, publisher, handler, transient_inline_seconds=0.3, pause_max_seconds=0.5)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    await poll_until(lambda: value_of(bool(loop._paused)), what="the partition of down-1 paused")
    paused = set(loop._paused)
    for i in range(20):
        await publisher.publish(topics.COMPLAINT_RECEIVED, received(f"up-{i}"))
    # records on the other partition flow while the outage lasts
    await poll_until(lambda: value_of(len(handled) >= 5), what="other partition handled during the outage")
    assert "down-1" not in handled
    assert loop.owned  # still a member of its group
    outage["on"] = False
    await poll_until(lambda: value_of("down-1" in handled), what="paused record handled after the outage")
    await poll_until(lambda: value_of(len(handled) == 21), what="everything handled once")
    assert sorted(handled).count("down-1") == 1
    assert not loop._paused
    stop.set()
    await task
    assert paused
    await publisher.close()


class Listener:
    def __init__(self) -> None:
        self.owned: set[int] = set()
        self.events: list[str] = []

    async def assigned(self, partitions: dict[str, set[int]]) -> None:
        self.owned = set(partitions.get(topics.COMPLAINT_RECEIVED, set()))
        self.events.append("assigned")

    async def revoked(self, partitions: dict[str, set[int]]) -> None:
        self.owned -= partitions.get(topics.COMPLAINT_RECEIVED, set())
        self.events.append("revoked")


async def test_rebalance_commits_on_revoke_and_tells_listeners(engines, topic_prefix: str) -> None:
    """Two members of one group split the partitions; when the second joins, the first commits what
    it has done, so nothing handled before the rebalance is handled again after it."""
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    handled: list[tuple[str, str]] = []

    def handler_for(name: str):  # type: ignore[no-untyped-def]
        async def handler(envelope: Envelope, payload: BaseModel) -> None:
            assert isinstance(payload, ComplaintReceived)
            handled.append((name, payload.complaint_id))

        return handler

    for i in range(30):
        await publisher.publish(topics.COMPLAINT_RECEIVED, received(f"a-{i}"))
    first_listener, second_listener = Listener(), Listener()
    first = loop_for(engines, topic_prefix, publisher, handler_for("first"), listeners=[first_listener])
    stop1, stop2 = asyncio.Event(), asyncio.Event()
    task1 = asyncio.create_task(first.run(stop1))
    await poll_until(lambda: value_of(len(handled) == 30), what="first member handled the backlog")
    assert first_listener.owned == {0, 1}
    second = loop_for(engines, topic_prefix, publisher, handler_for("second"), listeners=[second_listener])
    task2 = asyncio.create_task(second.run(stop2))
    await poll_until(
        lambda: value_of(bool(second_listener.owned) and len(first_listener.owned) == 1),
        timeout=60,
        what="partitions split between the two members",
    )
    assert first_listener.owned.isdisjoint(second_listener.owned)
    assert "revoked" in first_listener.events
    for i in range(30):
        await publisher.publish(topics.COMPLAINT_RECEIVED, received(f"b-{i}"))
    await poll_until(lambda: value_of(len(handled) == 60), what="new messages handled by both members")
    ids = [cid for _, cid in handled]
    assert len(ids) == len(set(ids)), "a message handled before the rebalance was handled again"
    assert {name for name, cid in handled if cid.startswith("b-")} == {"first", "second"}
    stop1.set()
    stop2.set()
    await asyncio.gather(task1, task2)
    await publisher.close()


async def test_a_message_too_large_for_the_dead_letter_topic_is_dead_lettered_truncated(
    engines, topic_prefix: str
) -> None:
    """A poison message just under the size limit becomes too large once the dead-letter headers are
    added: the loop dead-letters its head (with the original size and origin) and flows on, instead
    of retrying forever and stopping every partition."""
    from pm_common.kafka.consumer import DLQ_KEEP_BYTES

    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    handled: list[str] = []

    async def handler(envelope: Envelope, payload: BaseModel) -> None:
        assert isinstance(payload, ComplaintReceived)
        handled.append(payload.complaint_id)

    big = b"{" + b"x" * 1_048_400  # invalid JSON, close to the 1 MiB producer limit
    await publisher.send_raw(topics.COMPLAINT_RECEIVED, big, b"big")
    await publisher.publish(topics.COMPLAINT_RECEIVED, received("after"))
    loop = loop_for(engines, topic_prefix, publisher, handler)
    stop = asyncio.Event()
    dlq_topic = topics.dlq(topics.COMPLAINT_RECEIVED)
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [dlq_topic]) as probe:
        task = asyncio.create_task(loop.run(stop))

        async def dead() -> bool:
            await probe._drain()
            return bool(probe.raw)

        await poll_until(dead, timeout=60, what="the oversized message dead-lettered")
        _, value, headers = probe.raw[0]
        assert len(value) == DLQ_KEEP_BYTES and big.startswith(value)
        assert headers["dlq_truncated_from"] == str(len(big)).encode()
        assert headers["dlq_reason"].startswith(b"invalid event") and headers["dlq_offset"] == b"0"
        await poll_until(lambda: value_of(handled == ["after"]), what="the partition flowing on")
        stop.set()
        await task
    await publisher.close()


async def test_a_valid_event_above_the_size_limit_is_dead_lettered_by_every_group(engines, topic_prefix: str) -> None:
    """An event larger than ``max_event_bytes`` is never handed to a handler, even when it parses:
    each group dead-letters it once with the reason (so all subscribers agree it is poison)."""
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    handled: dict[str, list[str]] = {"a": [], "b": []}

    def handler_for(group: str):  # type: ignore[no-untyped-def]
        async def handler(envelope: Envelope, payload: BaseModel) -> None:
            assert isinstance(payload, ComplaintReceived)
            handled[group].append(payload.complaint_id)

        return handler

    await publisher.publish(topics.COMPLAINT_RECEIVED, received("big", content="漏水" * 2000))  # ~12 KB
    await publisher.publish(topics.COMPLAINT_RECEIVED, received("after"))
    loops = [
        loop_for(engines, topic_prefix, publisher, handler_for(g), group=g, max_event_bytes=8 * 1024) for g in handled
    ]
    stop = asyncio.Event()
    dlq_topic = topics.dlq(topics.COMPLAINT_RECEIVED)
    async with EventProbe(engines.kafka_bootstrap, topic_prefix, [dlq_topic]) as probe:
        tasks = [asyncio.create_task(loop.run(stop)) for loop in loops]
        await poll_until(lambda: value_of(all(h == ["after"] for h in handled.values())), what="both groups flowing on")

        async def both_dead_lettered() -> bool:
            await probe._drain()
            return len(probe.raw) >= 2

        await poll_until(both_dead_lettered, timeout=30, what="one dead letter per group")
        groups = sorted(headers["dlq_group"].decode()[len(topic_prefix) :] for _, _, headers in probe.raw)
        assert groups == ["a", "b"]
        assert all(headers["dlq_reason"].startswith(b"event too large") for _, _, headers in probe.raw)
        stop.set()
        await asyncio.gather(*tasks)
    await publisher.close()


async def test_a_client_whose_polls_keep_failing_is_replaced_and_its_group_flows_again(
    engines, topic_prefix: str
) -> None:
    """After a broker kill -9, aiokafka's coordinator was seen dead for good: every poll raised
    "Unexpected error during coordination" for minutes (fault suite, sla-monitor). The loop replaces
    such a client; the group rejoins and later records are handled."""
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    handled: list[str] = []

    async def handler(envelope: Envelope, payload: BaseModel) -> None:
        assert isinstance(payload, ComplaintReceived)
        handled.append(payload.complaint_id)

    loop = loop_for(engines, topic_prefix, publisher, handler, fresh_consumer_after_seconds=1.0)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    await publisher.publish(topics.COMPLAINT_RECEIVED, received("before"))
    await poll_until(lambda: value_of("before" in handled), what="the first record handled")
    broken = loop._consumer
    assert broken is not None

    async def dead_coordinator(*args: object, **kwargs: object) -> None:
        raise KafkaError("Unexpected error during coordination RuntimeError('the handler is closed')")

    broken.getmany = dead_coordinator  # type: ignore[method-assign]  # the state the fault suite saw
    await poll_until(lambda: value_of(not loop.connected), what="the broken client's polls failing")
    await publisher.publish(topics.COMPLAINT_RECEIVED, received("after"))
    await poll_until(lambda: value_of(loop.fresh_consumers == 1), timeout=30, what="a fresh client")
    await poll_until(lambda: value_of("after" in handled), timeout=60, what="handled by the fresh client")
    assert loop._consumer is not broken and loop.connected
    assert handled.count("before") == 1  # committed before the client broke: not redelivered
    stop.set()
    await task
    await publisher.close()


async def test_a_client_that_silently_left_its_group_is_replaced(engines, topic_prefix) -> None:  # type: ignore[no-untyped-def]
    """The other failure seen after a broker kill -9 (fault suite, notifier): the client polled without
    error, owned nothing, and its group was Empty for minutes. The loop asks the broker whether the
    client is still a member; it is not, so a fresh client rejoins and later records are handled."""
    publisher = KafkaPublisher(engines.kafka_bootstrap, topic_prefix)
    handled: list[str] = []

    async def handler(envelope: Envelope, payload: BaseModel) -> None:
        assert isinstance(payload, ComplaintReceived)
        handled.append(payload.complaint_id)

    loop = loop_for(engines, topic_prefix, publisher, handler, fresh_consumer_after_seconds=1.0)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    await publisher.publish(topics.COMPLAINT_RECEIVED, received("before"))
    await poll_until(lambda: value_of("before" in handled), what="the first record handled")
    broken = loop._consumer
    assert broken is not None
    assert await loop._in_group(broken)  # a healthy client is a member
    broken._coordinator.member_id = "gone"  # the broker no longer knows this client as a member …
    broken.assignment = lambda: set()  # type: ignore[method-assign]  # … and owns nothing, without an error
    await poll_until(lambda: value_of(loop.fresh_consumers == 1), timeout=30, what="a fresh client")
    await publisher.publish(topics.COMPLAINT_RECEIVED, received("after"))
    await poll_until(lambda: value_of("after" in handled), timeout=60, what="handled by the fresh client")
    assert loop._consumer is not broken
    stop.set()
    await task
    await publisher.close()
