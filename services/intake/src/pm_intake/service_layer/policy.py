"""Settings the handlers need, as one small immutable object (built from ``IntakeSettings``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pm_intake.domain.channels import AttachmentLimits

DEFAULT_TYPES = ("image/", "video/", "audio/", "application/pdf")


@dataclass(frozen=True)
class IntakePolicy:
    owner_secret: str
    staff_phone_needs_call_id: bool = False
    attachments: AttachmentLimits = field(default_factory=lambda: AttachmentLimits(20 * 1024 * 1024, 20, DEFAULT_TYPES))
    next_contact_urgent: timedelta = timedelta(hours=2)
    next_contact_general: timedelta = timedelta(hours=24)
    owner_token_ttl_seconds: int = 1800
    otp_ttl_seconds: int = 300
    otp_max_attempts: int = 5
    reveal_dev_otp: bool = False  # only when PM_ENV != prod
