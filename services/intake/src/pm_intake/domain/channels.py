"""Per-channel rules of the register: which fields each channel needs, which it must not carry,
who may use it, and the limits on evidence attachments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pm_intake.domain.errors import AttachmentTooLarge, FieldProblem, InvalidRegistration
from pm_intake.domain.model import ORAL_CHANNELS, EvidenceRef, Registration

Check = Callable[[Registration], bool]

BATCH_CHANNELS = frozenset({"suggestion_box", "owner_meeting", "survey"})
# details that point to a person (a CTI call id leads to the caller's number): never on anonymous items
IDENTIFYING_DETAILS = ("call_id", "recording_ref", "document_ref", "external_ref")


@dataclass(frozen=True)
class Requirement:
    field: str
    zh: str
    en: str
    present: Check


def _owner(attr: str) -> Check:
    return lambda r: r.owner is not None and bool(getattr(r.owner, attr))


def _detail(attr: str) -> Check:
    return lambda r: getattr(r.channel_details, attr) not in (None, "")


def _owner_home(r: Registration) -> bool:
    return r.owner is not None and bool(r.owner.building and r.owner.room)


def _owner_contact(r: Registration) -> bool:
    return r.owner is not None and bool(r.owner.phone or (r.owner.building and r.owner.room))


NAME = Requirement("owner.name", "请填写业主姓名", "owner name is required", _owner("name"))
PHONE = Requirement("owner.phone", "请填写联系电话", "owner phone is required", _owner("phone"))
CONTACT = Requirement(
    "owner.phone", "请填写联系电话或楼栋房号", "owner phone or building and room is required", _owner_contact
)
HOME = Requirement("owner.room", "请填写业主楼栋及房号", "owner building and room are required", _owner_home)
CALL_ID = Requirement(
    "channel_details.call_id", "请填写呼叫中心通话编号", "CTI call id is required", _detail("call_id")
)
RECORDING = Requirement(
    "channel_details.recording_ref", "请填写通话录音编号", "recording reference is required", _detail("recording_ref")
)
DOCUMENT = Requirement(
    "channel_details.document_ref", "请填写收文编号", "document reference is required", _detail("document_ref")
)

REQUIRED: dict[str, tuple[Requirement, ...]] = {
    "front_desk": (NAME, CONTACT),
    "phone": (PHONE,),
    "letter": (NAME, DOCUMENT),
    "fax": (DOCUMENT,),
    "email": (DOCUMENT, Requirement("owner.email", "请填写电子邮箱", "owner e-mail is required", _owner("email"))),
    "suggestion_box": (
        Requirement("channel_details.box_id", "请填写意见箱编号", "suggestion box id is required", _detail("box_id")),
        Requirement(
            "channel_details.opened_at", "请填写开箱时间", "box opening time is required", _detail("opened_at")
        ),
    ),
    "app": (),
    "wechat": (
        Requirement(
            "channel_details.wechat_source",
            "请注明公众号或小程序",
            "wechat_source is required",
            _detail("wechat_source"),
        ),
    ),
    "owner_group": (
        Requirement(
            "channel_details.group_name", "请填写业主群名称", "owner group name is required", _detail("group_name")
        ),
    ),
    "owner_meeting": (
        Requirement(
            "channel_details.session_ref", "请填写恳谈会编号", "meeting reference is required", _detail("session_ref")
        ),
    ),
    "survey": (
        Requirement(
            "channel_details.session_ref", "请填写问卷编号", "survey reference is required", _detail("session_ref")
        ),
    ),
    "visit": (
        HOME,
        Requirement(
            "channel_details.visit_purpose", "请选择走访类型", "visit purpose is required", _detail("visit_purpose")
        ),
    ),
    "anonymous": (),
    "open311": (),
}


@dataclass(frozen=True)
class Submitter:
    """Who files: a staff member, or an integration allowed on some channels."""

    integration: bool
    channels: frozenset[str] | None = None  # None: any channel


def check_registration(reg: Registration, who: Submitter, *, staff_phone_needs_call_id: bool) -> None:
    """Raise ``InvalidRegistration`` with every field problem at once."""
    problems = [FieldProblem(q.field, q.zh, q.en) for q in REQUIRED[reg.channel] if not q.present(reg)]
    details = reg.channel_details
    if reg.channel == "phone" and (who.integration or staff_phone_needs_call_id):
        problems += [FieldProblem(q.field, q.zh, q.en) for q in (CALL_ID, RECORDING) if not q.present(reg)]
    if (
        details.recording_ref or (reg.channel == "phone" and who.integration)
    ) and details.recording_notice_given is not True:
        problems.append(
            FieldProblem(
                "channel_details.recording_notice_given",
                "录音前必须告知来电人并记录",
                "the caller must be told the call is recorded (recording_notice_given=true)",
            )
        )
    if reg.channel == "anonymous":
        if reg.owner is not None and reg.owner.has_identity():
            problems.append(
                FieldProblem("owner", "匿名渠道不得填写身份信息", "the anonymous channel must carry no identity")
            )
        for name in IDENTIFYING_DETAILS:
            if getattr(details, name):
                problems.append(
                    FieldProblem(
                        f"channel_details.{name}", "匿名渠道不得填写可识别身份的编号", "not allowed on anonymous items"
                    )
                )
    if (reg.hold_for_readback or reg.readback_confirmed) and reg.channel not in ORAL_CHANNELS:
        problems.append(
            FieldProblem(
                "hold_for_readback", "复述确认仅适用于现场、电话、走访渠道", "read-back applies to desk, phone, visit"
            )
        )
    if reg.channel == "open311" and not who.integration:
        problems.append(
            FieldProblem("channel", "open311 渠道仅供对接系统使用", "the open311 channel is for integrations")
        )
    if who.channels is not None and reg.channel not in who.channels:
        problems.append(FieldProblem("channel", "该接入密钥无权使用此渠道", "this API key may not use this channel"))
    if problems:
        raise InvalidRegistration(problems)


@dataclass(frozen=True)
class AttachmentLimits:
    max_bytes: int
    max_count: int
    allowed_types: tuple[str, ...]  # prefixes, e.g. "image/", "application/pdf"


def check_attachments(evidence: list[EvidenceRef], limits: AttachmentLimits) -> None:
    problems = []
    if len(evidence) > limits.max_count:
        problems.append(
            FieldProblem("evidence", f"附件最多 {limits.max_count} 个", f"at most {limits.max_count} items")
        )
    for i, item in enumerate(evidence):
        if not item.content_type.startswith(limits.allowed_types):
            problems.append(FieldProblem(f"evidence.{i}.content_type", "不支持的附件类型", "unsupported content type"))
    if problems:
        raise InvalidRegistration(problems)
    for i, item in enumerate(evidence):
        if item.size_bytes > limits.max_bytes:
            raise AttachmentTooLarge(f"evidence.{i}.size_bytes", item.size_bytes, limits.max_bytes)
