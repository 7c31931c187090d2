"""Turning a register entry into a registered item: reference number, status, read-back record,
on-the-spot closure, next-contact promise, the ``complaint.received`` event, the acknowledgement."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pm_common import topics
from pm_common.events import ComplaintReceived, Envelope, new_event
from pm_common.redaction import redact, redact_optional
from pm_intake.domain import lifecycle
from pm_intake.domain.model import Acknowledgement, Registration, reference_number
from pm_intake.service_layer.policy import IntakePolicy

SOURCE = "pm/intake"


def finalize(
    doc: dict[str, Any],
    reg: Registration,
    estate: dict[str, Any],
    sequence: int,
    now: datetime,
    policy: IntakePolicy,
    *,
    confirmed_by: str | None,
    known: Iterable[str | None] = (),
) -> tuple[dict[str, Any], tuple[str, Envelope]]:
    """The update that registers ``doc`` and the event to publish with it (same single-document write).

    The event's free texts are redacted (``known``: the owner's own name, phone, e-mail); the stored
    item keeps them in clear."""
    known = tuple(known)
    day = now.astimezone(_tz(estate)).strftime("%Y%m%d")
    ref = reference_number(reg.estate_id, day, sequence)
    closed = reg.answered_on_spot is not None
    urgent = reg.urgency_reported == "urgent"
    next_contact = None if closed else now + (policy.next_contact_urgent if urgent else policy.next_contact_general)
    owner = (doc.get("registration") or {}).get("owner") or {}
    timeline = [lifecycle.entry(now, "received", f"已登记，编号 {ref} / registered as {ref}")]
    sets: dict[str, Any] = {
        "reference_no": ref,
        "status": "closed" if closed else "received",
        "registered_at": now,
        "next_contact_by": next_contact,
    }
    if confirmed_by is not None:
        sets["readback"] = {
            **doc.get("readback", {}),
            "confirmed": True,
            "confirmed_by": confirmed_by,
            "confirmed_at": now,
        }
        timeline.append(
            lifecycle.entry(now, "readback", "业主已确认复述内容 / read-back agreed", "internal", confirmed_by)
        )
    if closed:
        sets["resolution"] = {"answer": reg.answered_on_spot, "answered_by": doc.get("recorder_id"), "answered_at": now}
        timeline.append(lifecycle.entry(now, "answered", f"当场答复：{reg.answered_on_spot}"))
    payload = ComplaintReceived(
        complaint_id=doc["_id"],
        reference_no=ref,
        estate_id=reg.estate_id,
        channel=reg.channel,
        content=redact(reg.content, known=known),
        matter=redact_optional(reg.matter, known=known),
        location=reg.location.model_copy(update={"area": redact_optional(reg.location.area, known=known)}),
        urgency_reported=reg.urgency_reported,
        anonymous=reg.channel == "anonymous",
        owner_name_masked=owner.get("name"),
        owner_phone_masked=owner.get("phone"),
        recorder_id=doc.get("recorder_id"),
        raised_at=doc.get("raised_at") or now,
        received_at=now,
        resolved_at_intake=closed,
        intake_answer=redact_optional(reg.answered_on_spot, known=known),
        evidence_ids=tuple(e.ref for e in reg.evidence),
        readback_confirmed=(confirmed_by is not None) if doc.get("readback", {}).get("required") else None,
        subject_staff_ids=tuple(doc.get("subject_staff_ids") or ()),
    )
    event = new_event(payload, source=SOURCE, estate_id=reg.estate_id, now=now)
    return {"$set": sets, "$push": {"timeline": {"$each": timeline}}}, (topics.COMPLAINT_RECEIVED, event)


def acknowledgement(doc: dict[str, Any], estate: dict[str, Any], tracking_token: str | None) -> Acknowledgement:
    ref, status = doc.get("reference_no"), doc["status"]
    if status == "draft":
        zh = "已保存为草稿。请向业主复述登记内容，业主确认后提交复述确认，即正式登记并生成编号。"
        en = "Saved as a draft. Read the entry back to the owner and confirm it to register it and get a reference."
    elif doc.get("resolution"):
        zh = f"感谢您的反馈，已登记（编号 {ref}）并当场答复办结。如仍有疑问，请随时联系我们。"
        en = f"Thank you, your item is recorded as {ref} and was answered and closed on the spot."
    else:
        when = doc["next_contact_by"]
        at = when.astimezone(_tz(estate))  # the estate's local time, in both languages
        zh = f"感谢您的反馈，已登记，编号 {ref}。我们将在 {at:%m月%d日 %H:%M} 前与您联系。"
        en = f"Thank you, your item is recorded as {ref}. We will contact you by {at:%Y-%m-%d %H:%M}."
    if tracking_token:
        zh += "请妥善保存查询凭证，凭它可查看办理进度。"
        en += " Keep the tracking token to follow the progress."
    return Acknowledgement(
        complaint_id=doc["_id"],
        reference_no=ref,
        status=status,
        message=zh,
        message_en=en,
        next_contact_by=doc.get("next_contact_by"),
        tracking_token=tracking_token,
    )


def _tz(estate: dict[str, Any]) -> ZoneInfo:
    return ZoneInfo(estate.get("timezone", "Asia/Shanghai"))
