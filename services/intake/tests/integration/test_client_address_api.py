"""Rate limits key on the real peer (issue 9 item 8): X-Forwarded-For counts only from a proxy listed
in PM_TRUSTED_PROXIES, and the one-time-code lock-out cannot be triggered against the owner from
another address. Real HTTP through uvicorn with the services' own server options."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import serve
from pm_common.mongo import Mongo
from pm_intake.config import IntakeSettings

pytestmark = pytest.mark.integration
OWNER, ATTACKER = "203.0.113.5", "198.51.100.7"


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    intake_settings: Callable[..., IntakeSettings], mongo: Mongo
) -> None:
    settings = intake_settings(otp_rate_limit_requests=2)  # 8 code requests per address and window
    async with serve(settings, mongo) as intake, intake.client() as client:
        answers = [
            await client.post(
                "/v1/owner/otp", json={"phone": f"1381234{i:04d}"}, headers={"X-Forwarded-For": f"192.0.2.{i}"}
            )
            for i in range(10)
        ]
    assert [a.status_code for a in answers] == [202] * 8 + [429] * 2  # one peer, whatever the header says


async def test_behind_a_trusted_proxy_the_lock_out_stays_with_the_attackers_address(
    intake_settings: Callable[..., IntakeSettings], mongo: Mongo
) -> None:
    settings = intake_settings(otp_rate_limit_requests=2, trusted_proxies="127.0.0.1")
    phone = {"phone": "13812341234"}
    async with serve(settings, mongo) as intake, intake.client() as client:
        attacker = {"X-Forwarded-For": ATTACKER}
        tries = [await client.post("/v1/owner/otp", json=phone, headers=attacker) for _ in range(3)]
        assert [t.status_code for t in tries] == [202, 202, 429]
        spoofed = {"X-Forwarded-For": f"{OWNER}, {ATTACKER}"}  # the proxy appends the real peer last
        assert (await client.post("/v1/owner/otp", json=phone, headers=spoofed)).status_code == 429

        mine = await client.post("/v1/owner/otp", json=phone, headers={"X-Forwarded-For": OWNER})
        assert mine.status_code == 202, "the owner is not locked out by someone else's requests"
        code = mine.json()["dev_code"]
        stolen = await client.post(
            "/v1/owner/session", json={**phone, "code": code}, headers={"X-Forwarded-For": ATTACKER}
        )
        assert stolen.status_code == 401  # a code works only from the address that asked for it
        session = await client.post(
            "/v1/owner/session", json={**phone, "code": code}, headers={"X-Forwarded-For": OWNER}
        )
        assert session.status_code == 200 and session.json()["token_type"] == "bearer"
