"""Owner tracking: verify a phone by one-time code (or present a tracking token), then list own items,
follow status and the owner-facing timeline, add information or evidence, withdraw an open item."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pm_common import topics
from pm_common.events import new_event
from pm_common.events.payloads import ComplaintSupplemented, ComplaintWithdrawn
from pm_common.redaction import redact_optional
from pm_intake.domain import identity, lifecycle
from pm_intake.domain.channels import check_attachments
from pm_intake.domain.errors import NotFound, OwnerAuthFailed
from pm_intake.domain.model import EvidenceRef
from pm_intake.service_layer.finalize import SOURCE
from pm_intake.service_layer.policy import IntakePolicy
from pm_intake.service_layer.ports import ComplaintRepository, OtpStore, SmsOutbox

_FAILED = OwnerAuthFailed("验证码错误或已过期", "wrong or expired code")


async def request_otp(
    phone: str, otps: OtpStore, sms: SmsOutbox, policy: IntakePolicy, now: datetime, *, requester: str = ""
) -> str | None:
    """Send a 6-digit code to the phone, valid for ``requester`` (the client address) only. Returns the
    code only where the policy allows it (never in prod)."""
    key = identity.otp_slot(identity.owner_key(policy.owner_secret, phone), requester)
    code = identity.new_otp_code()
    await otps.save(
        key, identity.otp_hash(policy.owner_secret, key, code), now + timedelta(seconds=policy.otp_ttl_seconds)
    )
    await sms.enqueue(phone, "owner_otp", {"code": code, "minutes": str(policy.otp_ttl_seconds // 60)}, now)
    return code if policy.reveal_dev_otp else None


async def session_from_code(
    phone: str, code: str, otps: OtpStore, policy: IntakePolicy, now: datetime, *, requester: str = ""
) -> str:
    owner = identity.owner_key(policy.owner_secret, phone)
    key = identity.otp_slot(owner, requester)
    stored = await otps.get(key)
    if stored is None or stored["expires_at"] < now:
        raise _FAILED
    if await otps.count_attempt(key) > policy.otp_max_attempts:
        await otps.delete(key)
        raise OwnerAuthFailed("验证码尝试次数过多，请重新获取", "too many attempts, request a new code")
    if not identity.hmac_equal(stored["code_hash"], identity.otp_hash(policy.owner_secret, key, code)):
        raise _FAILED
    await otps.delete(key)  # one use
    return identity.issue_owner_token(
        policy.owner_secret, owner, "phone", now.timestamp(), policy.owner_token_ttl_seconds
    )


async def session_from_tracking(token: str, repo: ComplaintRepository, policy: IntakePolicy, now: datetime) -> str:
    hashed = identity.token_hash(token)
    if not await repo.for_owner("tracking_hash", hashed):
        raise OwnerAuthFailed("查询凭证无效", "unknown tracking token")
    return identity.issue_owner_token(
        policy.owner_secret, hashed, "tracking", now.timestamp(), policy.owner_token_ttl_seconds
    )


def _field(owner: identity.OwnerPrincipal) -> str:
    return "owner_key" if owner.kind == "phone" else "tracking_hash"


async def list_items(owner: identity.OwnerPrincipal, repo: ComplaintRepository) -> list[dict[str, Any]]:
    docs = await repo.for_owner(_field(owner), owner.sub)
    return [lifecycle.owner_view(d) for d in docs if d["status"] != "draft"]


async def _own(owner: identity.OwnerPrincipal, complaint_id: str, repo: ComplaintRepository) -> dict[str, Any]:
    doc = await repo.get(complaint_id)
    if doc is None or doc.get(_field(owner)) != owner.sub or doc["status"] == "draft":
        raise NotFound()  # someone else's item looks exactly like a missing one
    return doc


async def get_item(owner: identity.OwnerPrincipal, complaint_id: str, repo: ComplaintRepository) -> dict[str, Any]:
    return lifecycle.owner_view(await _own(owner, complaint_id, repo))


async def supplement(
    owner: identity.OwnerPrincipal,
    complaint_id: str,
    text: str | None,
    evidence: list[EvidenceRef],
    repo: ComplaintRepository,
    policy: IntakePolicy,
    now: datetime,
) -> dict[str, Any]:
    for _ in range(5):  # the status moved between read and guarded write: read again
        doc = await _own(owner, complaint_id, repo)
        lifecycle.ensure_open(doc["status"], "补充信息", "add information")
        check_attachments(evidence, policy.attachments)
        if await _supplement_once(doc, text, evidence, repo, now):
            return await get_item(owner, complaint_id, repo)
    raise NotFound()


async def _supplement_once(
    doc: dict[str, Any], text: str | None, evidence: list[EvidenceRef], repo: ComplaintRepository, now: datetime
) -> bool:
    complaint_id = doc["_id"]
    known = (await repo.personal_data(complaint_id) or {}).values()
    addition = {"at": now, "text": text, "evidence": [e.model_dump() for e in evidence]}
    note = "业主补充了信息" + (f"：{text}" if text else "") + (f"（附件 {len(evidence)} 个）" if evidence else "")
    payload = ComplaintSupplemented(
        complaint_id=complaint_id,
        reference_no=doc["reference_no"],
        estate_id=doc["estate_id"],
        text=redact_optional(text, known=known),  # the clear text stays in the item
        evidence_ids=tuple(e.ref for e in evidence),
        supplemented_at=now,
    )
    event = new_event(payload, source=SOURCE, estate_id=doc["estate_id"], now=now)
    update = {"$push": {"supplements": addition, "timeline": lifecycle.entry(now, "supplemented", note)}}
    return await repo.update(complaint_id, doc["status"], update, [(topics.COMPLAINT_SUPPLEMENTED, event)])


async def withdraw(
    owner: identity.OwnerPrincipal, complaint_id: str, reason: str | None, repo: ComplaintRepository, now: datetime
) -> dict[str, Any]:
    for _ in range(5):  # the status moved between read and guarded write: read again
        doc = await _own(owner, complaint_id, repo)
        lifecycle.ensure_open(doc["status"], "撤回", "withdraw")
        if await _withdraw_once(doc, reason, repo, now):
            return await get_item(owner, complaint_id, repo)
    raise NotFound()


async def _withdraw_once(doc: dict[str, Any], reason: str | None, repo: ComplaintRepository, now: datetime) -> bool:
    complaint_id = doc["_id"]
    known = (await repo.personal_data(complaint_id) or {}).values()
    payload = ComplaintWithdrawn(
        complaint_id=complaint_id,
        reference_no=doc["reference_no"],
        estate_id=doc["estate_id"],
        reason=redact_optional(reason, known=known),
        withdrawn_at=now,
    )
    event = new_event(payload, source=SOURCE, estate_id=doc["estate_id"], now=now)
    note = "业主已撤回" + (f"：{reason}" if reason else "")
    update = {
        "$set": {"status": "withdrawn", "withdrawal": {"at": now, "reason": reason}},
        "$push": {"timeline": lifecycle.entry(now, "withdrawn", note)},
    }
    return await repo.update(complaint_id, doc["status"], update, [(topics.COMPLAINT_WITHDRAWN, event)])
