"""Owner identity and tracking with fakes: one-time codes, owner tokens, isolation, supplements,
withdrawal, the owner-facing timeline, and the audited reveal for staff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from intake_fakes import FakeAudit, FakeOtps, FakeRepo, FakeSms

from pm_common import topics
from pm_common.auth import InvalidToken, verify_token
from pm_intake.domain.channels import Submitter
from pm_intake.domain.errors import InvalidState, NoIdentityStored, NotFound, OwnerAuthFailed
from pm_intake.domain.identity import verify_owner_token
from pm_intake.domain.model import EvidenceRef, Registration
from pm_intake.service_layer import handlers, owner, staff
from pm_intake.service_layer.policy import IntakePolicy

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
POLICY = IntakePolicy(owner_secret="s" * 32, reveal_dev_otp=True)
DESK = handlers.Filer("desk-1", "staff:desk-1", Submitter(False))


async def _file(repo: FakeRepo, phone: str | None, channel: str = "app", estate: str = "SUNNY") -> str:
    body = {"estate_id": estate, "channel": channel, "content": "楼道灯不亮"}
    if phone:
        body["owner"] = {"name": "张三", "phone": phone}
    ack = await handlers.register(Registration.model_validate(body), DESK, repo, POLICY, NOW)
    return ack.complaint_id if phone else f"{ack.complaint_id}|{ack.tracking_token}"


async def _session(phone: str) -> str:
    otps, sms = FakeOtps(), FakeSms()
    code = await owner.request_otp(phone, otps, sms, POLICY, NOW)
    assert code and sms.sent == [(phone, "owner_otp", {"code": code, "minutes": "5"})]
    return await owner.session_from_code(phone, code, otps, POLICY, NOW)


async def test_owner_sees_only_own_items_and_never_internal_notes() -> None:
    repo = FakeRepo()
    mine = await _file(repo, "13812341234")
    theirs = await _file(repo, "13900001111")
    await handlers.add_note(mine, "该业主情绪激动", "internal", "sup-1", lambda e: True, repo, NOW)
    await handlers.add_note(mine, "师傅明早上门", "owner", "sup-1", lambda e: True, repo, NOW)
    me = verify_owner_token(POLICY.owner_secret, await _session("138-1234-1234"), NOW.timestamp())
    items = await owner.list_items(me, repo)
    assert [i["complaint_id"] for i in items] == [mine]
    notes = [t["note"] for t in items[0]["timeline"]]
    assert "师傅明早上门" in notes and "该业主情绪激动" not in notes
    assert "pii" not in items[0] and "recorder_id" not in items[0]
    with pytest.raises(NotFound):
        await owner.get_item(me, theirs, repo)


async def test_one_time_code_is_single_use_expires_and_limits_attempts() -> None:
    otps, sms = FakeOtps(), FakeSms()
    code = await owner.request_otp("13812341234", otps, sms, POLICY, NOW)
    assert code is not None
    with pytest.raises(OwnerAuthFailed):
        await owner.session_from_code("13812341234", code, otps, POLICY, NOW + timedelta(minutes=6))
    code = await owner.request_otp("13812341234", otps, sms, POLICY, NOW)
    assert code is not None
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(POLICY.otp_max_attempts - 1):
        with pytest.raises(OwnerAuthFailed):
            await owner.session_from_code("13812341234", wrong, otps, POLICY, NOW)
    assert await owner.session_from_code("13812341234", code, otps, POLICY, NOW)
    with pytest.raises(OwnerAuthFailed):  # used
        await owner.session_from_code("13812341234", code, otps, POLICY, NOW)
    quiet = IntakePolicy(owner_secret="s" * 32, reveal_dev_otp=False)
    assert await owner.request_otp("13812341234", otps, sms, quiet, NOW) is None


async def test_owner_tokens_are_not_staff_tokens_and_expire() -> None:
    token = await _session("13812341234")
    with pytest.raises(InvalidToken):
        verify_token(POLICY.owner_secret, token)
    with pytest.raises(OwnerAuthFailed):
        verify_owner_token(POLICY.owner_secret, token, NOW.timestamp() + POLICY.owner_token_ttl_seconds + 1)
    with pytest.raises(OwnerAuthFailed):
        verify_owner_token("x" * 32, token, NOW.timestamp())


async def test_anonymous_owner_follows_with_the_tracking_token_supplements_and_withdraws() -> None:
    repo = FakeRepo()
    cid, token = (await _file(repo, None, channel="anonymous")).split("|")
    session = await owner.session_from_tracking(token, repo, POLICY, NOW)
    me = verify_owner_token(POLICY.owner_secret, session, NOW.timestamp())
    assert [i["complaint_id"] for i in await owner.list_items(me, repo)] == [cid]
    with pytest.raises(OwnerAuthFailed):
        await owner.session_from_tracking("trk_guess", repo, POLICY, NOW)
    photo = EvidenceRef(kind="photo", ref="p1", content_type="image/jpeg", size_bytes=100)
    view = await owner.supplement(me, cid, "今天又坏了", [photo], repo, POLICY, NOW)
    assert view["timeline"][-1]["kind"] == "supplemented"
    view = await owner.withdraw(me, cid, "已解决", repo, NOW)
    assert view["status"] == "withdrawn"
    assert [t for t, _ in repo.events] == [
        topics.COMPLAINT_RECEIVED,
        topics.COMPLAINT_SUPPLEMENTED,
        topics.COMPLAINT_WITHDRAWN,
    ]
    with pytest.raises(InvalidState):
        await owner.withdraw(me, cid, None, repo, NOW)
    with pytest.raises(InvalidState):
        await owner.supplement(me, cid, "再补充", [], repo, POLICY, NOW)


async def test_reveal_is_audited_scoped_and_impossible_for_anonymous_items() -> None:
    repo, audit = FakeRepo(), FakeAudit()
    cid = await _file(repo, "13812341234")
    anon = (await _file(repo, None, channel="anonymous")).split("|")[0]
    with pytest.raises(NotFound):
        await staff.reveal(cid, "回访", "desk-9", "front_desk", lambda e: e == "JADE", repo, audit, NOW)
    assert audit.log == []
    shown = await staff.reveal(cid, "电话回访", "sup-1", "supervisor", lambda e: True, repo, audit, NOW)
    assert shown["phone"] == "13812341234" and shown["name"] == "张三"
    entry = audit.log[0]
    assert (entry["actor"], entry["reason"], entry["fields"]) == ("sup-1", "电话回访", ["name", "phone"])
    assert entry["at"] == NOW and shown["audit_id"] == entry["_id"]
    with pytest.raises(NoIdentityStored):
        await staff.reveal(anon, "回访", "sup-1", "supervisor", lambda e: True, repo, audit, NOW)
    view = await staff.get_item(cid, lambda e: True, repo)
    assert "pii" not in view and view["registration"]["owner"]["phone"] == "138****1234"
