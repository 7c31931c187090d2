"""One fault-injection scenario: file items, inject the fault, check every item exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pm_common.testing.faults.checker import Outcome
from pm_common.testing.faults.report import record
from pm_common.testing.faults.rig import PACE, N, Rig
from pm_common.testing.faults.topics import lag_by_partition
from pm_common.testing.helpers import poll_until

# what each service consumes (its consumer group must catch up after a replay)
SUBSCRIBED = {
    "intake": [
        "complaint.triaged",
        "task.assigned",
        "task.completed",
        "feedback.sent",
        "task.resolved",
        "task.progress_noted",
        "task.closed",
        "task.reopened",
    ],
    "triage": ["complaint.received", "task.completed"],
    "dispatch": [
        "complaint.received",
        "complaint.triaged",
        "complaint.withdrawn",
        "incident.declared",
        "incident.resolved",
        "task.resolved",
        "survey.answered",
    ],
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
    deadline = max(timeout, 2.0 * len(items))  # faults-full: 100 items take longer to drain on 2 cores
    outcome = await rig.checker.wait_final(name, [i.complaint_id for i in items], restored_at, deadline)
    record(outcome)
    assert outcome.ok, f"{outcome}\n{outcome.details}\n{await lags(rig)}\n(service logs: {rig.logs})"
    return outcome


async def lags(rig: Rig) -> str:
    """Which consumer group has not committed what (to tell a stuck partition from a slow one)."""
    suffix = rig.stack.env.get("KAFKA_CONSUMER_GROUP_SUFFIX", "")
    found = {svc: await lag_by_partition(rig.bootstrap, svc + suffix, t) for svc, t in SUBSCRIBED.items()}
    return "uncommitted: " + (", ".join(f"{svc} {lag}" for svc, lag in found.items() if lag) or "none")
