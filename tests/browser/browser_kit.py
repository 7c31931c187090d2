"""What the browser tests share: a phone-sized context, a tiny photo, log-in, waiting for what arrives
over Kafka, submitting an action of the item page, and filing an item through intake's API."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import httpx
from playwright.async_api import BrowserContext, Page

from pm_common.auth import issue_token
from pm_common.devstack import Stack

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PNG = base64.b64decode(  # a 1×1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
CJK = re.compile(r"[\u4e00-\u9fff]")


async def login(context: BrowserContext, base: str, username: str, password: str) -> Page:
    page = await context.new_page()
    await page.goto(f"{base}/login")
    await page.get_by_test_id("username").fill(username)
    await page.get_by_test_id("password").fill(password)
    await page.get_by_test_id("login").click()
    return page


async def reload_until(page: Page, test_id: str, text: str, timeout: float = 90) -> bool:
    """Reload until an element shows the text (what other services add arrives over Kafka)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = page.get_by_test_id(test_id)
        if await found.count() and text in await found.first.inner_text():
            return True
        await page.wait_for_timeout(500)
        await page.reload()
    return False


async def reload_until_attribute(page: Page, selector: str, name: str, value: str, timeout: float = 90) -> bool:
    """Reload until the element of ``selector`` has the attribute ``name`` = ``value``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = page.locator(selector)
        if await found.count() and await found.first.get_attribute(name) == value:
            return True
        await page.wait_for_timeout(500)
        await page.reload()
    return False


async def act(page: Page, name: str, fields: dict[str, str] | None = None, within: Any = None) -> None:
    """Open an action (its <details> if it has fields), fill it and submit; the page reloads."""
    scope = within or page
    if fields:
        await scope.get_by_test_id(f"action-{name}").locator("summary").click()
        for field, value in fields.items():
            box = scope.get_by_test_id(f"{name}-{field}")
            if await box.evaluate("e => e.tagName") == "SELECT":
                await box.select_option(value)
            else:
                await box.fill(value)
    await scope.get_by_test_id(f"do-{name}").click()
    await page.wait_for_load_state()


async def file_complaint(
    stack: Stack,
    secret: str,
    estate: str,
    content: str,
    location: dict[str, str] | None = None,
    phone: str = "13600003333",
) -> str:
    """An item registered through intake's API (a phone call) by a front-desk token of the estate."""
    token = issue_token(secret, f"desk-{estate.lower()}", "front_desk", [estate])
    body: dict[str, Any] = {"estate_id": estate, "channel": "phone", "content": content, "owner": {"phone": phone}}
    if location:
        body["location"] = location
    async with httpx.AsyncClient(base_url=stack.url("intake"), headers={"Authorization": f"Bearer {token}"}) as intake:
        filed = await intake.post("/v1/complaints", json=body)
    assert filed.status_code == 201, filed.text
    return str(filed.json()["complaint_id"])
