"""The notifier's vocabulary: channels, contacts (held in memory only), recipients and intents."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

ChannelKind = Literal["sms", "wechat", "email", "push", "pager", "inbox"]
CHANNELS: tuple[ChannelKind, ...] = ("sms", "wechat", "email", "push", "pager", "inbox")
RecipientKind = Literal["owner", "staff"]
# feedback.sent v2 knows five channel labels: push → app, pager/work queue → console, inbox (the
# anonymous owner's tracking-token channel, read in the owner app) → app.
FEEDBACK_CHANNEL: dict[str, str] = {
    "sms": "sms",
    "wechat": "wechat",
    "email": "email",
    "push": "app",
    "pager": "console",
    "inbox": "app",
}
FEEDBACK_ROLE: dict[str, str] = {
    "owner": "owner",
    "handler": "handler",
    "supervisor": "supervisor",
    "duty_manager": "supervisor",
    "customer_service": "supervisor",
    "control_room": "supervisor",
    "front_desk": "supervisor",
    "project_manager": "project_manager",
    "quality": "company",
    "leadership": "company",
    "company": "company",
}


@dataclass(frozen=True)
class Recipient:
    """Who a message is for, without any contact value: an owner (by complaint) or a staff member."""

    kind: RecipientKind
    ref: str  # complaint id (owner) or person id (staff)
    role: str = "owner"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ref}"


@dataclass(frozen=True)
class Contact:
    """Contact values obtained at delivery time; never stored, never on a topic."""

    addresses: dict[str, str] = field(default_factory=dict)  # channel → address (phone, e-mail, openid…)
    accepts: tuple[str, ...] = ()  # channels the person accepts, preferred first
    anonymous: bool = False
    owner_ref: str | None = None  # a stable pseudonymous key for preferences (intake's owner key)
    facts: dict[str, str] = field(default_factory=dict)  # item facts for templates (reference, promise)

    def channels(self, preferred: tuple[str, ...] = ()) -> list[str]:
        """Channels to try, in order: the person's preferred ones first, then what they accept; only
        channels with an address. Anonymous owners: only their tracking-token inbox."""
        if self.anonymous:
            return ["inbox"]
        order = [*preferred, *self.accepts, *self.addresses]
        seen: list[str] = []
        for ch in order:
            if ch in self.addresses and ch not in seen:
                seen.append(ch)
        return seen


def mask(channel: str, address: str) -> str:
    """What the attempt log keeps of an address: enough to tell two apart, not enough to contact."""
    if channel == "sms" and len(address) >= 7:
        return address[:3] + "****" + address[-4:]
    if channel == "email" and "@" in address:
        name, _, domain = address.partition("@")
        return name[:1] + "***@" + domain
    return address[:2] + "***" if len(address) > 4 else "***"


@dataclass(frozen=True)
class Intent:
    """One message to send: to one recipient, from one template, because of one event."""

    recipient: Recipient
    template: str
    params: dict[str, str]
    urgent: bool = False
    incident_id: str | None = None


def delivery_id(cause_event_id: str, recipient: Recipient, template: str) -> str:
    """Deterministic: the same event, recipient and template always give the same delivery (and
    the same idempotency key to the provider), so redelivery and retries never send twice."""
    raw = f"{cause_event_id}|{recipient.key}|{template}".encode()
    return "d_" + hashlib.sha256(raw).hexdigest()[:32]
