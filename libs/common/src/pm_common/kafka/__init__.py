"""Kafka plumbing: idempotent producer, topic admin, consumer loop with DLQ, outbox relay."""

from pm_common.kafka.admin import ensure_topics, wait_for_kafka
from pm_common.kafka.consumer import ConsumerLoop, PermanentError
from pm_common.kafka.outbox import OutboxRelay
from pm_common.kafka.producer import KafkaPublisher

__all__ = ["ConsumerLoop", "KafkaPublisher", "OutboxRelay", "PermanentError", "ensure_topics", "wait_for_kafka"]
