from pydantic_settings import SettingsConfigDict

from pm_common.settings import CommonSettings


class NotifierSettings(CommonSettings):
    """Env vars: NOTIFIER_* (plus the shared MONGO_URL, KAFKA_BOOTSTRAP, PM_AUTH_SECRET, PM_ENV)."""

    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore", populate_by_name=True)

    service_name: str = "notifier"
    mongo_db: str = "pm_notifier"
    port: int = 8005
