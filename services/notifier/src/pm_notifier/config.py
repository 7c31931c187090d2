from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from pm_common.settings import CommonSettings

LOCAL_SINK = "http://127.0.0.1:8025"


class NotifierSettings(CommonSettings):
    """Env vars: NOTIFIER_* (plus the shared MONGO_URL, KAFKA_BOOTSTRAP, PM_AUTH_SECRET, PM_ENV).

    The channel defaults point at the local sink (``python -m pm_notifier.localsink``: HTTP on 8025,
    SMTP on 2525) that the run command starts; production sets real provider addresses."""

    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore", populate_by_name=True)

    service_name: str = "notifier"
    mongo_db: str = "pm_notifier"
    port: int = 8005
    public_url: str = Field("http://127.0.0.1:8005", description="base of the owner (H5) and acknowledgement links")
    link_secret: str | None = Field(None, description="signs owner/staff links; defaults to PM_AUTH_SECRET")
    # where contacts come from (service token of identity service:notifier)
    intake_url: str = "http://127.0.0.1:8001"
    dispatch_url: str = "http://127.0.0.1:8003"
    # providers
    sms_url: str = LOCAL_SINK
    sms_api_key: str = "local"
    sms_sign_name: str = "物业服务"
    wechat_url: str = LOCAL_SINK
    wechat_appid: str = "wx-local"
    wechat_secret: str = "local"
    wechat_template_id: str = "TPL-PROGRESS"
    push_url: str = LOCAL_SINK + "/push/send"
    pager_url: str = LOCAL_SINK
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_sender: str = "notice@pm.local"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # every channel: timeout per call, attempts (bounded retries, exponential backoff), rate limit
    channel_timeout_seconds: float = 5.0
    channel_attempts: int = Field(3, ge=1, le=10)
    channel_backoff_seconds: float = 0.2
    rate_limits: str = Field("sms=20,wechat=20,email=10,push=50,pager=20", description="messages per second")
    # urgent paging, follow-up
    page_ack_minutes: float = Field(5.0, gt=0, description="move to the next person when unacknowledged")
    return_visit_rate: float = Field(1.0, ge=0, le=1, description="share of complaints called back (default 100 %)")
    return_visit_working_days: int = Field(3, ge=0)
    survey_no_response_days: int = Field(7, ge=1)
    progress_after_hours: float = Field(48, ge=0, description="an item open this long gets proactive updates (0: off)")
    progress_every_hours: float = Field(24, gt=0, description="then one update per this many hours until resolved")
    timer_seconds: float = Field(1.0, gt=0, description="how often the in-memory timer schedule is looked at")
    timer_resync_seconds: float = Field(
        60.0, gt=0, description="how often the schedule is reloaded from the DB (timers other instances wrote)"
    )

    def rate_of(self, channel: str) -> float:
        rates = dict(p.split("=", 1) for p in self.rate_limits.split(",") if "=" in p)
        return float(rates.get(channel, 20))

    @model_validator(mode="after")
    def _real_providers_in_prod(self) -> "NotifierSettings":
        if self.env == "prod":
            local = [
                n for n in ("sms_url", "wechat_url", "push_url", "pager_url") if "127.0.0.1:8025" in getattr(self, n)
            ]
            if local or self.wechat_secret == "local" or self.sms_api_key == "local":
                raise ValueError(f"NOTIFIER_*: set real providers in prod (local sink still configured: {local})")
        return self
