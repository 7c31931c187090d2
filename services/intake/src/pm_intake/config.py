from datetime import timedelta

from pydantic_settings import SettingsConfigDict

from pm_common.settings import CommonSettings
from pm_intake.domain.channels import AttachmentLimits
from pm_intake.service_layer.policy import IntakePolicy


class IntakeSettings(CommonSettings):
    """Env vars: INTAKE_* (plus the shared MONGO_URL, KAFKA_BOOTSTRAP, PM_AUTH_SECRET, PM_ENV)."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore", populate_by_name=True)

    service_name: str = "intake"
    mongo_db: str = "pm_intake"
    port: int = 8001
    seed_demo: bool = True
    readiness_requires_kafka: bool = False  # complaints are accepted while the broker is down (outbox)
    # protection of the intake
    max_body_bytes: int = 256 * 1024
    max_attachment_bytes: int = 20 * 1024 * 1024
    max_attachments: int = 20
    attachment_types: str = "image/,video/,audio/,application/pdf"
    rate_limit_requests: int = 120  # per source and window, on every write endpoint
    rate_limit_window_seconds: int = 60
    owner_rate_limit_requests: int = 60  # owner reads/writes per owner and window
    otp_rate_limit_requests: int = 5  # code requests per phone (and per client address) and window
    otp_rate_limit_window_seconds: int = 600
    housekeeping_seconds: float = 60.0
    # owner identity
    owner_secret: str | None = None  # defaults to PM_AUTH_SECRET; keep stable: owner keys derive from it
    owner_token_ttl_seconds: int = 1800
    otp_ttl_seconds: int = 300
    otp_max_attempts: int = 5
    # register rules
    phone_requires_call_id_for_staff: bool = False
    next_contact_hours_urgent: float = 2
    next_contact_hours_general: float = 24
    open311_public_read: bool = True

    def policy(self) -> IntakePolicy:
        return IntakePolicy(
            owner_secret=self.owner_secret or self.auth_secret,
            staff_phone_needs_call_id=self.phone_requires_call_id_for_staff,
            attachments=AttachmentLimits(
                self.max_attachment_bytes,
                self.max_attachments,
                tuple(t.strip() for t in self.attachment_types.split(",") if t.strip()),
            ),
            next_contact_urgent=timedelta(hours=self.next_contact_hours_urgent),
            next_contact_general=timedelta(hours=self.next_contact_hours_general),
            owner_token_ttl_seconds=self.owner_token_ttl_seconds,
            otp_ttl_seconds=self.otp_ttl_seconds,
            otp_max_attempts=self.otp_max_attempts,
            reveal_dev_otp=self.env != "prod",
        )
