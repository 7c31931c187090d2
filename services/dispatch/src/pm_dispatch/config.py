from pydantic_settings import SettingsConfigDict

from pm_common.settings import CommonSettings


class DispatchSettings(CommonSettings):
    """Env vars: DISPATCH_* (plus the shared MONGO_URL, KAFKA_BOOTSTRAP, PM_AUTH_SECRET, PM_ENV)."""

    model_config = SettingsConfigDict(env_prefix="DISPATCH_", extra="ignore", populate_by_name=True)

    service_name: str = "dispatch"
    mongo_db: str = "pm_dispatch"
    port: int = 8003
    # intake's base URL: the assignee's owner-contact lookup (internal API, service:dispatch, audited)
    intake_url: str = "http://127.0.0.1:8001"
    # Demo/test knob: cap every task deadline at N seconds after assignment (unset in production).
    deadline_cap_seconds: float | None = None
