"""Plans, sub-tasks and group incidents in a real browser on the whole stack: a handler submits a
plan for a complex item on a phone, resolving "by the plan" is refused until the supervisor approves
it in 待审批; a supervisor splits a sub-task off to another department on the item page, the main
task cannot be resolved while it is open and is resolved with it; three households report the same
lift, triage declares a group incident, the supervisor finds it in 群诉事件 with its children and
their status (linked from each item page) and answers them all at once — JADE's staff never see it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browser_kit import CJK, PHONE, act, file_complaint, login, reload_until, reload_until_attribute
from playwright.async_api import Browser, expect

from pm_common.devstack import Stack

pytestmark = pytest.mark.e2e


def local(days: float) -> str:
    """A ``datetime-local`` value in the demo estates' time zone, ``days`` from now."""
    return (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


async def test_a_plan_is_submitted_on_the_phone_and_approved_in_the_approvals_queue(
    full_stack: Stack, browser: Browser, platform_secret: str, artifacts: Path
) -> None:
    base = full_stack.url("console")
    cid = await file_complaint(
        full_stack, platform_secret, "SUNNY", "6号楼外墙多户渗水，墙皮大面积脱落，需要整体维修", {"building": "6"}
    )
    sup, handler = await browser.new_context(), await browser.new_context(**PHONE)
    try:
        page = await login(sup, base, "sup.sunny", "sup-demo-2026")
        await page.goto(f"{base}/items/{cid}")
        assert await reload_until(page, "tasks", f"T-{cid}"), "dispatch made no task"
        await act(page, "assign", {"person_id": "eng.sunny", "department": "engineering", "reason": "指派王师傅"})

        mine = await login(handler, base, "eng.sunny", "eng-demo-2026")
        await mine.goto(f"{base}/my-tasks")
        card = mine.locator(f'[data-testid="my-task"][data-task="T-{cid}"]')
        await act(mine, "accept", within=card)
        await act(mine, "check_in", within=card)
        await expect(card).to_have_attribute("data-status", "on_site")
        plan = {
            "step_1": "排查渗水点并拍照取证",
            "owner_1": "eng.sunny",
            "due_1": local(2),
            "step_2": "外包单位更换防水层",
            "owner_2": "contractor-waterproof",
            "due_2": local(10),
        }
        await act(mine, "plan", plan, within=card)
        await expect(mine.get_by_test_id("action-notice")).to_contain_text("提交处理方案")
        # resolving by the plan before the supervisor approved it: dispatch's Chinese reason
        resolve = {"handling_mode": "plan", "result_summary": "按方案完成维修", "owner_confirmation_ref": "SIGN-6"}
        await act(mine, "resolve", resolve, within=card)
        refused = mine.get_by_test_id("action-error")
        await expect(refused).to_contain_text("方案")
        assert CJK.search(await refused.inner_text()), await refused.inner_text()
        await expect(card).to_have_attribute("data-status", "on_site")

        await page.goto(f"{base}/approvals")
        row = page.locator(f'[data-testid="plan-row"][data-task="T-{cid}"]')
        await expect(row).to_contain_text("外包单位更换防水层")
        await page.screenshot(path=artifacts / "approvals-plan.png", full_page=True)
        await row.get_by_test_id("do-approve_plan").click()
        await expect(page.get_by_test_id("action-notice")).to_be_visible()
        await expect(row).to_have_count(0)

        await mine.goto(f"{base}/my-tasks")
        await act(mine, "resolve", resolve, within=card)
        await expect(card).to_have_attribute("data-status", "resolved")

        await page.goto(f"{base}/items/{cid}")
        await expect(page.get_by_test_id("task-plan")).to_have_attribute("data-plan-status", "approved")
        await expect(page.get_by_test_id("task-plan")).to_contain_text("已批准")
        log = await page.get_by_test_id("work-log").inner_text()
        for step in ("提交方案", "审批方案", "办结"):
            assert step in log, (step, log)
        await page.screenshot(path=artifacts / "item-plan-approved.png", full_page=True)
    finally:
        await sup.close()
        await handler.close()


async def test_a_sub_task_is_split_off_and_the_main_task_is_resolved_with_it(
    full_stack: Stack, browser: Browser, platform_secret: str, artifacts: Path
) -> None:
    base = full_stack.url("console")
    cid = await file_complaint(
        full_stack, platform_secret, "SUNNY", "7号楼地下室水管爆裂，地面积水很深还有异味", {"building": "7"}
    )
    sup, handler = await browser.new_context(), await browser.new_context(**PHONE)
    try:
        page = await login(sup, base, "sup.sunny", "sup-demo-2026")
        await page.goto(f"{base}/items/{cid}")
        assert await reload_until(page, "tasks", f"T-{cid}"), "dispatch made no task"
        await act(page, "assign", {"person_id": "eng.sunny", "department": "engineering", "reason": "指派王师傅"})
        main = page.locator(f'[data-testid="task"][data-task="T-{cid}"]')
        fields = {
            "sub_department": "cleaning_greening",
            "requirements": "抽水后清理地面并消毒",
            "sub_person_id": "clean.sunny",
        }
        await act(page, "subtask", fields, within=main)
        await expect(page.get_by_test_id("action-notice")).to_contain_text("拆分子任务")
        sub = page.locator(f'[data-testid="task"][data-task="T-{cid}-1"]')
        await expect(sub).to_have_attribute("data-status", "assigned")
        await expect(sub).to_contain_text("抽水后清理地面并消毒")
        await expect(main.get_by_test_id("subtask-ref")).to_contain_text("待接单")
        assert await main.get_by_test_id("action-subtask").count() == 1
        assert await sub.get_by_test_id("action-subtask").count() == 0  # no sub-task of a sub-task

        # the handler cannot resolve the main task while its sub-task is open (dispatch's reason)
        mine = await login(handler, base, "eng.sunny", "eng-demo-2026")
        await mine.goto(f"{base}/my-tasks")
        card = mine.locator(f'[data-testid="my-task"][data-task="T-{cid}"]')
        await act(mine, "accept", within=card)
        await act(mine, "check_in", within=card)
        resolve = {"result_summary": "已更换爆裂水管", "owner_confirmation_ref": "SIGN-7"}
        await act(mine, "resolve", resolve, within=card)
        await expect(mine.get_by_test_id("action-error")).to_contain_text("子任务")
        await expect(card).to_have_attribute("data-status", "on_site")

        # the supervisor works the sub-task on the item page; the main task is resolved with it
        await page.goto(f"{base}/items/{cid}")
        await act(page, "accept", within=sub)
        await act(page, "check_in", within=sub)
        await act(page, "resolve", {"result_summary": "地面已清理消毒"}, within=sub)
        await expect(sub).to_have_attribute("data-status", "resolved")
        assert await reload_until(page, "tasks", "已办结"), "the main task was not resolved with its sub-task"
        await expect(main).to_have_attribute("data-status", "resolved")
        await expect(main.get_by_test_id("subtask-ref")).to_contain_text("已办结")
        await page.screenshot(path=artifacts / "item-subtasks.png", full_page=True)
    finally:
        await sup.close()
        await handler.close()


async def test_a_group_incident_is_shown_with_its_children_and_answered_at_once(
    full_stack: Stack, browser: Browser, platform_secret: str, artifacts: Path
) -> None:
    base = full_stack.url("console")
    lift = "9号楼的电梯又坏了，停在半中间不动，爬楼太累"
    households = [{"building": "9", "unit": str(u), "room": f"{u}0{u}"} for u in (1, 2, 3)]
    cids = [
        await file_complaint(full_stack, platform_secret, "SUNNY", lift, where, phone=f"1360000900{n}")
        for n, where in enumerate(households)
    ]
    sup, jade = await browser.new_context(), await browser.new_context()
    try:
        page = await login(sup, base, "sup.sunny", "sup-demo-2026")
        await page.goto(f"{base}/items/{cids[0]}")
        assert await reload_until(page, "triage", "INC-", timeout=120), "triage declared no group incident"
        incident = await page.get_by_test_id("item-incident").inner_text()
        await page.get_by_test_id("item-incident").click()
        await expect(page.get_by_test_id("incident")).to_contain_text(incident)
        children = page.get_by_test_id("incident-child")
        await expect(children).to_have_count(3)
        for cid in cids:
            await expect(page.locator(f'[data-testid="incident-child"][data-complaint="{cid}"]')).to_be_visible()
        await expect(page.get_by_test_id("child-status").first).to_be_visible()
        await page.screenshot(path=artifacts / "incident.png", full_page=True)

        await page.goto(f"{base}/incidents")
        row = page.locator(f'[data-testid="incident-row"][data-incident="{incident}"]')
        await expect(row.get_by_test_id("incident-count")).to_have_text("3")
        await expect(row.get_by_test_id("incident-status")).to_have_text("待确认")
        await page.screenshot(path=artifacts / "incidents.png", full_page=True)

        await row.get_by_test_id("incident-link").click()
        await page.get_by_test_id("incident-answer-text").fill(
            "9号楼电梯主板已更换，经检测运行正常，给您带来不便深表歉意。"
        )
        await page.get_by_test_id("do-incident-resolve").click()
        await expect(page.get_by_test_id("action-notice")).to_contain_text("已统一答复")
        await expect(page.get_by_test_id("incident-status")).to_have_text("已统一答复")
        await expect(page.get_by_test_id("incident-answer")).to_contain_text("电梯主板已更换")
        # dispatch resolves every child's task with the answer and intake shows them done
        assert await reload_until(page, "incident-children", "已办结", timeout=120), "no child was resolved"
        for cid in cids:
            child = f'[data-testid="incident-child"][data-complaint="{cid}"]'
            assert await reload_until_attribute(page, child, "data-status", "done"), f"{cid} is not done"
        await page.screenshot(path=artifacts / "incident-resolved.png", full_page=True)
        await page.goto(f"{base}/incidents/{incident}?lang=en")  # the English switch
        await expect(page.get_by_test_id("incident")).to_contain_text("Group incident")
        await expect(page.get_by_test_id("incident-status")).to_have_text("Resolved")
        await expect(page.get_by_test_id("child-status").first).to_have_text("Done")
        await page.screenshot(path=artifacts / "incident-en.png", full_page=True)

        # JADE's front desk: not in its list, not by link
        other = await login(jade, base, "desk.jade", "desk-demo-2026")
        await other.goto(f"{base}/incidents")
        assert await other.locator(f'[data-testid="incident-row"][data-incident="{incident}"]').count() == 0
        await other.goto(f"{base}/incidents/{incident}")
        await expect(other.get_by_test_id("error")).to_be_visible()
        assert await other.get_by_test_id("incident-child").count() == 0
    finally:
        await sup.close()
        await jade.close()
