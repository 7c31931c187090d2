from pydantic_settings import SettingsConfigDict

from pm_common.settings import CommonSettings


class SlaSettings(CommonSettings):
    """Env vars: SLA_* (plus the shared MONGO_URL, KAFKA_BOOTSTRAP, PM_AUTH_SECRET, PM_ENV)."""

    model_config = SettingsConfigDict(env_prefix="SLA_", extra="ignore", populate_by_name=True)

    service_name: str = "sla-monitor"
    mongo_db: str = "pm_sla_monitor"
    port: int = 8004
    escalation_step_seconds: float = 4 * 3600  # reminder → supervisor → project manager → company
    fire_batch: int = 500  # escalations per partition emitted per durable write (one outbox document)
    sweep_seconds: float = 5.0  # how often published outbox documents are deleted (only while some exist)
