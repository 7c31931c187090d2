from pm_common.settings import CommonSettings
from pydantic_settings import SettingsConfigDict


class TriageSettings(CommonSettings):
    """Env vars: TRIAGE_* (plus the shared MONGO_URL, KAFKA_BOOTSTRAP, PM_AUTH_SECRET, PM_ENV)."""

    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore", populate_by_name=True)

    service_name: str = "triage"
    mongo_db: str = "pm_triage"
    port: int = 8002
    holiday_dir: str | None = None  # extra <year>.json holiday files (next year's State Council notice)
