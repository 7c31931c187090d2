"""Look at dead letters and put them back on their topic (after a fix), from the command line.

    python -m pm_common.kafka.redrive list --topic complaint.received.dlq
    python -m pm_common.kafka.redrive send --topic complaint.received.dlq --offset 7 [--value-file fixed.json]
    python -m pm_common.kafka.redrive send --topic complaint.received.dlq --all

``list`` prints one JSON line per dead letter: its DLQ offset, where it came from (topic, partition,
offset, consumer group), why it failed, its size and event id when it still parses. ``send``
republishes the chosen dead letters to the topic they came from with their key and original headers
(the ``dlq_*`` headers dropped, ``redriven_from`` added); ``--value-file`` replaces the value with a
corrected one (only with one ``--offset``). Consumers deduplicate by event id, so sending one twice
is harmless. Broker: ``KAFKA_BOOTSTRAP``; ``KAFKA_TOPIC_PREFIX`` is prepended to ``--topic``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from pm_common.events.envelope import Envelope
from pm_common.kafka.security import KafkaAuth

MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class DeadLetter:
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> str | None:
        found = [v for k, v in self.headers if k == name]
        return found[-1].decode(errors="replace") if found else None

    def describe(self) -> dict[str, Any]:
        try:
            event_id: str | None = Envelope.read(self.value).id
        except ValueError:
            event_id = None
        return {
            "dlq_offset": self.offset,
            "origin": {
                "topic": self.header("dlq_topic"),
                "partition": self.header("dlq_partition"),
                "offset": self.header("dlq_offset"),
                "group": self.header("dlq_group"),
            },
            "reason": self.header("dlq_reason"),
            "failed_at": self.header("dlq_failed_at"),
            "bytes": len(self.value),
            "event_id": event_id,
        }


async def read_dead_letters(bootstrap: str, topic: str, timeout: float = 60.0) -> list[DeadLetter]:
    """Every message of the (one-partition) DLQ topic, up to its current end."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_bytes=MAX_BYTES,
        max_partition_fetch_bytes=MAX_BYTES,
        **KafkaAuth.from_env().client_kwargs(),
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or {0})]
        consumer.assign(tps)
        end = await consumer.end_offsets(tps)
        await consumer.seek_to_beginning(*tps)
        letters: list[DeadLetter] = []
        seen: dict[TopicPartition, int] = {}
        deadline = time.monotonic() + timeout
        while any(seen.get(tp, 0) < end[tp] for tp in tps):  # done when the last record was seen
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end ({end}) in {timeout}s")
            for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                letters += [
                    DeadLetter(r.offset, r.key, r.value or b"", list(r.headers or []))
                    for r in records
                    if r.offset < end[tp]
                ]
                seen[tp] = max([seen.get(tp, 0), *(r.offset + 1 for r in records)])
        return sorted(letters, key=lambda d: d.offset)
    finally:
        await consumer.stop()


async def redrive(
    bootstrap: str, topic: str, offsets: set[int] | None, value: bytes | None = None
) -> list[dict[str, Any]]:
    """Republish the dead letters at ``offsets`` (all when None) to their origin topic."""
    letters = [d for d in await read_dead_letters(bootstrap, topic) if offsets is None or d.offset in offsets]
    if offsets is not None and len(letters) != len(offsets):
        found = {d.offset for d in letters}
        raise SystemExit(f"no dead letter at offset(s) {sorted(offsets - found)} of {topic}")
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        max_request_size=MAX_BYTES,
        **KafkaAuth.from_env().client_kwargs(),
    )
    await producer.start()
    done: list[dict[str, Any]] = []
    try:
        for letter in letters:
            origin = letter.header("dlq_topic")
            if not origin:
                raise SystemExit(f"dead letter {letter.offset} has no dlq_topic header")
            headers = [(k, v) for k, v in letter.headers if not k.startswith("dlq_") and k != "redriven_from"]
            headers.append(("redriven_from", f"{topic}:{letter.offset}".encode()))
            meta = await producer.send_and_wait(
                origin, value=value if value is not None else letter.value, key=letter.key, headers=headers
            )
            done.append({"dlq_offset": letter.offset, "to": origin, "partition": meta.partition, "offset": meta.offset})
    finally:
        await producer.stop()
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["list", "send"])
    parser.add_argument("--topic", required=True, help="the DLQ topic, e.g. complaint.received.dlq")
    parser.add_argument("--offset", type=int, action="append", help="DLQ offset to send (repeatable)")
    parser.add_argument("--all", action="store_true", help="send every dead letter of the topic")
    parser.add_argument("--value-file", type=Path, help="corrected message value (with exactly one --offset)")
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    args = parser.parse_args(argv)
    topic = os.environ.get("KAFKA_TOPIC_PREFIX", "") + args.topic
    if args.command == "list":
        for letter in asyncio.run(read_dead_letters(args.bootstrap, topic)):
            print(json.dumps(letter.describe(), ensure_ascii=False))
        return 0
    if bool(args.offset) == args.all:
        parser.error("send needs --offset N (repeatable) or --all")
    if args.value_file and (args.all or len(args.offset) != 1):
        parser.error("--value-file replaces one message: give exactly one --offset")
    value = args.value_file.read_bytes() if args.value_file else None
    for line in asyncio.run(redrive(args.bootstrap, topic, None if args.all else set(args.offset), value)):
        print(json.dumps(line, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
