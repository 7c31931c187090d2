"""The front-desk form per channel: which fields to show and which are required.

Mirrors intake's per-channel rules (docs/intake.md "Required fields per channel") so the form asks
for the right things up front; intake stays the authority and its 422 field errors are shown next
to the fields."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelForm:
    channel: str
    zh: str
    en: str
    required: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()  # channel_details fields shown for this channel
    oral: bool = False  # read back to the owner (复述确认)
    identity: bool = True  # owner fields allowed


CHANNELS: tuple[ChannelForm, ...] = (
    ChannelForm("front_desk", "现场接待", "Front desk", ("owner.name", "owner.phone|owner.room"), oral=True),
    ChannelForm(
        "phone",
        "热线电话",
        "Phone hotline",
        ("owner.phone",),
        ("channel_details.call_id", "channel_details.recording_ref", "channel_details.recording_notice_given"),
        oral=True,
    ),
    ChannelForm(
        "letter", "来信", "Letter", ("owner.name", "channel_details.document_ref"), ("channel_details.document_ref",)
    ),
    ChannelForm("fax", "传真", "Fax", ("channel_details.document_ref",), ("channel_details.document_ref",)),
    ChannelForm(
        "email",
        "电子邮件",
        "E-mail",
        ("owner.email", "channel_details.document_ref"),
        ("channel_details.document_ref",),
    ),
    ChannelForm(
        "suggestion_box",
        "意见箱",
        "Suggestion box",
        ("channel_details.box_id", "channel_details.opened_at"),
        ("channel_details.box_id", "channel_details.opened_at"),
    ),
    ChannelForm("app", "业主App", "Owner app"),
    ChannelForm(
        "wechat", "微信公众号/小程序", "WeChat", ("channel_details.wechat_source",), ("channel_details.wechat_source",)
    ),
    ChannelForm(
        "owner_group", "业主群", "Owner group", ("channel_details.group_name",), ("channel_details.group_name",)
    ),
    ChannelForm(
        "owner_meeting",
        "业主恳谈会",
        "Owner meeting",
        ("channel_details.session_ref",),
        ("channel_details.session_ref",),
    ),
    ChannelForm("survey", "问卷", "Survey", ("channel_details.session_ref",), ("channel_details.session_ref",)),
    ChannelForm(
        "visit",
        "主动走访",
        "Proactive visit",
        ("owner.building", "owner.room", "channel_details.visit_purpose"),
        ("channel_details.visit_purpose",),
        oral=True,
    ),
    ChannelForm("anonymous", "匿名", "Anonymous", identity=False),
)
BY_CHANNEL = {c.channel: c for c in CHANNELS}


def readback_text(content: str, location: str, matter: str | None, lang: str) -> str:
    """What the front desk reads back to the owner before registering an oral item (复述确认)."""
    where = location or ("未说明地点" if lang != "en" else "no place given")
    if lang == "en":
        about = f" about {matter}" if matter else ""
        return f"Let me read it back: at {where}{about}, you report: {content}. Is that right?"
    about = f"，涉及{matter}" if matter else ""
    return f"跟您复述一下：地点 {where}{about}，您反映的是：{content}。请问是否准确？"


def channel_label(channel: str | None, lang: str) -> str:
    form = BY_CHANNEL.get(channel or "")
    if form is None:
        return channel or ""
    return form.en if lang == "en" else form.zh
