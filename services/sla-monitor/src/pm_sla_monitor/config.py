from pydantic_settings import SettingsConfigDict

from pm_common.settings import CommonSettings


class SlaSettings(CommonSettings):
    """Env vars: SLA_* (plus the shared MONGO_URL, KAFKA_BOOTSTRAP, PM_AUTH_SECRET, PM_ENV)."""

    model_config = SettingsConfigDict(env_prefix="SLA_", extra="ignore", populate_by_name=True)

    service_name: str = "sla-monitor"
    mongo_db: str = "pm_sla_monitor"
    port: int = 8004
    scan_seconds: float = 1.0
    escalation_step_seconds: float = 4 * 3600  # reminder → supervisor → project manager → company
