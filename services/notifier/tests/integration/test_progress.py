"""Proactive progress: a long-open item's owner hears from us on the estate's rhythm until it is
resolved; a pause is explained to the owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factory import _t, assigned, cid, resolved
from notifier_rig import Rig

from pm_common import topics
from pm_common.events.task_lifecycle import TaskPaused
from pm_common.testing import poll_until
from pm_notifier.localsink.directory import Directory
from pm_notifier.service_layer.timers import run_due

pytestmark = pytest.mark.integration


async def test_updates_on_the_estates_rhythm_until_resolved(rig: Rig, directory: Directory) -> None:
    async with rig.client("sup-1", "supervisor") as client:
        r = await client.put(
            "/v1/estates/SUNNY/notifier-settings", json={"progress": {"after_hours": 24, "every_hours": 12}}
        )
        assert r.status_code == 200, r.text
    c = cid()
    directory.owner(c, phone="13822220001")
    await rig.publish(topics.TASK_ASSIGNED, assigned(c))
    await poll_until(lambda: rig.ports.delivery.timers.pending("progress"), what="the progress timer")
    rig.clock.advance(timedelta(hours=25))
    first = await rig.settled(c, 1, "progress_cadence")
    assert "仍在处理中" in first[0]["message_zh"] and "已受理 1 天" in first[0]["message_zh"]
    rig.clock.advance(timedelta(hours=12, minutes=1))
    await rig.settled(c, 2, "progress_cadence")
    paused = TaskPaused(**_t(c), reason="parts", note="门机板需从厂家调货")  # type: ignore[arg-type]
    await rig.publish(topics.TASK_PAUSED, paused)
    pause_msg = (await rig.settled(c, 1, "paused"))[0]
    assert "等待配件" in pause_msg["message_zh"] and "门机板需从厂家调货" in pause_msg["message_zh"]
    await rig.publish(topics.TASK_RESOLVED, resolved(c))
    await rig.settled(c, 1, "result")
    await poll_until(lambda: _no_progress_timer(rig), what="the rhythm stops")
    rig.clock.advance(timedelta(days=3))
    assert await run_due(rig.ports, rig.clock.now()) == 0  # nothing is due any more (a timer round, here)
    assert len([d for d in await rig.notifications(c) if d["template"] == "progress_cadence"]) == 2


async def _no_progress_timer(rig: Rig) -> bool:
    return not await rig.ports.delivery.timers.pending("progress")
