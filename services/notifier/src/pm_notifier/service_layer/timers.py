"""The timer job: deferred deliveries (quiet hours), page escalations, survey no-response deadlines."""

from __future__ import annotations

import logging
from datetime import datetime

from pm_notifier.service_layer import cadence, followup, paging
from pm_notifier.service_layer.context import NotifierPorts
from pm_notifier.service_layer.delivery import deliver

log = logging.getLogger(__name__)


async def run_due(ports: NotifierPorts, now: datetime) -> int:
    """Run every timer due at ``now``; each use case clears or moves its own timer. Returns how many ran."""
    ran = 0
    for timer in await ports.delivery.timers.due(now):
        kind, ref = timer["kind"], timer["ref"]
        try:
            if kind == "delivery":
                await deliver(ref, ports.delivery, now)
            elif kind == "page":
                await paging.escalate(ref, ports, now)
            elif kind == "no_response":
                await followup.no_response(ref, ports, now)
            elif kind == "progress":
                await cadence.fire(ref, timer.get("data") or {}, ports, now)
            else:
                await ports.delivery.timers.clear(kind, ref)
            ran += 1
        except Exception:  # one failing timer must not stop the others; it stays and is retried
            log.exception("timer %s:%s failed", kind, ref)
    return ran
