from pm_common.settings import CommonSettings
from pydantic_settings import SettingsConfigDict


class IntakeSettings(CommonSettings):
    """Env vars: INTAKE_* (plus the shared MONGO_URL, KAFKA_BOOTSTRAP, PM_AUTH_SECRET, PM_ENV)."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore", populate_by_name=True)

    service_name: str = "intake"
    mongo_db: str = "pm_intake"
    port: int = 8001
    seed_demo: bool = True
