"""Prometheus metrics shared by every service (exposed at /metrics)."""

from prometheus_client import Counter, Gauge

EVENTS_PUBLISHED = Counter("pm_events_published_total", "Events published from the outbox", ["topic"])
MESSAGES_CONSUMED = Counter("pm_messages_consumed_total", "Messages handled by consumers", ["topic", "result"])
OUTBOX_BACKLOG = Gauge("pm_outbox_backlog", "Outbox entries seen pending in the last relay pass")
DEPENDENCY_UP = Gauge("pm_dependency_up", "1 when a dependency answered the last health check", ["dependency"])
