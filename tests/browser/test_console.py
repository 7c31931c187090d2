"""The console in a real browser on the running stack (intake, triage, console on the real engines):
log-in and lock-out, a front-desk registration with the live classification preview and read-back,
the ledger and its estate isolation, and an owner who submits (with a photo, or anonymously) and
tracks on a phone-sized page."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from browser_kit import PHONE, PNG, login, reload_until
from playwright.async_api import Browser, Page, expect

from pm_common.auth import issue_token
from pm_common.devstack import Stack

pytestmark = pytest.mark.e2e


async def ledger_row(page: Page, base: str, reference: str, query: str = "") -> bool:
    """Is the item in the ledger? Re-reads the page until a deadline (intake indexes as it registers)."""
    end = time.monotonic() + 15
    while time.monotonic() < end:
        await page.goto(f"{base}/ledger{query}")
        if await page.locator(f'[data-testid="ledger-row"][data-reference="{reference}"]').count():
            return True
        await page.wait_for_timeout(300)
    return False


async def test_login_lockout_and_logout(console_stack: Stack, browser: Browser, artifacts: Path) -> None:
    base = console_stack.url("console")
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{base}/ledger")
        await expect(page).to_have_url(f"{base}/login?next=/ledger")  # no session: the log-in page
        await page.screenshot(path=artifacts / "login.png")
        # an account no other test logs in with: the lock outlasts this test (30 s, doubling)
        for _ in range(3):  # CONSOLE_LOCKOUT_THRESHOLD=3 in this stack
            await page.get_by_test_id("username").fill("lead")
            await page.get_by_test_id("password").fill("wrong-password")
            await page.get_by_test_id("login").click()
            await expect(page.get_by_test_id("login-error")).to_have_text("用户名或密码错误")
        await page.get_by_test_id("username").fill("lead")
        await page.get_by_test_id("password").fill("lead-demo-2026")
        await page.get_by_test_id("login").click()  # the right password, but locked for now
        await expect(page.get_by_test_id("login-error")).to_contain_text("登录失败次数过多")
        # another account is not affected (per-account backoff), and English is one click away
        page = await login(context, base, "desk.sunny", "desk-demo-2026")
        await expect(page).to_have_url(f"{base}/desk")
        assert await page.get_by_test_id("nav-reviews").count() == 0  # a supervisor's screen
        await page.get_by_test_id("lang").click()
        await expect(page.get_by_test_id("register")).to_have_text("Register")
        await page.get_by_test_id("logout").click()
        await expect(page).to_have_url(f"{base}/login")
        await page.goto(f"{base}/desk")
        await expect(page).to_have_url(f"{base}/login?next=/desk")  # the session is gone
    finally:
        await context.close()


async def test_front_desk_registers_with_preview_and_the_ledger_follows_the_estate(
    console_stack: Stack, browser: Browser, artifacts: Path, platform_secret: str
) -> None:
    base = console_stack.url("console")
    sunny, jade = await browser.new_context(), await browser.new_context()
    try:
        page = await login(sunny, base, "desk.sunny", "desk-demo-2026")
        await expect(page).to_have_url(f"{base}/desk")
        await page.get_by_test_id("channel").select_option("phone")
        await page.get_by_test_id("content").press_sequentially("3号楼2单元电梯困人了，里面有老人，快来人")
        await expect(page.get_by_test_id("preview-category")).to_have_text("工程维修", timeout=15000)
        await expect(page.get_by_test_id("preview-urgency")).to_have_text("紧急")
        await page.get_by_test_id("location.building").fill("3")
        await page.get_by_test_id("register").click()
        await expect(page.get_by_test_id("form-error")).to_be_visible()  # phone is required on this channel
        await expect(page.locator('[data-error-for="owner.phone"]')).to_have_text("请填写此项")
        await page.get_by_test_id("owner.phone").fill("13812341234")
        await page.get_by_test_id("register").click()
        await expect(page.get_by_test_id("readback-text")).to_contain_text("电梯困人")
        await page.screenshot(path=artifacts / "desk-readback.png", full_page=True)
        await page.get_by_test_id("readback-confirm").click()
        reference = page.get_by_test_id("ack-reference")
        await expect(reference).to_have_text(_reference("SUNNY"))
        await expect(page.get_by_test_id("ack-message")).to_contain_text("感谢您的反馈")
        await page.screenshot(path=artifacts / "desk-ack.png", full_page=True)
        ref = await reference.inner_text()

        assert await ledger_row(page, base, ref, "?estate_id=SUNNY&q=电梯")
        row = page.locator(f'[data-testid="ledger-row"][data-reference="{ref}"]')
        await expect(row.locator(".status")).to_have_class("status blue")
        await expect(row).to_contain_text("138****1234")  # masked
        await page.screenshot(path=artifacts / "ledger.png", full_page=True)
        await row.get_by_role("link").click()
        await expect(page.get_by_test_id("timeline")).to_contain_text("已登记")
        assert await reload_until(page, "triage-category", "工程维修")  # triage's record, once classified
        await page.screenshot(path=artifacts / "item.png", full_page=True)
        item_url = page.url

        # JADE has 21 items of its own (filed through intake's API): two pages of 20 + 1
        token = issue_token(platform_secret, "desk-api", "front_desk", ["JADE"])
        async with httpx.AsyncClient(base_url=console_stack.url("intake"), timeout=30) as intake:
            for i in range(21):
                filed = await intake.post(
                    "/v1/complaints",
                    json={"estate_id": "JADE", "channel": "app", "content": f"翠湖苑{i:02d}号路灯不亮"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert filed.status_code == 201, filed.text

        # a front-desk member of JADE sees nothing of SUNNY: not in the ledger, not by filter, not by link
        page = await login(jade, base, "desk.jade", "desk-demo-2026")
        await page.goto(f"{base}/ledger")
        await expect(page.get_by_test_id("ledger-total")).to_contain_text("21")
        rows = page.get_by_test_id("ledger-row")
        await expect(rows).to_have_count(20)
        first = set(await rows.evaluate_all("rows => rows.map(r => r.dataset.reference)"))
        await page.get_by_test_id("next-page").click()  # keyset paging with intake's cursor
        await expect(rows).to_have_count(1)
        second = set(await rows.evaluate_all("rows => rows.map(r => r.dataset.reference)"))
        assert len(first | second) == 21 and ref not in first | second
        assert await page.locator('[data-estate="SUNNY"]').count() == 0
        csv = await page.request.get(f"{base}/ledger/export.csv")
        assert csv.ok and (await csv.text()).count("JADE-") == 21 and ref not in await csv.text()
        await page.goto(f"{base}/ledger?estate_id=SUNNY")
        await expect(page.get_by_test_id("error")).to_be_visible()
        await page.goto(item_url)
        await expect(page.get_by_test_id("error")).to_contain_text("not_found")
    finally:
        await sunny.close()
        await jade.close()


def _reference(estate: str):  # type: ignore[no-untyped-def]
    import re

    return re.compile(rf"^{estate}-\d{{8}}-\d{{4}}$")


async def test_owner_submits_with_a_photo_and_tracks_on_a_phone(
    console_stack: Stack, browser: Browser, artifacts: Path
) -> None:
    base = console_stack.url("console")
    owner, anonymous, staff = await browser.new_context(**PHONE), await browser.new_context(**PHONE), None
    try:
        page = await owner.new_page()
        await page.goto(f"{base}/h5")
        await page.get_by_test_id("h5-estate").select_option("SUNNY")
        await page.get_by_test_id("h5-content").fill("5号楼楼道灯坏了一个星期，晚上很黑")
        await page.get_by_test_id("h5-building").fill("5")
        await page.get_by_test_id("h5-phone").fill("13900001111")
        await page.get_by_test_id("h5-photo").set_input_files(
            files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": PNG}]
        )
        await page.get_by_test_id("h5-submit").click()
        await expect(page.get_by_test_id("h5-reference")).to_have_text(_reference("SUNNY"))
        ref = await page.get_by_test_id("h5-reference").inner_text()
        await page.screenshot(path=artifacts / "h5-submitted.png", full_page=True)

        await page.get_by_test_id("tab-track").click()
        await page.get_by_test_id("track-phone").fill("13900001111")
        await page.get_by_test_id("track-get-code").click()
        await expect(page.get_by_test_id("track-code")).to_have_value(_six_digits())  # dev_code outside prod
        await page.get_by_test_id("track-verify").click()
        item = page.get_by_test_id("track-item").filter(has_text=ref)
        await expect(item).to_be_visible()
        await item.click()
        await expect(page.locator('[data-testid="track-timeline"] li[data-kind="received"]')).to_be_visible()
        await page.screenshot(path=artifacts / "h5-track.png", full_page=True)

        # anonymous: no identity at all; tracked with the token shown once
        page = await anonymous.new_page()
        await page.goto(f"{base}/h5")
        await page.get_by_test_id("h5-content").fill("小区门口保安态度很差")
        await page.get_by_test_id("h5-anonymous").check()
        await expect(page.get_by_test_id("h5-phone")).to_be_hidden()
        await page.get_by_test_id("h5-submit").click()
        token = page.get_by_test_id("h5-token")
        await expect(token).to_be_visible()
        anon_ref = await page.get_by_test_id("h5-reference").inner_text()
        await page.get_by_test_id("tab-track").click()
        await page.get_by_test_id("track-token").fill(await token.inner_text())
        await page.get_by_test_id("track-open").click()
        await expect(page.get_by_test_id("track-item").filter(has_text=anon_ref)).to_be_visible()

        # the supervisor of SUNNY sees the owner's item with its photo
        staff = await browser.new_context()
        page = await login(staff, base, "sup.sunny", "sup-demo-2026")
        assert await ledger_row(page, base, ref, "?channel=app")
        await page.locator(f'[data-reference="{ref}"]').get_by_role("link").click()
        photo = page.get_by_test_id("item-photo")
        await expect(photo).to_be_visible()
        assert await photo.evaluate("img => img.naturalWidth") == 1
    finally:
        for context in (owner, anonymous, staff):
            if context is not None:
                await context.close()


def _six_digits():  # type: ignore[no-untyped-def]
    import re

    return re.compile(r"^\d{6}$")


async def test_supervisor_refuses_a_held_item_from_the_review_queue(
    console_stack: Stack, browser: Browser, artifacts: Path, platform_secret: str
) -> None:
    base = console_stack.url("console")
    token = issue_token(platform_secret, "desk-api", "front_desk", ["SUNNY"])
    async with httpx.AsyncClient(base_url=console_stack.url("intake"), timeout=30) as intake:
        filed = await intake.post(
            "/v1/complaints",
            json={
                "estate_id": "SUNNY",
                "channel": "front_desk",
                "content": "你们物业就是一群吃干饭的，垃圾物业，啥也不是",
                "owner": {"name": "赵先生", "phone": "13700001234", "building": "1", "room": "104"},
                "readback_confirmed": True,
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert filed.status_code == 201, filed.text
    complaint_id = filed.json()["complaint_id"]
    context = await browser.new_context()
    try:
        page = await login(context, base, "sup.sunny", "sup-demo-2026")
        await page.get_by_test_id("nav-reviews").click()
        row = page.locator(f'[data-testid="review-row"][data-complaint="{complaint_id}"]')
        end = time.monotonic() + 90  # triage holds it (no facts, but the owner can be called back)
        while not await row.count() and time.monotonic() < end:
            await page.wait_for_timeout(500)
            await page.reload()
        await expect(row).to_be_visible()
        await page.screenshot(path=artifacts / "reviews.png", full_page=True)
        await row.get_by_test_id("review-action").select_option("reject")
        await row.get_by_test_id("review-reason").select_option("false_or_malicious")
        await row.get_by_test_id("review-submit").click()  # no note: triage refuses the decision
        await expect(page.get_by_test_id("review-error")).to_be_visible()
        await row.get_by_test_id("review-action").select_option("reject")
        await row.get_by_test_id("review-reason").select_option("false_or_malicious")
        await row.get_by_test_id("review-note").fill("现场核实无此情况")
        await row.get_by_test_id("review-submit").click()
        await expect(page).to_have_url(f"{base}/reviews")
        await expect(row).to_have_count(0)
        await page.goto(f"{base}/items/{complaint_id}")
        await expect(page.get_by_test_id("triage")).to_contain_text("不予受理")
    finally:
        await context.close()
