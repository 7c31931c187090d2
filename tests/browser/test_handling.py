"""Issue #14's end-to-end path in a real browser on the whole stack (intake, triage, dispatch,
sla-monitor, notifier, console, the notifier's local provider sink): an owner submits with a photo
on the H5 page → the front desk sees it in the ledger (and its XLSX export) → a supervisor assigns
from the item page → the handler accepts, is refused resolving before the check-in (dispatch's own
Chinese reason shown), asks for an extension the supervisor approves from the approvals queue,
pauses and resumes, checks in, notes progress and resolves, all on a phone-sized "我的任务" →
customer service verifies → the owner rates it on the notifier's survey link (SMS in the sink) →
the return visit waits in 待回访 (not in JADE's) and is recorded on the item page → the task is
closed and the item archived (intake closed); a staff user of JADE never sees it."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from browser_kit import CJK, PHONE, PNG, act, login, reload_until, reload_until_attribute
from openpyxl import load_workbook
from playwright.async_api import Browser, expect

from pm_common.devstack import Stack
from pm_common.testing import poll_until

pytestmark = pytest.mark.e2e
OWNER_PHONE = "13700002222"


async def sms_with(sink_url: str, fragment: str, timeout: float = 90) -> str:
    """The owner's SMS containing ``fragment``, as the local sink received it from the notifier."""
    async with httpx.AsyncClient(base_url=sink_url) as sink:

        async def find() -> str | None:
            found = (await sink.get("/api/messages", params={"channel": "sms", "recipient": OWNER_PHONE})).json()
            return next((str(m["text"]) for m in found["messages"] if fragment in m["text"]), None)

        return await poll_until(find, timeout=timeout, interval=0.5, what=f"an SMS to the owner with {fragment!r}")


async def test_owner_to_archive_through_the_console(full_stack: Stack, browser: Browser, artifacts: Path) -> None:
    base = full_stack.url("console")
    owner = await browser.new_context(**PHONE)
    desk = await browser.new_context()
    sup = await browser.new_context()
    handler = await browser.new_context(**PHONE)
    jade = await browser.new_context()
    try:
        # 1. the owner submits with a photo on the H5 page
        page = await owner.new_page()
        await page.goto(f"{base}/h5")
        await page.get_by_test_id("h5-estate").select_option("SUNNY")
        await page.get_by_test_id("h5-content").fill("5号楼门口的路灯坏了好几天了，晚上很黑")
        await page.get_by_test_id("h5-building").fill("5")
        await page.get_by_test_id("h5-phone").fill(OWNER_PHONE)
        await page.get_by_test_id("h5-photo").set_input_files(
            files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": PNG}]
        )
        await page.get_by_test_id("h5-submit").click()
        await expect(page.get_by_test_id("h5-reference")).to_have_text(re.compile(r"^SUNNY-\d{8}-\d{4}$"))
        ref = await page.get_by_test_id("h5-reference").inner_text()

        # 2. the front desk sees it in the ledger and in the XLSX export
        desk_page = await login(desk, base, "desk.sunny", "desk-demo-2026")
        await desk_page.goto(f"{base}/ledger")
        await expect(desk_page.locator(f'[data-reference="{ref}"]')).to_be_visible()
        href = await desk_page.locator(f'[data-reference="{ref}"]').get_by_role("link").first.get_attribute("href")
        assert href is not None and href.startswith("/items/")
        cid, item_url = href.removeprefix("/items/"), f"{base}{href}"
        await desk_page.screenshot(path=artifacts / "ledger-desk.png", full_page=True)
        xlsx = await desk_page.request.get(f"{base}/ledger/export.xlsx")
        assert xlsx.ok and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(io.BytesIO(await xlsx.body()), read_only=True)["台账"]
        rows = [r for r in sheet.iter_rows(values_only=True)]
        assert rows[0][0] == "登记编号" and any(r[0] == ref and r[1] == "SUNNY" for r in rows[1:])

        # 3. a supervisor assigns the task to the handler from the item page
        sup_page = await login(sup, base, "sup.sunny", "sup-demo-2026")
        await sup_page.goto(item_url)
        assert await reload_until(sup_page, "tasks", f"T-{cid}"), "dispatch made no task"
        await expect(sup_page.get_by_test_id("item-photo")).to_be_visible()
        await act(sup_page, "assign", {"person_id": "eng.sunny", "department": "engineering", "reason": "指派王师傅"})
        await expect(sup_page.get_by_test_id("action-notice")).to_be_visible()
        await expect(sup_page.get_by_test_id("task-assignee")).to_contain_text("eng.sunny")
        assert await reload_until(sup_page, "sla-clocks", "办结"), "no resolve clock from the sla-monitor"
        await sup_page.screenshot(path=artifacts / "item-assigned.png", full_page=True)
        await sup_page.goto(f"{base}/escalations?within_hours=720")  # every running clock within 30 days
        await expect(sup_page.locator(f'[data-testid="escalation-row"][data-complaint="{cid}"]').first).to_be_visible()
        await sup_page.screenshot(path=artifacts / "escalations.png", full_page=True)

        # 4. the handler works it on a phone-sized "我的任务"
        mine = await login(handler, base, "eng.sunny", "eng-demo-2026")
        await mine.goto(f"{base}/my-tasks")
        card = mine.locator(f'[data-testid="my-task"][data-task="T-{cid}"]')
        await expect(card).to_have_attribute("data-status", "assigned")
        await act(mine, "accept", within=card)
        await expect(card).to_have_attribute("data-status", "accepted")
        await act(mine, "resolve", {"result_summary": "已更换灯泡", "owner_confirmation_ref": "SIGN-1"}, within=card)
        refused = mine.get_by_test_id("action-error")  # a repair is resolved only after the check-in
        await expect(refused).to_be_visible()
        assert CJK.search(await refused.inner_text()), await refused.inner_text()
        await expect(card).to_have_attribute("data-status", "accepted")
        later = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
        await act(mine, "extension", {"reason": "需订购灯具配件", "new_resolve_by": later}, within=card)
        await expect(mine.get_by_test_id("action-notice")).to_be_visible()

        await sup_page.goto(f"{base}/approvals")
        row = sup_page.locator(f'[data-testid="extension-row"][data-task="T-{cid}"]')
        await expect(row).to_contain_text("需订购灯具配件")
        await sup_page.screenshot(path=artifacts / "approvals.png", full_page=True)
        await row.get_by_test_id("approve-extension").click()
        await expect(sup_page.get_by_test_id("action-notice")).to_be_visible()
        await expect(row).to_have_count(0)

        await act(mine, "pause", {"pause_reason": "parts", "note": "等待灯具"}, within=card)
        await expect(card).to_have_attribute("data-status", "paused")
        await act(mine, "resume", within=card)
        await expect(card).to_have_attribute("data-status", "accepted")
        await act(mine, "check_in", within=card)
        await expect(card).to_have_attribute("data-status", "on_site")
        await act(mine, "note", {"note_kind": "progress", "text": "维修人员已到场，正在更换"}, within=card)
        await act(
            mine, "resolve", {"result_summary": "已更换灯泡并试亮正常", "owner_confirmation_ref": "SIGN-1"}, within=card
        )
        await expect(card).to_have_attribute("data-status", "resolved")
        await mine.screenshot(path=artifacts / "my-tasks-phone.png", full_page=True)
        assert await mine.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
            "wider than a phone"
        )

        # 5. customer service verifies; the owner gets the survey link by SMS and rates it
        await desk_page.goto(item_url)
        await act(desk_page, "verify", {"note": "电话核实已修好"})
        await expect(desk_page.get_by_test_id("task-status")).to_have_text("已核实")
        survey_sms = await sms_with(full_stack.sink_url, "/h5/survey/")  # type: ignore[attr-defined]
        link = re.search(r"(http://\S+/h5/survey/\S+)", survey_sms)
        assert link is not None, survey_sms
        survey = await owner.new_page()
        await survey.goto(link.group(1))
        await survey.locator('input[name="score"][value="5"]').check()
        await survey.locator('textarea[name="comment"]').fill("修得很快")
        await survey.get_by_role("button").click()
        await survey.screenshot(path=artifacts / "survey-answered.png", full_page=True)

        # 6. the return visit waits in 待回访 (SUNNY's customer service only), is recorded on the item
        # page; the task closes and the item is archived
        await desk_page.goto(f"{base}/return-visits")
        visit_row = f'[data-testid="return-visit-row"][data-complaint="{cid}"]'
        assert await reload_until_attribute(desk_page, visit_row, "data-complaint", cid), "no open return visit"
        other = await login(jade, base, "desk.jade", "desk-demo-2026")
        await other.goto(f"{base}/return-visits")
        await expect(other.get_by_test_id("return-visits")).to_be_visible()
        assert await other.locator(visit_row).count() == 0
        await desk_page.goto(item_url)
        assert await reload_until(desk_page, "followup", "5"), "the survey answer never reached the item page"
        await desk_page.get_by_test_id("visit-outcome-select").select_option("satisfied")
        await desk_page.get_by_test_id("visit-note").fill("电话回访，业主满意")
        await desk_page.get_by_test_id("do-return-visit").click()
        await expect(desk_page.get_by_test_id("action-notice")).to_be_visible()
        assert await reload_until(desk_page, "task-status", "已关闭"), "dispatch did not close the task"
        assert await reload_until(desk_page, "item", "已反馈关闭"), "intake did not archive the item"
        await expect(desk_page.get_by_test_id("visit-outcome").first).to_have_text("satisfied")
        log = await desk_page.get_by_test_id("work-log").inner_text()
        for step in ("改派", "接单", "申请延期", "批准延期", "暂停", "到场签到", "办结", "核实", "关闭"):
            assert step in log, (step, log)
        notified = await desk_page.get_by_test_id("notification").evaluate_all("rs => rs.map(r => r.dataset.template)")
        assert {"acknowledgement", "result", "survey_invitation"} <= set(notified), notified
        await desk_page.screenshot(path=artifacts / "item-archived.png", full_page=True)

        # 7. a staff user of JADE sees none of it
        await other.goto(f"{base}/ledger")
        assert await other.locator(f'[data-reference="{ref}"]').count() == 0
        await other.goto(item_url)
        await expect(other.get_by_test_id("error")).to_be_visible()
        assert await other.get_by_test_id("tasks").count() == 0
    finally:
        for context in (owner, desk, sup, handler, jade):
            await context.close()
