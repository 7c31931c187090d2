"""The item page's steps and refusals in a real browser on the whole stack: a stale page refused
(the task was reassigned meanwhile: dispatch's Chinese reason shown), a handler's return re-routed,
a repair refused before the check-in in English, resolve → close → reopen by the supervisor; and the
control room's queue with a task dispatch routed there because the team is off duty."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from browser_kit import CJK, PHONE, act, file_complaint, login, reload_until
from playwright.async_api import Browser, expect

from pm_common.auth import issue_token
from pm_common.devstack import Stack

pytestmark = pytest.mark.e2e


async def test_refusals_return_close_and_reopen_on_the_item_page(
    full_stack: Stack, browser: Browser, platform_secret: str, artifacts: Path
) -> None:
    base = full_stack.url("console")
    cid = await file_complaint(full_stack, platform_secret, "SUNNY", "3号楼地下车库的照明灯坏了一排，很暗")
    sup, handler = await browser.new_context(), await browser.new_context(**PHONE)
    try:
        page = await login(sup, base, "sup.sunny", "sup-demo-2026")
        await page.goto(f"{base}/items/{cid}")
        assert await reload_until(page, "tasks", f"T-{cid}"), "dispatch made no task"
        await act(page, "assign", {"person_id": "eng.sunny", "department": "engineering", "reason": "指派王师傅"})
        mine = await login(handler, base, "eng.sunny", "eng-demo-2026")
        await mine.goto(f"{base}/my-tasks")
        card = mine.locator(f'[data-testid="my-task"][data-task="T-{cid}"]')
        await expect(card).to_be_visible()

        # the supervisor gives it to someone else while the handler's page is still open: refused
        await act(page, "assign", {"person_id": "eng.other", "department": "engineering", "reason": "改派李师傅"})
        await expect(page.get_by_test_id("task-assignee")).to_contain_text("eng.other")
        await act(mine, "accept", within=card)
        refused = mine.get_by_test_id("action-error")
        await expect(refused).to_be_visible()
        assert CJK.search(await refused.inner_text()), await refused.inner_text()
        await expect(card).to_have_count(0)  # no longer in 我的任务

        # back to the handler, who returns it as not their department: dispatch re-routes it
        await act(page, "assign", {"person_id": "eng.sunny", "department": "engineering", "reason": "仍由王师傅"})
        await mine.goto(f"{base}/my-tasks")
        await act(mine, "return", {"reason_code": "wrong_department", "note": "属于供电局线路"}, within=card)
        await expect(mine.get_by_test_id("action-notice")).to_be_visible()
        await page.reload()
        await expect(page.get_by_test_id("task-assignee")).not_to_contain_text("eng.sunny")

        # the supervisor works it, in English: dispatch's English reason for a refused step
        await page.goto(f"{base}/items/{cid}?lang=en")
        await act(page, "accept")
        await act(page, "resolve", {"result_summary": "lamps replaced", "owner_confirmation_ref": "SIGN-2"})
        refused = page.get_by_test_id("action-error")
        await expect(refused).to_be_visible()
        assert re.search(r"check", await refused.inner_text(), re.I), await refused.inner_text()
        await act(page, "check_in")
        await act(page, "resolve", {"result_summary": "lamps replaced", "owner_confirmation_ref": "SIGN-2"})
        await expect(page.get_by_test_id("task-status")).to_have_text("Resolved")
        await act(page, "close")
        await expect(page.get_by_test_id("task-status")).to_have_text("Closed")
        await act(page, "reopen", {"reason": "owner says two lamps are still off"})
        await expect(page.get_by_test_id("task-status")).to_have_text("Assigned")
        log = await page.get_by_test_id("work-log").inner_text()
        for step in ("Reassigned", "Returned", "Accepted", "Checked in", "Resolved", "Closed", "Reopened"):
            assert step in log, (step, log)
        await page.screenshot(path=artifacts / "item-reopened-en.png", full_page=True)
    finally:
        await sup.close()
        await handler.close()


def _shift(from_hours: int, to_hours: int) -> tuple[str, str]:
    """A shift from ``from_hours`` to ``to_hours`` around the estate's current local time (whole hours;
    one crossing midnight is an overnight shift)."""
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(minute=0)
    return (now + timedelta(hours=from_hours)).strftime("%H:%M"), (now + timedelta(hours=to_hours)).strftime("%H:%M")


async def test_the_control_room_sees_what_was_routed_there_out_of_hours(
    full_stack: Stack, browser: Browser, platform_secret: str, artifacts: Path
) -> None:
    start, end = _shift(6, 7)  # the team is off duty now
    ctl_start, ctl_end = _shift(-2, 3)  # the control room is on duty now
    organisation = {
        "timezone": "Asia/Shanghai",
        "teams": [
            {"team_id": "eng", "name_zh": "工程部维修班", "department": "engineering"},
            {"team_id": "ctl", "name_zh": "中控室", "department": "control_room", "kind": "control_room"},
        ],
        "people": [
            {"person_id": "jx-eng1", "name": "王建国", "roles": ["handler"], "team_ids": ["eng"]},
            {"person_id": "jx-ctl1", "name": "赵磊", "roles": ["control_room"], "team_ids": ["ctl"]},
        ],
        "duty_rules": [
            {"person_id": "jx-eng1", "role": "handler", "team_id": "eng", "days": "all", "start": start, "end": end},
            {
                "person_id": "jx-ctl1",
                "role": "control_room",
                "team_id": "ctl",
                "days": "all",
                "start": ctl_start,
                "end": ctl_end,
            },
        ],
        "routing_rules": [{"rule_id": "engineering", "priority": 100, "categories": ["engineering"], "team_id": "eng"}],
    }
    token = issue_token(platform_secret, "pm-jinxiu", "project_manager", ["JINXIU"])
    async with httpx.AsyncClient(
        base_url=full_stack.url("dispatch"), headers={"Authorization": f"Bearer {token}"}
    ) as d:
        put = await d.put("/v1/estates/JINXIU/organisation", json=organisation)
    assert put.status_code in (200, 201), put.text
    cid = await file_complaint(full_stack, platform_secret, "JINXIU", "8号楼楼道的灯坏了，晚上看不见楼梯")
    sup, base = await browser.new_context(), full_stack.url("console")
    try:  # JINXIU's supervisor (the admin has no queue: it manages accounts and the organisation)
        page = await login(sup, base, "sup.jinxiu", "sup-demo-2026")
        row = page.locator(f'[data-testid="control-room-row"][data-task="T-{cid}"]')
        end_at = time.monotonic() + 90
        while not await row.count() and time.monotonic() < end_at:
            await page.goto(f"{base}/control-room")
            await page.wait_for_timeout(500)
        await expect(row).to_contain_text("中控室")  # the routing reason: the control room on duty
        await expect(row).to_contain_text("赵磊")
        await page.screenshot(path=artifacts / "control-room.png", full_page=True)
    finally:
        await sup.close()
