"""Prometheus metrics shared by every service (exposed at /metrics)."""

from prometheus_client import Counter, Gauge

EVENTS_PUBLISHED = Counter("pm_events_published_total", "Events published from the outbox", ["topic"])
MESSAGES_CONSUMED = Counter("pm_messages_consumed_total", "Messages handled by consumers", ["topic", "result"])
OUTBOX_BACKLOG = Gauge("pm_outbox_backlog", "Outbox entries seen pending in the last relay pass")
DEPENDENCY_UP = Gauge("pm_dependency_up", "1 when a dependency answered the last health check", ["dependency"])
PARTITIONS_PAUSED = Gauge("pm_partitions_paused", "Partitions paused while an engine is unreachable", ["group"])
OUTBOX_PARKED = Counter("pm_outbox_parked_total", "Outbox entries parked after repeated publish failures", ["topic"])
OUTBOX_PUBLISH_FAILURES = Counter("pm_outbox_publish_failures_total", "Outbox publish attempts refused", ["topic"])
