"""One-time codes cannot be turned against the owner: asking codes for the owner's phone, or guessing,
from another address neither replaces nor burns the owner's code (issue 9 item 8)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from intake_fakes import FakeOtps, FakeSms

from pm_intake.domain.errors import OwnerAuthFailed
from pm_intake.domain.identity import verify_owner_token
from pm_intake.service_layer import owner
from pm_intake.service_layer.policy import IntakePolicy

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
POLICY = IntakePolicy(owner_secret="s" * 32, reveal_dev_otp=True)
PHONE, OWNER, ATTACKER = "13812341234", "203.0.113.5", "198.51.100.7"


async def test_codes_asked_or_guessed_from_another_address_leave_the_owners_code_alone() -> None:
    otps, sms = FakeOtps(), FakeSms()
    mine = await owner.request_otp(PHONE, otps, sms, POLICY, NOW, requester=OWNER)
    assert mine is not None
    for _ in range(3):  # the attacker asks codes for the owner's number...
        await owner.request_otp(PHONE, otps, sms, POLICY, NOW, requester=ATTACKER)
    wrong = "000000" if mine != "000000" else "111111"
    for _ in range(POLICY.otp_max_attempts + 2):  # ...and guesses until its own code is burnt
        with pytest.raises(OwnerAuthFailed):
            await owner.session_from_code(PHONE, wrong, otps, POLICY, NOW, requester=ATTACKER)
    with pytest.raises(OwnerAuthFailed):  # the owner's code is of no use from the attacker's address
        await owner.session_from_code(PHONE, mine, otps, POLICY, NOW, requester=ATTACKER)
    token = await owner.session_from_code(PHONE, mine, otps, POLICY, NOW, requester=OWNER)
    session = verify_owner_token(POLICY.owner_secret, token, NOW.timestamp())
    # the owner on another network later: a code for that address, the same owner identity
    later = await owner.request_otp(PHONE, otps, sms, POLICY, NOW, requester="192.0.2.44")
    assert later is not None
    again = await owner.session_from_code(PHONE, later, otps, POLICY, NOW, requester="192.0.2.44")
    assert verify_owner_token(POLICY.owner_secret, again, NOW.timestamp()).sub == session.sub
